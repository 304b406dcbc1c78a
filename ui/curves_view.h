#pragma once

#include <QSet>
#include <QTimer>
#include <QWidget>

#include <array>
#include <map>

class QAreaSeries;
class QChart;
class QCheckBox;
class QLineSeries;
class QValueAxis;

namespace dropoutlab {
struct EpochMetrics;
}

namespace dropoutlab::ui {

class ChartView;
class RunsModel;
struct RunEntry;

/// The 2x2 figure of the reference tutorial: training loss, validation loss, training accuracy,
/// validation accuracy, every run overlaid in its colour. Redraws at most ~10 times a second.
class CurvesView final : public QWidget {
    Q_OBJECT

public:
    explicit CurvesView(RunsModel* model, QWidget* parent = nullptr);
    std::array<ChartView*, 4> chartViews() const;
    /// Applies pending updates now (tests and exports call it; normally a timer does).
    void flush();
    /// Sweep runs drawn as one mean curve with a ±1 std band per point.
    void setGrouped(bool grouped);
    /// With grouping on: also draw the individual runs.
    void setShowIndividualRuns(bool show);
    /// Number of point groups drawn in each panel (for tests).
    int groupCount() const { return static_cast<int>(m_panels[0].groups.size()); }

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
        std::map<int, QLineSeries*> series;
        /// Training panels: the metric of the training sample measured with dropout off, dashed.
        std::map<int, QLineSeries*> offSeries;
        std::map<QString, Group> groups;
    };

    void addRun(int id);
    QLineSeries* addSeries(Panel& panel, int id, const RunEntry& entry, bool dropoutOff);
    void removeRun(int id);
    void markDirty(int id);
    void rebuild(Panel& panel, const RunEntry& entry);
    void rescale(Panel& panel);
    void rebuildGroups(Panel& panel);
    bool isGroupedRun(const RunEntry& entry) const;
    static double metricOf(const dropoutlab::EpochMetrics& m, Metric metric);
    static bool isLoss(Metric metric) { return metric == Metric::TrainLoss || metric == Metric::ValLoss; }
    static bool isTraining(Metric metric) { return metric == Metric::TrainLoss || metric == Metric::TrainAccuracy; }

    RunsModel* m_model;
    std::array<Panel, 4> m_panels;
    QSet<int> m_dirty;
    QTimer m_timer;
    bool m_grouped = false;
    bool m_showIndividual = false;
    QCheckBox* m_groupBox = nullptr;
    QCheckBox* m_individualBox = nullptr;
};

} // namespace dropoutlab::ui
