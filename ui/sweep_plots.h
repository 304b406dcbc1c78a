#pragma once

#include "dropoutlab/core/sweep_stats.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

namespace dropoutlab::ui {

/// Parallel coordinates of a sweep: one vertical axis per swept parameter (its values evenly
/// spaced, lowest at the bottom) and a last one for the mean test accuracy; one line per point
/// with a completed run, coloured by that accuracy (viridis), the best point in red on top.
class ParallelCoordinates final : public QWidget {
    Q_OBJECT

public:
    explicit ParallelCoordinates(QWidget* parent = nullptr);
    void setData(const dropoutlab::SweepSpec& spec, const std::vector<dropoutlab::PointSummary>& points, int best);
    /// Points drawn as lines (those with a completed run).
    int lineCount() const { return static_cast<int>(m_lines.size()); }

protected:
    void paintEvent(QPaintEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    struct Line {
        std::vector<int> valueIndex;  ///< per axis: which of its values
        double accuracy = 0.0;        ///< mean test accuracy, %
        bool best = false;
    };
    QStringList m_axisNames;
    std::vector<QStringList> m_axisValues;
    std::vector<Line> m_lines;
    QString m_title;
};

/// Marginal plots of a sweep: for each axis, the mean test accuracy at each of its values,
/// averaged over the other axes (dropoutlab::marginalTestAccuracy), with the spread of the
/// points' means as a bar; one small panel per axis on a shared accuracy scale.
class MarginalPlots final : public QWidget {
    Q_OBJECT

public:
    explicit MarginalPlots(QWidget* parent = nullptr);
    void setData(const dropoutlab::SweepSpec& spec, const std::vector<dropoutlab::PointSummary>& points);
    const std::vector<std::vector<dropoutlab::Stats>>& marginals() const { return m_marginals; }

protected:
    void paintEvent(QPaintEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    QStringList m_axisNames;
    std::vector<QStringList> m_axisValues;
    std::vector<std::vector<dropoutlab::Stats>> m_marginals;
};

} // namespace dropoutlab::ui
