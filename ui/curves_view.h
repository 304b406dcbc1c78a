#pragma once

#include <QSet>
#include <QTimer>
#include <QWidget>

#include <array>
#include <cstddef>
#include <limits>
#include <map>

class QAbstractAxis;
class QAbstractSeries;
class QAreaSeries;
class QChart;
class QCheckBox;
class QLabel;
class QLineSeries;
class QLogValueAxis;
class QPointF;
class QSlider;
class QValueAxis;

namespace dropoutlab {
struct EpochMetrics;
}

namespace dropoutlab::ui {

class ChartView;
class RunsModel;
struct RunEntry;

/// TensorBoard's smoothing: an exponential moving average with weight `weight` (0: none, 0.99:
/// very smooth), debiased so that the first points are not pulled towards zero.
QList<QPointF> emaSmoothed(const QList<QPointF>& points, double weight);

/// The 2x2 figure of the reference tutorial: training loss, validation loss, training accuracy,
/// validation accuracy, every run overlaid in its colour. Training curves have a point per
/// progress report (the batches since the previous one) at fractional epochs. Smoothing draws
/// the raw curves faint behind; the loss charts can use a log scale. Redraws at most 4 times a
/// second; draws the kMaxChartedRuns most recent visible runs.
class CurvesView final : public QWidget {
    Q_OBJECT

public:
    explicit CurvesView(RunsModel* model, QWidget* parent = nullptr);
    /// The runs drawn now, most recent first: the kMaxChartedRuns most recent shown ones (hiding
    /// runs in the table brings older ones in). `shown` (when given) gets how many are shown.
    std::vector<int> chartedRuns(int* shown = nullptr) const;
    std::array<ChartView*, 4> chartViews() const;
    /// The dropout rate in force per epoch, a line per charted run and scheduled site (the run's
    /// colour, a dash pattern per site); hidden while no charted run has a scheduled rate.
    ChartView* ratesView() const { return m_ratesView; }
    /// The number of rate lines drawn (for tests).
    int rateLineCount() const { return static_cast<int>(m_rateSeries.size()); }
    /// Applies pending updates now (tests and exports call it; normally a timer does, drawing at
    /// most kRunsAddedPerStep new runs per event-loop turn). With `maxAdded`, at most that many
    /// runs are added to the charts; the rest stay pending.
    void flush(std::size_t maxAdded = std::numeric_limits<std::size_t>::max());
    /// Adding a run's curves to the four charts takes a few milliseconds: at most this many per
    /// turn when the timer redraws (40 new runs at once stalled the window 160 ms, 10 still 66 ms).
    static constexpr std::size_t kRunsAddedPerStep = 5;
    /// While paused (a workspace is being read: the most recent runs change with every slice),
    /// the timer does not redraw; resuming applies what is pending.
    void setPaused(bool paused);
    /// Sweep runs drawn as one mean curve with a ±1 std band per point.
    void setGrouped(bool grouped);
    /// With grouping on: also draw the individual runs.
    void setShowIndividualRuns(bool show);
    /// Number of point groups drawn in each panel (for tests).
    int groupCount() const { return static_cast<int>(m_panels[0].groups.size()); }
    /// Smoothing weight in [0, 0.99] (the slider shows it).
    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }
    /// Log-scale y axes on the two loss charts.
    void setLogScale(bool on);
    bool isLogScale() const { return m_logScale; }

private:
    enum class Metric { TrainLoss, ValLoss, TrainAccuracy, ValAccuracy };
    struct Group {
        QLineSeries* mean = nullptr;
        QLineSeries* upper = nullptr;
        QLineSeries* lower = nullptr;
        QAreaSeries* band = nullptr;
    };
    struct Panel {
        Metric metric;
        ChartView* view = nullptr;
        QChart* chart = nullptr;
        QValueAxis* x = nullptr;
        QValueAxis* y = nullptr;
        QLogValueAxis* yLog = nullptr;  ///< loss panels: used instead of y with the log scale
        std::map<int, QLineSeries*> series;
        /// With smoothing: the raw curve, faint, behind the smoothed one.
        std::map<int, QLineSeries*> raw;
        /// Training panels: the metric of the training sample measured with dropout off, dashed.
        std::map<int, QLineSeries*> offSeries;
        std::map<QString, Group> groups;
    };

    enum class Line { Main, Raw, DropoutOff };
    void addRun(int id);
    QLineSeries* addSeries(Panel& panel, int id, const RunEntry& entry, Line line);
    QAbstractAxis* currentY(const Panel& panel) const;
    std::vector<QAbstractSeries*> panelSeries(const Panel& panel) const;
    QWidget* buildOptions();
    void rescaleLog(Panel& panel, double lo, double hi);
    void removeRun(int id);
    /// Adds and drops series so that exactly chartedRuns() are drawn; says so when runs are left out.
    void syncChartedRuns(std::size_t maxAdded);
    void scheduleSync();
    /// The timer's redraw: flush() a few runs at a time, the next ones in the next turn.
    void flushStep();
    void markDirty(int id);
    void rebuild(Panel& panel, const RunEntry& entry);
    void rescale(Panel& panel);
    void rebuildGroups(Panel& panel);
    bool isGroupedRun(const RunEntry& entry) const;
    static double metricOf(const dropoutlab::EpochMetrics& m, Metric metric);
    static bool isLoss(Metric metric) { return metric == Metric::TrainLoss || metric == Metric::ValLoss; }
    static bool isTraining(Metric metric) { return metric == Metric::TrainLoss || metric == Metric::TrainAccuracy; }

    /// Redraws the Rates chart from the charted runs' records.
    void refreshRates();
    ChartView* buildRatesChart();

    RunsModel* m_model;
    std::array<Panel, 4> m_panels;
    QChart* m_ratesChart = nullptr;
    ChartView* m_ratesView = nullptr;
    QValueAxis* m_rateX = nullptr;
    QValueAxis* m_rateY = nullptr;
    std::map<std::pair<int, std::string>, QLineSeries*> m_rateSeries;  ///< (run, site)
    QSet<int> m_dirty;          ///< charted runs whose curves must be redrawn
    bool m_groupsDirty = false;  ///< some run changed: the sweep bands are made again
    QTimer m_timer;
    bool m_grouped = false;
    bool m_showIndividual = false;
    double m_smoothing = 0.0;
    bool m_logScale = false;
    QCheckBox* m_groupBox = nullptr;
    QCheckBox* m_individualBox = nullptr;
    QSlider* m_smoothingSlider = nullptr;
    QLabel* m_smoothingLabel = nullptr;
    QCheckBox* m_logBox = nullptr;
    QLabel* m_limitLabel = nullptr;
    bool m_syncPending = false;
    bool m_paused = false;
};

} // namespace dropoutlab::ui
