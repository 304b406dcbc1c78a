#include "heat_map.h"

#include "chart_export.h"

#include <QContextMenuEvent>
#include <QPainter>

#include <algorithm>
#include <array>
#include <cmath>

namespace dropoutlab::ui {

QColor heatColor(double t)
{
    // A few stops of matplotlib's viridis: perceptually even and readable in greyscale.
    static const std::array<QColor, 5> stops = {QColor(68, 1, 84), QColor(59, 82, 139), QColor(33, 145, 140),
                                                QColor(94, 201, 98), QColor(253, 231, 37)};
    t = std::clamp(t, 0.0, 1.0) * (stops.size() - 1);
    const auto i = std::min(static_cast<std::size_t>(t), stops.size() - 2);
    const double f = t - static_cast<double>(i);
    const QColor& a = stops[i];
    const QColor& b = stops[i + 1];
    return QColor::fromRgbF(a.redF() + f * (b.redF() - a.redF()), a.greenF() + f * (b.greenF() - a.greenF()),
                            a.blueF() + f * (b.blueF() - a.blueF()));
}

HeatMap::HeatMap(QWidget* parent)
    : QWidget(parent)
{
    setMinimumSize(320, 240);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
}

void HeatMap::setData(const QString& title, const QString& rowTitle, const QStringList& rowLabels,
                      const QString& columnTitle, const QStringList& columnLabels,
                      const std::vector<std::vector<Cell>>& cells, int bestRow, int bestColumn)
{
    m_title = title;
    m_rowTitle = rowTitle;
    m_rowLabels = rowLabels;
    m_columnTitle = columnTitle;
    m_columnLabels = columnLabels;
    m_cells = cells;
    m_bestRow = bestRow;
    m_bestColumn = bestColumn;
    update();
}

std::pair<double, double> HeatMap::valueRange() const
{
    double lo = 1e300;
    double hi = -1e300;
    for (const auto& row : m_cells) {
        for (const auto& cell : row) {
            if (cell.valid) {
                lo = std::min(lo, cell.value);
                hi = std::max(hi, cell.value);
            }
        }
    }
    return {lo, hi};
}

void HeatMap::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().base());
    painter.setPen(palette().text().color());
    QFont titleFont = font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    const QFontMetrics fm(font());
    const int titleHeight = QFontMetrics(titleFont).height() + 10;
    painter.setFont(titleFont);
    painter.drawText(QRect(0, 4, width(), titleHeight), Qt::AlignHCenter | Qt::AlignTop, m_title);
    painter.setFont(font());
    if (m_rowLabels.isEmpty() || m_columnLabels.isEmpty())
        return;

    int labelWidth = 0;
    for (const QString& label : m_rowLabels)
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(label));
    const int left = fm.height() + 8 + labelWidth + 8;
    const int bottomSpace = 2 * fm.height() + 12;
    const QRect area(left, titleHeight + 4, width() - left - 12, height() - titleHeight - 4 - bottomSpace);
    const int rows = static_cast<int>(m_rowLabels.size());
    const int columns = static_cast<int>(m_columnLabels.size());
    const double cellW = double(area.width()) / columns;
    const double cellH = double(area.height()) / rows;

    const auto [lo, hi] = valueRange();
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < columns; ++c) {
            // Row 0 at the bottom, like a y axis.
            const QRectF box(area.left() + c * cellW, area.top() + (rows - 1 - r) * cellH, cellW, cellH);
            const Cell& cell = m_cells.at(static_cast<std::size_t>(r)).at(static_cast<std::size_t>(c));
            if (!cell.valid) {
                painter.fillRect(box, palette().alternateBase());
                painter.setPen(palette().color(QPalette::Disabled, QPalette::Text));
                painter.drawText(box, Qt::AlignCenter, tr("no runs"));
                continue;
            }
            const double t = hi > lo ? (cell.value - lo) / (hi - lo) : 0.5;
            const QColor color = heatColor(t);
            painter.fillRect(box, color);
            painter.setPen(color.lightnessF() > 0.55 ? Qt::black : Qt::white);
            painter.drawText(box, Qt::AlignCenter, cell.text);
        }
    }
    painter.setPen(QPen(palette().base().color(), 1));
    for (int c = 1; c < columns; ++c)
        painter.drawLine(QPointF(area.left() + c * cellW, area.top()), QPointF(area.left() + c * cellW, area.bottom() + 1));
    for (int r = 1; r < rows; ++r)
        painter.drawLine(QPointF(area.left(), area.top() + r * cellH), QPointF(area.right() + 1, area.top() + r * cellH));
    if (m_bestRow >= 0 && m_bestColumn >= 0) {
        const QRectF best(area.left() + m_bestColumn * cellW, area.top() + (rows - 1 - m_bestRow) * cellH, cellW, cellH);
        painter.setPen(QPen(QColor(0xe1, 0x57, 0x59), 4));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(best.adjusted(2, 2, -2, -2));
    }

    painter.setPen(palette().text().color());
    for (int c = 0; c < columns; ++c)
        painter.drawText(QRectF(area.left() + c * cellW, area.bottom() + 4, cellW, fm.height()), Qt::AlignHCenter,
                         fm.elidedText(m_columnLabels[c], Qt::ElideRight, static_cast<int>(cellW) - 2));
    painter.drawText(QRect(area.left(), area.bottom() + 6 + fm.height(), area.width(), fm.height() + 4),
                     Qt::AlignHCenter, m_columnTitle);
    for (int r = 0; r < rows; ++r)
        painter.drawText(QRectF(fm.height() + 8, area.top() + (rows - 1 - r) * cellH, labelWidth, cellH),
                         Qt::AlignRight | Qt::AlignVCenter, m_rowLabels[r]);
    painter.save();
    painter.translate(fm.height(), area.center().y());
    painter.rotate(-90);
    painter.drawText(QRect(-area.height() / 2, -fm.height(), area.height(), fm.height() + 4), Qt::AlignHCenter,
                     m_rowTitle);
    painter.restore();
}

void HeatMap::contextMenuEvent(QContextMenuEvent* event)
{
    showExportMenu(this, event->globalPos(), m_title, QStringLiteral("sweep-heat-map"));
}

} // namespace dropoutlab::ui
