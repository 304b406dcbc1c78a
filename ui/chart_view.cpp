#include "chart_view.h"

#include "chart_axes.h"
#include "chart_export.h"
#include "theme.h"

#include <QAbstractAxis>
#include <QAbstractBarSeries>
#include <QAreaSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QScatterSeries>
#include <QContextMenuEvent>
#include <QGraphicsLineItem>
#include <QGraphicsRectItem>
#include <QGraphicsTextItem>
#include <QLegend>
#include <QLegendMarker>
#include <QMenu>
#include <QLogValueAxis>
#include <QValueAxis>
#include <QXYSeries>

#include <algorithm>
#include <cmath>
#include <optional>

namespace dropoutlab::ui {
namespace {

constexpr qreal kWheelStep = 0.85;  // one wheel notch zooms in to 85 % of the span
constexpr qreal kKeyPan = 0.1;      // an arrow key pans a tenth of the plot

/// Readable for losses (0.0123), accuracies (98.76) and rates alike.
QString valueText(double v)
{
    const double a = std::abs(v);
    if (a != 0.0 && (a < 1e-3 || a >= 1e5))
        return QString::number(v, 'g', 4);
    return QString::number(v, 'f', a < 1.0 ? 4 : (a < 10.0 ? 3 : 2));
}

/// An axis property: its label format before the zoom, put back on reset.
constexpr char kUnzoomedFormat[] = "dropoutlab.unzoomedFormat";

/// The series' point whose x is nearest `x` (the series' x values ascending, as every chart here draws them).
const QPointF* nearestPoint(const QList<QPointF>& points, double x)
{
    if (points.isEmpty())
        return nullptr;
    const auto it = std::lower_bound(points.begin(), points.end(), x,
                                     [](const QPointF& p, double value) { return p.x() < value; });
    if (it == points.begin())
        return &*it;
    if (it == points.end())
        return &points.back();
    const auto before = std::prev(it);
    return (x - before->x() <= it->x() - x) ? &*before : &*it;
}

/// The range of a value or log axis; nullopt for category axes.
std::optional<std::pair<double, double>> axisRange(QAbstractAxis* axis)
{
    if (auto* value = qobject_cast<QValueAxis*>(axis))
        return std::pair{value->min(), value->max()};
    if (auto* log = qobject_cast<QLogValueAxis*>(axis))
        return std::pair{log->min(), log->max()};
    return std::nullopt;
}

/// The chart's plain value axes (not category axes, whose ticks are the data's own).
std::vector<QValueAxis*> valueAxes(QChart* chart)
{
    std::vector<QValueAxis*> axes;
    for (QAbstractAxis* axis : chart->axes()) {
        auto* value = qobject_cast<QValueAxis*>(axis);
        if (value && !qobject_cast<QCategoryAxis*>(axis))
            axes.push_back(value);
    }
    return axes;
}

} // namespace

void hideFromLegend(QChart* chart, QAbstractSeries* series)
{
    for (QLegendMarker* marker : chart->legend()->markers(series))
        marker->setVisible(false);
}

void markAsDecoration(QChart* chart, QAbstractSeries* series)
{
    series->setProperty(ChartView::kNoCrosshair, true);
    hideFromLegend(chart, series);
}

void styleChart(QChart* chart, const QString& title)
{
    chart->setTitle(title);
    QFont titleFont = chart->titleFont();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    titleFont.setBold(true);
    chart->setTitleFont(titleFont);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(6, 6, 6, 6));
    chart->setBackgroundRoundness(0);
}

ChartView::ChartView(QChart* chart, QString fileStem, QWidget* parent)
    : QChartView(chart, parent), m_fileStem(std::move(fileStem))
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(280, 200);
    setRubberBand(QChartView::RectangleRubberBand);
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    // In the status bar, not as a tooltip that would cover the crosshair.
    setStatusTip(tr("Drag to zoom, wheel to zoom, middle or Shift-drag to pan, double-click or 0 to reset; "
                    "right-click to save"));
    m_crossLine = new QGraphicsLineItem(chart);
    m_crossBox = new QGraphicsRectItem(chart);
    m_crossText = new QGraphicsTextItem(m_crossBox);
    followPalette();
    for (QGraphicsItem* item : {static_cast<QGraphicsItem*>(m_crossLine), static_cast<QGraphicsItem*>(m_crossBox)}) {
        item->setZValue(1000);
        item->setVisible(false);
    }
}

void ChartView::followPalette()
{
    const QPalette& p = palette();
    m_crossLine->setPen(QPen(p.color(QPalette::Text), 1.0, Qt::DotLine));
    QColor box = p.color(QPalette::ToolTipBase);
    box.setAlphaF(0.92);
    m_crossBox->setBrush(box);
    m_crossBox->setPen(QPen(p.color(QPalette::Mid)));
    m_crossText->setDefaultTextColor(p.color(QPalette::ToolTipText));

    QChart* c = chart();
    const QChart::ChartTheme wanted = isDark(p) ? QChart::ChartThemeDark : QChart::ChartThemeLight;
    if (c->theme() == wanted)
        return;
    // setTheme repaints every series in the theme's colours: keep the runs' own.
    struct Saved {
        QAbstractSeries* series;
        QPen pen;
        QBrush brush;
    };
    std::vector<Saved> saved;
    std::vector<std::tuple<QBarSet*, QPen, QBrush>> bars;
    for (QAbstractSeries* series : c->series()) {
        if (auto* xy = qobject_cast<QXYSeries*>(series))
            saved.push_back({series, xy->pen(), xy->brush()});
        else if (auto* area = qobject_cast<QAreaSeries*>(series))
            saved.push_back({series, area->pen(), area->brush()});
        else if (auto* bar = qobject_cast<QAbstractBarSeries*>(series)) {
            for (QBarSet* set : bar->barSets())
                bars.emplace_back(set, set->pen(), set->brush());
        }
    }
    const QFont title = c->titleFont();
    const QFont legend = c->legend()->font();
    const Qt::Alignment legendAlignment = c->legend()->alignment();
    const QMargins margins = c->margins();
    c->setTheme(wanted);
    c->setTitleFont(title);
    c->legend()->setFont(legend);
    c->legend()->setAlignment(legendAlignment);
    c->setMargins(margins);
    c->setBackgroundRoundness(0);
    for (const Saved& s : saved) {
        if (auto* xy = qobject_cast<QXYSeries*>(s.series)) {
            xy->setPen(s.pen);
            xy->setBrush(s.brush);
        } else if (auto* area = qobject_cast<QAreaSeries*>(s.series)) {
            area->setPen(s.pen);
            area->setBrush(s.brush);
        }
    }
    for (const auto& [set, pen, brush] : bars) {
        set->setPen(pen);
        set->setBrush(brush);
    }
}

void ChartView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        followPalette();
    QChartView::changeEvent(event);
}

void ChartView::saveWithDialog()
{
    hideCrosshair();
    exportPictureWithDialog(this, chart()->title(), m_fileStem);
}

void ChartView::markZoomed()
{
    m_zoomed = true;
    // A zoomed range is rarely round: ticks at round values inside it instead of at its ends, with
    // as many decimals as the step needs (an epoch axis zoomed in ticks at fractions of an epoch).
    for (QValueAxis* axis : valueAxes(chart())) {
        if (!axis->property(kUnzoomedFormat).isValid())
            axis->setProperty(kUnzoomedFormat, axis->labelFormat());
        const double step = niceStep(axis->max() - axis->min(), 5);
        axis->setLabelFormat(tickLabelFormat(step));
        axis->setTickAnchor(0.0);
        axis->setTickInterval(step);
        axis->setTickType(QValueAxis::TicksDynamic);
    }
}

void ChartView::zoomBy(qreal factor, QPointF center)
{
    const QRectF plot = chart()->plotArea();
    if (center.isNull())
        center = plot.center();
    QRectF rect(center.x() - (center.x() - plot.left()) * factor, center.y() - (center.y() - plot.top()) * factor,
                plot.width() * factor, plot.height() * factor);
    chart()->zoomIn(rect);
    markZoomed();
}

void ChartView::resetZoom()
{
    chart()->zoomReset();
    for (QValueAxis* axis : valueAxes(chart())) {
        axis->setTickType(QValueAxis::TicksFixed);
        const QVariant format = axis->property(kUnzoomedFormat);
        if (format.isValid())
            axis->setLabelFormat(format.toString());
        axis->setProperty(kUnzoomedFormat, QVariant());
    }
    m_zoomed = false;
    Q_EMIT zoomWasReset();
}

void ChartView::keepZoomWhile(const std::function<void()>& change)
{
    if (!m_zoomed) {
        change();
        return;
    }
    std::vector<std::pair<Qt::Orientation, std::pair<double, double>>> kept;
    for (const Qt::Orientation o : {Qt::Horizontal, Qt::Vertical}) {
        const auto axes = chart()->axes(o);
        if (!axes.isEmpty()) {
            if (const auto range = axisRange(axes.first()))
                kept.emplace_back(o, *range);
        }
    }
    change();
    for (const auto& [o, range] : kept) {
        const auto axes = chart()->axes(o);
        if (!axes.isEmpty() && axisRange(axes.first()))
            axes.first()->setRange(range.first, range.second);
    }
    markZoomed();  // the change may have set fixed ticks for the full range
}

QString ChartView::crosshairText(const QPoint& pos) const
{
    const QPointF scenePos = mapToScene(pos);
    const QPointF chartPos = chart()->mapFromScene(scenePos);
    if (!chart()->plotArea().contains(chartPos))
        return {};
    QStringList lines;
    for (QAbstractSeries* series : chart()->series()) {
        auto* xy = qobject_cast<QXYSeries*>(series);
        if (!xy || !xy->isVisible() || xy->property(kNoCrosshair).toBool())
            continue;
        const double x = chart()->mapToValue(chartPos, xy).x();
        const QList<QPointF> points = xy->points();
        if (const QPointF* p = nearestPoint(points, x)) {
            lines << QStringLiteral("<span style='color:%1'>■</span> %2: <b>%3</b>")
                         .arg(xy->color().name(), xy->name().toHtmlEscaped(), valueText(p->y()));
        }
    }
    if (lines.isEmpty())
        return {};
    QString xTitle;
    double x = 0;
    const auto horizontal = chart()->axes(Qt::Horizontal);
    if (!horizontal.isEmpty()) {
        xTitle = horizontal.first()->titleText();
        x = chart()->mapToValue(chartPos, chart()->series().first()).x();
    }
    return QStringLiteral("%1 %2<br>").arg(xTitle.toHtmlEscaped(), valueText(x)) + lines.join(QStringLiteral("<br>"));
}

void ChartView::updateCrosshair(const QPoint& pos)
{
    const QString text = crosshairText(pos);
    if (text.isEmpty()) {
        hideCrosshair();
        return;
    }
    const QRectF plot = chart()->plotArea();
    const QPointF at = chart()->mapFromScene(mapToScene(pos));
    m_crossLine->setLine(at.x(), plot.top(), at.x(), plot.bottom());
    m_crossText->setHtml(text);
    const QRectF textRect = m_crossText->boundingRect();
    // Beside the cursor, flipped to stay inside the plot.
    qreal left = at.x() + 12;
    if (left + textRect.width() > plot.right())
        left = at.x() - 12 - textRect.width();
    const qreal top = std::clamp(at.y() - textRect.height() / 2, plot.top(), std::max(plot.top(), plot.bottom() - textRect.height()));
    m_crossBox->setRect(0, 0, textRect.width(), textRect.height());
    m_crossBox->setPos(left, top);
    m_crossLine->setVisible(true);
    m_crossBox->setVisible(true);
}

void ChartView::hideCrosshair()
{
    m_crossLine->setVisible(false);
    m_crossBox->setVisible(false);
}

void ChartView::contextMenuEvent(QContextMenuEvent* event)
{
    hideCrosshair();
    QMenu menu(this);
    menu.addAction(tr("Save chart as PNG, SVG or PDF…"), this, &ChartView::saveWithDialog);
    menu.addAction(tr("Reset zoom"), this, &ChartView::resetZoom)->setEnabled(m_zoomed);
    menu.exec(event->globalPos());
}

void ChartView::mousePressEvent(QMouseEvent* event)
{
    const bool pan = event->button() == Qt::MiddleButton ||
                     (event->button() == Qt::LeftButton && event->modifiers().testFlag(Qt::ShiftModifier));
    if (pan) {
        m_panning = true;
        m_lastPan = event->pos();
        setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    if (event->button() == Qt::RightButton) {  // the context menu, not QChartView's zoom out
        event->accept();
        return;
    }
    hideCrosshair();
    QChartView::mousePressEvent(event);
}

void ChartView::mouseMoveEvent(QMouseEvent* event)
{
    if (m_panning) {
        const QPoint delta = event->pos() - m_lastPan;
        m_lastPan = event->pos();
        chart()->scroll(-delta.x(), delta.y());
        markZoomed();
        event->accept();
        return;
    }
    if (event->buttons() == Qt::NoButton)
        updateCrosshair(event->pos());
    QChartView::mouseMoveEvent(event);
}

void ChartView::mouseReleaseEvent(QMouseEvent* event)
{
    if (m_panning) {
        m_panning = false;
        unsetCursor();
        event->accept();
        return;
    }
    if (event->button() == Qt::RightButton) {
        event->accept();
        return;
    }
    const bool wasZoomed = chart()->isZoomed();
    QChartView::mouseReleaseEvent(event);
    if (chart()->isZoomed() && (!wasZoomed || event->button() == Qt::LeftButton))
        markZoomed();
}

void ChartView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton) {
        resetZoom();
        event->accept();
        return;
    }
    QChartView::mouseDoubleClickEvent(event);
}

void ChartView::wheelEvent(QWheelEvent* event)
{
    const qreal notches = event->angleDelta().y() / 120.0;
    if (notches == 0) {
        event->ignore();
        return;
    }
    const QPointF at = chart()->mapFromScene(mapToScene(event->position().toPoint()));
    zoomBy(std::pow(kWheelStep, notches), chart()->plotArea().contains(at) ? at : QPointF());
    event->accept();
}

void ChartView::keyPressEvent(QKeyEvent* event)
{
    const QRectF plot = chart()->plotArea();
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomBy(kWheelStep); break;
    case Qt::Key_Minus: zoomBy(1.0 / kWheelStep); break;
    case Qt::Key_0: resetZoom(); break;
    case Qt::Key_Left: chart()->scroll(-plot.width() * kKeyPan, 0); markZoomed(); break;
    case Qt::Key_Right: chart()->scroll(plot.width() * kKeyPan, 0); markZoomed(); break;
    case Qt::Key_Up: chart()->scroll(0, plot.height() * kKeyPan); markZoomed(); break;
    case Qt::Key_Down: chart()->scroll(0, -plot.height() * kKeyPan); markZoomed(); break;
    default: QChartView::keyPressEvent(event); return;
    }
    event->accept();
}

void ChartView::leaveEvent(QEvent* event)
{
    hideCrosshair();
    QChartView::leaveEvent(event);
}

} // namespace dropoutlab::ui
