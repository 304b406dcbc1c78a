#pragma once

#include "analysis_worker.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/train/saved_model.h"

#include <QColor>
#include <QThread>
#include <QHash>
#include <QTimer>
#include <QWidget>

#include <map>
#include <memory>
#include <vector>

class QChart;
class QComboBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QValueAxis;

namespace dropoutlab::ui {

class ChartView;
class DigitPad;
class HeatMap;
class ProbabilityBars;
class RunsModel;

/// The Analysis tab: what dropout did to up to four completed runs, from their saved models.
/// MC dropout runs on its own thread (Stop ends it; analysis.json in each run folder makes
/// reopening instant); the charts overlay the runs: reliability diagram, accuracy against
/// rejection, predictive entropy in and out of distribution; for one run a confusion matrix,
/// the gallery of misclassified test digits and a pad to draw digits on.
class AnalysisView final : public QWidget {
    Q_OBJECT

public:
    static constexpr int kMaxRuns = 4;

    explicit AnalysisView(RunsModel* model, QWidget* parent = nullptr);
    ~AnalysisView() override;

    /// Ticks these runs (completed, with model.pt; at most four) and analyses them.
    void analyseRuns(const QList<int>& runIds);
    bool isBusy() const { return m_busy; }
    /// While a training runs, analysing waits (torch's generators are shared by the process).
    void setTrainingActive(bool active);
    bool hasResults() const { return !m_results.empty(); }
    /// The pictures File > Export writes: (widget, file stem); charts are ChartViews.
    std::vector<std::pair<QWidget*, QString>> pictures() const;
    /// The run whose confusion matrix, gallery and pad are shown (index into the analysed runs).
    void setCurrentRun(int index);
    int galleryCount() const;
    DigitPad* digitPad() const { return m_pad; }
    ProbabilityBars* padBars() const { return m_padBars; }

Q_SIGNALS:
    void analysisFinished();
    void busyChanged(bool busy);
    /// Asks the worker thread to analyse (queued).
    void analyseRequested(const QStringList& runDirs, int samples, quint64 seed, const QString& ood);

private:
    struct Analysed {
        int runId = 0;
        QString name;
        QString dir;
        QColor color;
        UncertaintyReportPtr report;
        dropoutlab::DataShape input;  ///< what the run's model takes (the draw pad needs 1x28x28)
    };

    QWidget* buildControls();
    QWidget* buildCalibrationPage();
    QWidget* buildErrorsPage();
    QWidget* buildPadPage();
    void refreshRunList();
    /// Analyse is possible when nothing trains or analyses and a run with a saved model is listed.
    void updateAnalyseButton();
    void startAnalysis();
    void onAnalysed(int index, const UncertaintyReportPtr& report, bool fromCache);
    void onFinished(bool cancelled);
    /// Value ranges of the charts' axes, gathered while drawing.
    struct ChartRanges {
        double rejLo = 100, rejHi = 0, entHi = 1, entMax = 2.302585092994046;  // ln 10
    };
    void redrawCharts();
    void drawScores(const Analysed& a, const PredictionScores& scores, bool mc, ChartRanges& ranges);
    void drawEntropy(const Analysed& a, ChartRanges& ranges);
    void showRun();
    void showGalleryItem(int row);
    void predictDrawing(const std::vector<std::uint8_t>& image);
    ModelPredictor* predictor();
    const DatasetBytes* testImages(const Analysed& run);

    RunsModel* m_model;
    CancelToken m_cancel;
    QThread m_thread;
    AnalysisWorker* m_worker = nullptr;
    bool m_busy = false;
    bool m_trainingActive = false;
    QList<int> m_pendingIds;
    std::vector<Analysed> m_results;
    QStringList m_problems;
    QStringList m_notes;  ///< runs analysed with a remark (AnalysisWorker::noted)
    int m_fromCache = 0;  ///< runs of the last analysis whose analysis.json answered

    QListWidget* m_runList = nullptr;
    QSpinBox* m_samples = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_ood = nullptr;
    QPushButton* m_analyse = nullptr;
    QPushButton* m_stop = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QTabWidget* m_pages = nullptr;
    QWidget* m_padPage = nullptr;

    QChart* m_reliability = nullptr;
    QChart* m_rejection = nullptr;
    QChart* m_entropy = nullptr;
    QValueAxis* m_relX = nullptr;
    QValueAxis* m_relY = nullptr;
    QValueAxis* m_rejX = nullptr;
    QValueAxis* m_rejY = nullptr;
    QValueAxis* m_entX = nullptr;
    QValueAxis* m_entY = nullptr;
    ChartView* m_reliabilityView = nullptr;
    ChartView* m_rejectionView = nullptr;
    ChartView* m_entropyView = nullptr;
    QLabel* m_summary = nullptr;

    QComboBox* m_currentRun = nullptr;
    HeatMap* m_confusion = nullptr;
    QListWidget* m_gallery = nullptr;
    ProbabilityBars* m_galleryBars = nullptr;
    DigitPad* m_pad = nullptr;
    QLabel* m_padPreview = nullptr;
    ProbabilityBars* m_padBars = nullptr;

    std::map<QString, std::unique_ptr<ModelPredictor>> m_predictors;  ///< by run folder
    QString m_datasetDir;
    std::shared_ptr<const DatasetBytes> m_dataset;
    QTimer m_refreshTimer;  ///< coalesces refreshRunList
    QHash<int, bool> m_hasModelFile;  ///< run id -> its folder holds model.pt (forgotten when the run changes)
};

} // namespace dropoutlab::ui
