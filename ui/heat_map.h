#pragma once

#include <QWidget>

#include <utility>
#include <vector>

namespace dropoutlab::ui {

/// A grid of cells coloured by value, with the value written in each cell; used for 2-D sweeps
/// (rows: first axis, columns: second axis). Exports like a chart from its context menu.
class HeatMap final : public QWidget {
    Q_OBJECT

public:
    struct Cell {
        bool valid = false;
        double value = 0.0;   ///< colours the cell (e.g. mean test accuracy, %)
        QString text;         ///< written in the cell
    };

    explicit HeatMap(QWidget* parent = nullptr);
    void setData(const QString& title, const QString& rowTitle, const QStringList& rowLabels, const QString& columnTitle,
                 const QStringList& columnLabels, const std::vector<std::vector<Cell>>& cells, int bestRow, int bestColumn);
    const QString& title() const { return m_title; }
    const std::vector<std::vector<Cell>>& cells() const { return m_cells; }
    QSize sizeHint() const override { return {520, 360}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    /// Lowest and highest value of the valid cells (the ends of the colour scale).
    std::pair<double, double> valueRange() const;
    QString m_title;
    QString m_rowTitle;
    QString m_columnTitle;
    QStringList m_rowLabels;
    QStringList m_columnLabels;
    std::vector<std::vector<Cell>> m_cells;
    int m_bestRow = -1;
    int m_bestColumn = -1;
};

/// Viridis-like colour for t in [0, 1].
QColor heatColor(double t);

} // namespace dropoutlab::ui
