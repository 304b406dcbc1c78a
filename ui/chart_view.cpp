#include "chart_view.h"

#include "chart_export.h"

#include <QContextMenuEvent>
#include <QLegend>
#include <QMenu>

namespace dropoutlab::ui {

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
}

void ChartView::saveWithDialog()
{
    exportPictureWithDialog(this, chart()->title(), m_fileStem);
}

void ChartView::contextMenuEvent(QContextMenuEvent* event)
{
    QMenu menu(this);
    menu.addAction(tr("Save chart as PNG, SVG or PDF…"), this, &ChartView::saveWithDialog);
    menu.exec(event->globalPos());
}

} // namespace dropoutlab::ui
