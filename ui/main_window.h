#pragma once

#include "theme.h"
#include "workspace_loader.h"

#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/sweep.h"

#include <QMainWindow>
#include <QStringList>

#include <memory>
#include <vector>

class QLabel;
class QSplitter;
class QTabWidget;

namespace dropoutlab::ui {

class AccuracyChart;
class AnalysisView;
class CurvesView;
class ExperimentPanel;
class FinishActions;
class ResultsExporter;
class QueueControls;
class QueueStatus;
class RunsTable;
class RunQueue;
class SweepFolderWatcher;
class RunsModel;
class SweepView;

/// The workbench: experiment panel and run queue on the left, live curves, test accuracy and the
/// runs table on the right, progress in the status bar.
class MainWindow final : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Shows the runs recorded in `dir` and records new runs there. Returns false (and says why)
    /// when it cannot be read.
    bool openWorkspace(const QString& dir, QString* error = nullptr);
    /// The same, reading the run folders without blocking the window (the status bar says how far
    /// it is; the queue starts once they are read). False (and why) when `dir` cannot be used.
    bool openWorkspaceInBackground(const QString& dir, QString* error = nullptr);
    bool isLoadingWorkspace() const { return m_loader.isLoading(); }
    const WorkspaceLoader* workspaceLoader() const { return &m_loader; }
    /// Shows the sweep recorded in `dir` (e.g. by CLI shards) and follows it while it is written.
    bool openSweepFolder(const QString& dir, QString* error = nullptr);
    /// Queues a sweep into a new folder of the workspace (or `folder`); returns false with a reason.
    bool enqueueSweep(const dropoutlab::SweepSpec& spec, QString folder = {}, QString* error = nullptr);
    /// Queues the runs and shows the last one in the panel (with `preset`, named in its chooser).
    void enqueuePlan(const std::vector<dropoutlab::ExperimentConfig>& runs, const QString& preset = {});
    /// After the queue is done: export to `dir` and, if `quit`, leave the event loop.
    /// With `analysis`, MC dropout over the most recent completed runs (up to four) comes first.
    void setFinishActions(const QString& exportDir, bool quit, bool analysis = false);
    /// What happens when the queue is done: the analysis, the export, quitting, as set above.
    /// Called by the queue, or at once when nothing is queued.
    void runFinishActions();
    /// Writes charts, dashboard and results (File > Export, --export).
    const ResultsExporter& exporter() const { return *m_exporter; }

    /// The run folders the last openWorkspace() skipped, with the reason for each.
    const QStringList& workspaceProblems() const { return m_loader.problems(); }
    RunsModel* runsModel() const { return m_model; }
    RunQueue* runQueue() const { return m_queue; }
    ExperimentPanel* experimentPanel() const { return m_panel; }
    CurvesView* curvesView() const { return m_curves; }
    AccuracyChart* accuracyChart() const { return m_accuracy; }
    SweepView* sweepView() const { return m_sweepView; }
    AnalysisView* analysisView() const { return m_analysis; }
    QWidget* dashboard() const;
    /// Applies a theme (View > Theme, --theme) and, with `remember`, keeps it for the next start.
    void setTheme(Theme theme, bool remember);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QWidget* buildLeftSide();
    QWidget* buildResultsArea();
    void buildMenus();
    void buildStatusBar();
    void addCurrentRun();
    void addComparisonPair();
    void removeSelectedRuns();
    /// True unless an identical run exists and the user declines to add another.
    bool confirmNotDuplicate(const dropoutlab::ExperimentConfig& config);
    /// A run's settings into the panel, to change and run again (the runs table's "Load into panel").
    void loadRunIntoPanel(int id);
    void clearFinishedRuns();
    void updateActions();
    void onRunFinished(int runId);
    void onRunFailed(int runId, const QString& message);
    void onQueueFinished();
    void showProblem(const QString& title, const QString& text);
    /// Asks for a folder and opens it with `open`; a failure is shown as `problem`.
    void chooseFolder(const QString& title, const QString& problem, bool (MainWindow::*open)(const QString&, QString*));
    void showSweep(const QString& folder, const dropoutlab::SweepSpec& spec);
    void openSweepDialog();
    void exportDashboardWithDialog();
    void exportResultsWithDialog();
    void restoreSettings();
    void saveSettings();

    RunsModel* m_model;
    RunQueue* m_queue;
    ExperimentPanel* m_panel = nullptr;
    CurvesView* m_curves = nullptr;
    AccuracyChart* m_accuracy = nullptr;
    SweepView* m_sweepView = nullptr;
    AnalysisView* m_analysis = nullptr;
    QTabWidget* m_tabs = nullptr;
    RunsTable* m_table = nullptr;
    QSplitter* m_results = nullptr;
    QueueControls* m_controls = nullptr;
    QueueStatus* m_status = nullptr;
    WorkspaceLoader m_loader;
    QLabel* m_reading = nullptr;  ///< the status bar's "reading the workspace" line
    SweepFolderWatcher* m_watcher;
    std::unique_ptr<ResultsExporter> m_exporter;
    FinishActions* m_finish = nullptr;  ///< --analysis, --export, --quit-when-done
};

} // namespace dropoutlab::ui
