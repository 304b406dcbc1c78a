#pragma once

#include <QChartView>

namespace dropoutlab::ui {

/// A chart view whose context menu saves the chart as PNG, SVG or PDF.
class ChartView final : public QChartView {
    Q_OBJECT

public:
    /// `fileStem` names exported files, e.g. "validation-accuracy".
    ChartView(QChart* chart, QString fileStem, QWidget* parent = nullptr);
    const QString& fileStem() const { return m_fileStem; }

    /// Opens a save dialog and exports; reports errors in a message box.
    void saveWithDialog();

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    QString m_fileStem;
};

/// Applies DropoutLab's chart look: readable title and legend, no animation.
void styleChart(QChart* chart, const QString& title);

} // namespace dropoutlab::ui
