#include "chart_view.h"

#include "chart_export.h"

#include <QContextMenuEvent>
#include <QDir>
#include <QFileDialog>
#include <QLegend>
#include <QMenu>
#include <QMessageBox>

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
    QString selected;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export “%1”").arg(chart()->title()),
                                                      QDir::home().filePath(m_fileStem + ".png"), chartFileFilter(),
                                                      &selected);
    if (path.isEmpty())
        return;
    const QString error = exportChart(this, path);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export failed"), error);
}

void ChartView::contextMenuEvent(QContextMenuEvent* event)
{
    QMenu menu(this);
    menu.addAction(tr("Save chart as PNG, SVG or PDF…"), this, &ChartView::saveWithDialog);
    menu.exec(event->globalPos());
}

} // namespace dropoutlab::ui
