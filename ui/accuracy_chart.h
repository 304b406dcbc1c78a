#pragma once

#include <QColor>
#include <QString>
#include <QTimer>
#include <QWidget>

#include <tuple>
#include <vector>

class QBarSeries;
class QBarCategoryAxis;
class QChart;
class QValueAxis;

namespace dropoutlab::ui {

class ChartView;
class RunsModel;

/// Final test accuracy of every finished, visible run side by side: one bar per run in its
/// colour, the value written on the bar, the axis zoomed so 99.07 vs 99.12 is visible.
class AccuracyChart final : public QWidget {
    Q_OBJECT

public:
    explicit AccuracyChart(RunsModel* model, QWidget* parent = nullptr);
    ChartView* chartView() const { return m_view; }
    /// Rebuilds now (normally a timer coalesces changes).
    void flush();
    /// While paused (a workspace is being read) changes wait; resuming draws them.
    void setPaused(bool paused);
    /// The value axis range in percent (for tests).
    std::pair<double, double> axisRange() const;

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    /// What the bars show: name, colour and test accuracy of each visible finished run.
    using Bars = std::vector<std::tuple<QString, QRgb, double>>;
    /// The kMaxChartedRuns most recent, oldest first; `leftOut` (when given): whether older ones exist.
    Bars currentBars(bool* leftOut = nullptr) const;
    /// Rebuilds when the bars would change (progress reports of a running run change nothing here).
    void refreshIfChanged();
    void rebuild();
    /// Values on the bars while each bar is wide enough for its value ("97.22 %"); the legend
    /// while there are at most 6 bars.
    void showLabelsIfTheyFit();
    Bars m_drawn;
    RunsModel* m_model;
    QChart* m_chart;
    ChartView* m_view;
    QBarSeries* m_series = nullptr;
    QBarCategoryAxis* m_categories;
    QValueAxis* m_values;
    QTimer m_timer;
    bool m_paused = false;
};

} // namespace dropoutlab::ui
