#include "probability_bars.h"

#include "chart_export.h"

#include <QContextMenuEvent>
#include <QPainter>

#include <algorithm>

namespace dropoutlab::ui {

ProbabilityBars::ProbabilityBars(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(320, 180);
    clear(tr("Click a digit or draw one"));
}

void ProbabilityBars::setProbabilities(const QString& title, const std::vector<double>& deterministic,
                                       const std::vector<double>& mcMean, const std::vector<double>& mcStd,
                                       const QColor& color)
{
    m_title = title;
    m_deterministic = deterministic;
    m_mean = mcMean;
    m_std = mcStd;
    m_color = color;
    update();
}

void ProbabilityBars::clear(const QString& message)
{
    m_title = message;
    m_deterministic.clear();
    m_mean.clear();
    m_std.clear();
    update();
}

void ProbabilityBars::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    QFont titleFont = font();
    titleFont.setBold(true);
    p.setFont(titleFont);
    const QRect titleRect(8, 4, width() - 16, p.fontMetrics().height() + 4);
    p.setPen(palette().text().color());
    p.drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter, m_title);
    p.setFont(font());
    const int classes = static_cast<int>(m_deterministic.size());
    if (classes == 0)
        return;
    const QFontMetrics fm = p.fontMetrics();
    const int left = fm.horizontalAdvance(QStringLiteral("100 %")) + 12;
    const int top = titleRect.bottom() + 8 + fm.height();  // room for the legend
    const int bottom = height() - fm.height() - 8;
    const int plotHeight = std::max(10, bottom - top);
    const int plotWidth = std::max(10, width() - left - 10);
    // Axis and gridlines at 0, 50 and 100 %.
    for (int tick = 0; tick <= 100; tick += 50) {
        const int y = bottom - plotHeight * tick / 100;
        p.setPen(QPen(palette().mid().color(), 1, tick == 0 ? Qt::SolidLine : Qt::DotLine));
        p.drawLine(left, y, left + plotWidth, y);
        p.setPen(palette().text().color());
        p.drawText(QRect(0, y - fm.height() / 2, left - 6, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("%1 %").arg(tick));
    }
    const bool mc = m_mean.size() == m_deterministic.size();
    const double slot = static_cast<double>(plotWidth) / classes;
    const double barWidth = slot * (mc ? 0.36 : 0.6);
    const QColor grey(150, 150, 150);
    for (int c = 0; c < classes; ++c) {
        const double x0 = left + c * slot + slot * (mc ? 0.12 : 0.2);
        const auto bar = [&](double x, double value, const QColor& color) {
            const double h = plotHeight * std::clamp(value, 0.0, 1.0);
            p.fillRect(QRectF(x, bottom - h, barWidth, h), color);
        };
        bar(x0, m_deterministic[static_cast<std::size_t>(c)], grey);
        if (mc) {
            const double x1 = x0 + barWidth + slot * 0.04;
            bar(x1, m_mean[static_cast<std::size_t>(c)], m_color);
            const double sd = c < static_cast<int>(m_std.size()) ? m_std[static_cast<std::size_t>(c)] : 0.0;
            const double hi = std::clamp(m_mean[static_cast<std::size_t>(c)] + sd, 0.0, 1.0);
            const double lo = std::clamp(m_mean[static_cast<std::size_t>(c)] - sd, 0.0, 1.0);
            const double cx = x1 + barWidth / 2;
            p.setPen(QPen(palette().text().color(), 1.2));
            p.drawLine(QPointF(cx, bottom - plotHeight * hi), QPointF(cx, bottom - plotHeight * lo));
            p.drawLine(QPointF(cx - barWidth / 4, bottom - plotHeight * hi), QPointF(cx + barWidth / 4, bottom - plotHeight * hi));
            p.drawLine(QPointF(cx - barWidth / 4, bottom - plotHeight * lo), QPointF(cx + barWidth / 4, bottom - plotHeight * lo));
        }
        p.setPen(palette().text().color());
        const QString label = c < m_names.size() ? fm.elidedText(m_names[c], Qt::ElideRight, static_cast<int>(slot))
                                                 : QString::number(c);
        p.drawText(QRectF(left + c * slot, bottom + 2, slot, fm.height()), Qt::AlignCenter, label);
    }
    // Legend.
    int x = left;
    const int y = titleRect.bottom() + 4;
    const auto legend = [&](const QColor& color, const QString& text) {
        p.fillRect(QRect(x, y + 3, 12, fm.height() - 6), color);
        x += 16;
        p.setPen(palette().text().color());
        p.drawText(QPoint(x, y + fm.ascent()), text);
        x += fm.horizontalAdvance(text) + 16;
    };
    legend(grey, tr("dropout off (weight scaling)"));
    if (mc)
        legend(m_color, tr("MC dropout mean ± 1 std"));
}

void ProbabilityBars::contextMenuEvent(QContextMenuEvent* event)
{
    showExportMenu(this, event->globalPos(), m_title, QStringLiteral("class-probabilities"));
}

void ProbabilityBars::setClassNames(const QStringList& names)
{
    m_names = names;
    update();
}

} // namespace dropoutlab::ui

