#pragma once

#include <QChartView>

#include <functional>

class QGraphicsLineItem;
class QGraphicsRectItem;
class QGraphicsTextItem;

namespace dropoutlab::ui {

/// A chart view to explore: rubber-band zoom (left drag), wheel zoom about the cursor, pan (middle
/// drag, Shift + left drag or the arrow keys), +/- to zoom, double-click or 0 to reset; a crosshair
/// that lists every shown line's value at the cursor; a context menu that saves the chart as PNG,
/// SVG or PDF, as it is on screen.
class ChartView final : public QChartView {
    Q_OBJECT

public:
    /// `fileStem` names exported files, e.g. "validation-accuracy".
    ChartView(QChart* chart, QString fileStem, QWidget* parent = nullptr);
    const QString& fileStem() const { return m_fileStem; }

    /// Opens a save dialog and exports; reports errors in a message box.
    void saveWithDialog();

    /// True after the user zoomed or panned, until reset: owners then leave the axes alone.
    bool isZoomed() const { return m_zoomed; }
    /// Zooms by `factor` (< 1 in, > 1 out) about `center` (plot coordinates; default the plot's centre).
    void zoomBy(qreal factor, QPointF center = {});
    /// Back to the owner's automatic ranges.
    void resetZoom();
    /// Runs `change` (which may rebuild the chart's series and axes) and, if the user had zoomed,
    /// puts the zoomed ranges back on the new value axes.
    void keepZoomWhile(const std::function<void()>& change);

    /// The crosshair's text at `pos` (widget coordinates), as it would show it: the x value, then
    /// one line per shown series with its value nearest that x. Empty outside the plot.
    QString crosshairText(const QPoint& pos) const;

    /// Series with this property set to true are left out of the crosshair (e.g. faint raw curves).
    static constexpr const char* kNoCrosshair = "dropoutlabNoCrosshair";

Q_SIGNALS:
    /// The user reset the zoom: the owner sets its automatic ranges again.
    void zoomWasReset();

protected:
    void changeEvent(QEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    /// Light or dark chart theme after the widget's palette, keeping every series' own colours.
    void followPalette();
    void markZoomed();
    void updateCrosshair(const QPoint& pos);
    void hideCrosshair();

    QString m_fileStem;
    bool m_zoomed = false;
    bool m_panning = false;
    QPoint m_lastPan;
    QGraphicsLineItem* m_crossLine = nullptr;
    QGraphicsRectItem* m_crossBox = nullptr;
    QGraphicsTextItem* m_crossText = nullptr;
};

/// Takes `series` (already in `chart`) out of the legend. Showing a series shows its legend entry
/// again, so call it after every setVisible(true).
void hideFromLegend(QChart* chart, QAbstractSeries* series);
/// A drawn aid, not data (error bars, bands, faint raw curves, a diagonal): no legend entry and
/// not listed by the crosshair.
void markAsDecoration(QChart* chart, QAbstractSeries* series);

/// Applies DropoutLab's chart look: readable title and legend, no animation.
void styleChart(QChart* chart, const QString& title);

} // namespace dropoutlab::ui
