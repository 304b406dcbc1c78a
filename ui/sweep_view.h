#pragma once

#include "dropoutlab/core/sweep.h"

#include <QTimer>
#include <QWidget>

#include <map>
#include <vector>

class QChart;
class QComboBox;
class QLabel;
class QStackedWidget;
class QTableWidget;
class QTabWidget;

namespace dropoutlab::ui {

class ChartView;
class HeatMap;
class MarginalPlots;
class ParallelCoordinates;
class RunsModel;

/// Results of a sweep: for one axis, test accuracy (mean ± std error bars) and train-validation
/// gap against the value; for two axes, a heat map of mean test accuracy; the best point
/// highlighted; the per-point table; and a Welch comparison of any two points.
class SweepView final : public QWidget {
    Q_OBJECT

public:
    explicit SweepView(RunsModel* model, QWidget* parent = nullptr);

    /// Registers a sweep (by folder) and shows it.
    void showSweep(const QString& folder, const dropoutlab::SweepSpec& spec);
    bool hasSweep() const { return !m_specs.empty(); }
    /// Recomputes from the model now (a timer does it after changes).
    void refresh();

    const std::vector<dropoutlab::PointSummary>& summaries() const { return m_summaries; }
    /// Compares points a and b (indices into summaries()); the text is also shown.
    QString compare(int a, int b);
    QString comparisonText() const;
    /// The pictures to export, with file stems: the 1-D charts or the heat map.
    std::vector<std::pair<QWidget*, QString>> exportables() const;
    QString title() const;

private:
    /// The points table and the two-point comparison under the charts.
    QWidget* buildPointsTable();
    void rebuildOneAxis(const dropoutlab::SweepSpec& spec);
    void rebuildTwoAxes(const dropoutlab::SweepSpec& spec);
    void rebuildTable();
    void rebuildComparisonChoices();
    int bestPoint() const;
    void scheduleRefresh();

    RunsModel* m_model;
    QComboBox* m_sweeps;
    QLabel* m_sliceLabel;
    QComboBox* m_slice;  ///< 3+ axes: the values of axes 3.. the heat map shows
    QStackedWidget* m_stack;
    QChart* m_accuracyChart;
    QChart* m_gapChart;
    ChartView* m_accuracyView;
    ChartView* m_gapView;
    HeatMap* m_heatMap;
    ParallelCoordinates* m_parallel = nullptr;  ///< with the heat map, for two axes or more
    MarginalPlots* m_marginals = nullptr;
    QTabWidget* m_gridTabs = nullptr;
    QLabel* m_message;
    QTableWidget* m_table;
    QComboBox* m_pointA;
    QComboBox* m_pointB;
    QLabel* m_comparison;
    std::map<QString, dropoutlab::SweepSpec> m_specs;
    std::vector<dropoutlab::PointSummary> m_summaries;
    QTimer m_timer;
};

} // namespace dropoutlab::ui
