#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace dropoutlab::ui {

class AnalysisView;
class HeadlessReporter;
class ResultsExporter;
class RunQueue;
class RunsModel;

/// What the app does by itself once its queue is done (--analysis, --export, --quit-when-done):
/// MC dropout over the most recent completed runs, then the export, then leaving the event loop
/// with exit code 1 if a run failed or the export did. Unattended (with quit), each epoch is
/// reported on stderr and problems go to stderr instead of message boxes.
class FinishActions final : public QObject {
    Q_OBJECT

public:
    struct Options {
        QString exportDir;      ///< empty: no export
        bool quit = false;      ///< leave the event loop when done
        bool analysis = false;  ///< analyse the latest completed runs first (once)
    };

    /// Leaves the event loop with an exit code (default: QCoreApplication::exit).
    using Quit = std::function<void(int exitCode)>;

    /// `analysis` may be null when the window has no Analysis tab (then `Options::analysis` is ignored).
    FinishActions(const RunsModel* model, const RunQueue* queue, AnalysisView* analysis,
                  const ResultsExporter* exporter, QObject* parent = nullptr, Quit quit = {});

    void setOptions(const Options& options);
    /// Nobody watches the window: report on stderr, never block on a dialog.
    bool unattended() const { return m_options.quit; }
    /// A run failed: the process exits with 1.
    void noteFailure() { m_exitCode = 1; }
    int exitCode() const { return m_exitCode; }

    /// Does what is due, as set above. Called when the queue is done, or at once when nothing is queued.
    void run();

Q_SIGNALS:
    /// The analysis of `Options::analysis` starts: the window shows its tab.
    void analysisStarting();

private:
    const RunsModel* m_model;
    const RunQueue* m_queue;
    AnalysisView* m_analysis;
    const ResultsExporter* m_exporter;
    Quit m_quit;
    Options m_options;
    int m_exitCode = 0;
    HeadlessReporter* m_reporter = nullptr;
};

} // namespace dropoutlab::ui
