#include "sweep_plots.h"

#include "chart_export.h"
#include "heat_map.h"

#include <QContextMenuEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace dropoutlab::ui {
namespace {

constexpr int kMargin = 12;

void axesOf(const SweepSpec& spec, QStringList& names, std::vector<QStringList>& values)
{
    names.clear();
    values.clear();
    for (const SweepAxis& axis : spec.axes) {
        names << QString::fromStdString(axis.parameter);
        QStringList labels;
        for (const double v : axis.values)
            labels << QString::number(v, 'g', 4);
        values.push_back(labels);
    }
}

/// Title on top in bold; returns its height.
int drawTitle(QPainter& p, const QWidget& w, const QString& title)
{
    QFont font = w.font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.1);
    p.setFont(font);
    const int height = QFontMetrics(font).height() + 8;
    p.drawText(QRect(0, 4, w.width(), height), Qt::AlignHCenter | Qt::AlignTop, title);
    p.setFont(w.font());
    return height + 4;
}

/// The y of value index `i` of `count` (lowest at the bottom) inside [top, bottom].
double levelY(int i, int count, double top, double bottom)
{
    return count <= 1 ? (top + bottom) / 2 : bottom - (bottom - top) * i / (count - 1);
}

} // namespace

ParallelCoordinates::ParallelCoordinates(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(360, 240);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
}

void ParallelCoordinates::setData(const SweepSpec& spec, const std::vector<PointSummary>& points, int best)
{
    axesOf(spec, m_axisNames, m_axisValues);
    m_lines.clear();
    for (std::size_t i = 0; i < points.size(); ++i) {
        const PointSummary& p = points[i];
        if (p.completedRuns == 0 || p.point.values.size() != spec.axes.size())
            continue;
        Line line;
        for (std::size_t a = 0; a < spec.axes.size(); ++a) {
            const auto& values = spec.axes[a].values;
            const auto it = std::find(values.begin(), values.end(), p.point.values[a].second);
            line.valueIndex.push_back(static_cast<int>(it - values.begin()));
        }
        line.accuracy = 100.0 * p.testAccuracy.mean;
        line.best = static_cast<int>(i) == best;
        m_lines.push_back(line);
    }
    // The best point last, so that it is drawn on top.
    std::stable_sort(m_lines.begin(), m_lines.end(), [](const Line& a, const Line& b) { return !a.best && b.best; });
    m_title = tr("Parallel coordinates: every point, coloured by its mean test accuracy");
    update();
}

void ParallelCoordinates::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    p.setPen(palette().text().color());
    const int titleHeight = drawTitle(p, *this, m_title);
    if (m_lines.empty()) {
        p.drawText(rect(), Qt::AlignCenter, tr("No completed runs yet"));
        return;
    }
    const QFontMetrics fm(font());
    const int axes = static_cast<int>(m_axisNames.size()) + 1;  // + accuracy
    const double top = titleHeight + fm.height() + 6;
    const double bottom = height() - kMargin - fm.height() - 28;  // room for the colour bar
    const double left = kMargin + fm.horizontalAdvance(QStringLiteral("0.0001")) + 8;
    const double right = width() - kMargin - fm.horizontalAdvance(QStringLiteral("99.99 %"));
    const auto axisX = [&](int a) { return axes == 1 ? left : left + (right - left) * a / (axes - 1); };
    double lo = 1e300, hi = -1e300;
    for (const Line& l : m_lines) {
        lo = std::min(lo, l.accuracy);
        hi = std::max(hi, l.accuracy);
    }
    const auto accuracyY = [&](double v) { return hi > lo ? bottom - (bottom - top) * (v - lo) / (hi - lo) : (top + bottom) / 2; };

    for (const Line& l : m_lines) {
        QPainterPath path;
        for (int a = 0; a < axes; ++a) {
            const double y = a + 1 < axes ? levelY(l.valueIndex[static_cast<std::size_t>(a)],
                                                   static_cast<int>(m_axisValues[static_cast<std::size_t>(a)].size()), top, bottom)
                                          : accuracyY(l.accuracy);
            if (a == 0)
                path.moveTo(axisX(a), y);
            else
                path.lineTo(axisX(a), y);
        }
        const double t = hi > lo ? (l.accuracy - lo) / (hi - lo) : 1.0;
        p.setPen(l.best ? QPen(QColor(0xe1, 0x57, 0x59), 3.5) : QPen(heatColor(t), 1.6));
        p.drawPath(path);
    }
    // Axes with their values.
    p.setPen(QPen(palette().text().color(), 1.2));
    for (int a = 0; a < axes; ++a) {
        const double x = axisX(a);
        p.drawLine(QPointF(x, top), QPointF(x, bottom));
        const QString name = a + 1 < axes ? m_axisNames[a] : tr("test acc. (%)");
        p.drawText(QRectF(x - 80, top - fm.height() - 4, 160, fm.height()), Qt::AlignHCenter, name);
        if (a + 1 < axes) {
            const QStringList& labels = m_axisValues[static_cast<std::size_t>(a)];
            for (int i = 0; i < labels.size(); ++i) {
                const double y = levelY(i, static_cast<int>(labels.size()), top, bottom);
                p.drawText(QRectF(x - 70, y - fm.height() / 2.0, 64, fm.height()), Qt::AlignRight | Qt::AlignVCenter, labels[i]);
            }
        } else {
            for (const double v : {lo, (lo + hi) / 2, hi})
                p.drawText(QRectF(x + 6, accuracyY(v) - fm.height() / 2.0, 80, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                           QString::number(v, 'f', 2));
        }
    }
    // Colour bar.
    const QRectF bar(left, height() - kMargin - 14, std::min(240.0, right - left), 10);
    QLinearGradient gradient(bar.topLeft(), bar.topRight());
    for (int i = 0; i <= 4; ++i)
        gradient.setColorAt(i / 4.0, heatColor(i / 4.0));
    p.fillRect(bar, gradient);
    p.drawText(QRectF(bar.right() + 8, bar.top() - 4, 360, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
               tr("%1 % … %2 %; best point in red").arg(QString::number(lo, 'f', 2), QString::number(hi, 'f', 2)));
}

void ParallelCoordinates::contextMenuEvent(QContextMenuEvent* event)
{
    showExportMenu(this, event->globalPos(), m_title, QStringLiteral("sweep-parallel-coordinates"));
}

MarginalPlots::MarginalPlots(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(360, 200);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
}

void MarginalPlots::setData(const SweepSpec& spec, const std::vector<PointSummary>& points)
{
    axesOf(spec, m_axisNames, m_axisValues);
    m_marginals = marginalTestAccuracy(spec, points);
    update();
}

void MarginalPlots::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    p.setPen(palette().text().color());
    const int titleHeight =
        drawTitle(p, *this, tr("Mean test accuracy at each value of each axis (over the other axes; bar: min-max of the points)"));
    double lo = 1e300, hi = -1e300;
    for (const auto& axis : m_marginals) {
        for (const Stats& s : axis) {
            if (s.count > 0) {
                lo = std::min(lo, 100.0 * s.min);
                hi = std::max(hi, 100.0 * s.max);
            }
        }
    }
    if (lo > hi) {
        p.drawText(rect(), Qt::AlignCenter, tr("No completed runs yet"));
        return;
    }
    const double pad = std::max(0.05, 0.08 * (hi - lo));
    lo -= pad;
    hi += pad;
    const QFontMetrics fm(font());
    const int panels = static_cast<int>(m_marginals.size());
    const double left = kMargin + fm.horizontalAdvance(QStringLiteral("99.99")) + 6;
    const double panelWidth = (width() - left - kMargin) / std::max(1, panels);
    const double top = titleHeight + fm.height() + 4;
    const double bottom = height() - kMargin - fm.height() - 4;
    const auto y = [&](double v) { return bottom - (bottom - top) * (v - lo) / (hi - lo); };
    // Shared accuracy scale on the left.
    for (const double v : {lo + pad, (lo + hi) / 2, hi - pad}) {
        p.drawText(QRectF(0, y(v) - fm.height() / 2.0, left - 6, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   QString::number(v, 'f', 2));
        p.setPen(QPen(palette().mid().color(), 1, Qt::DotLine));
        p.drawLine(QPointF(left, y(v)), QPointF(width() - kMargin, y(v)));
        p.setPen(palette().text().color());
    }
    const QColor line(0x4e, 0x79, 0xa7);
    for (int a = 0; a < panels; ++a) {
        // Values inset from the panel's sides, so that the labels of neighbouring panels never meet.
        const double x0 = left + a * panelWidth + 34;
        const double x1 = left + (a + 1) * panelWidth - 34;
        p.setPen(QPen(palette().mid().color(), 1));
        p.drawRect(QRectF(x0 - 28, top - 2, x1 - x0 + 56, bottom - top + 4));
        p.setPen(palette().text().color());
        p.drawText(QRectF(x0, top - fm.height() - 2, x1 - x0, fm.height()), Qt::AlignHCenter, m_axisNames[a]);
        const auto& stats = m_marginals[static_cast<std::size_t>(a)];
        const int n = static_cast<int>(stats.size());
        const auto x = [&](int i) { return n <= 1 ? (x0 + x1) / 2 : x0 + (x1 - x0) * i / (n - 1); };
        QPainterPath path;
        bool started = false;
        for (int i = 0; i < n; ++i) {
            p.setPen(palette().text().color());
            p.drawText(QRectF(x(i) - 32, bottom + 4, 64, fm.height()), Qt::AlignHCenter,
                       m_axisValues[static_cast<std::size_t>(a)][i]);
            const Stats& s = stats[static_cast<std::size_t>(i)];
            if (s.count == 0)
                continue;
            p.setPen(QPen(line.lighter(130), 2));
            p.drawLine(QPointF(x(i), y(100.0 * s.min)), QPointF(x(i), y(100.0 * s.max)));
            const QPointF at(x(i), y(100.0 * s.mean));
            started ? path.lineTo(at) : path.moveTo(at);
            started = true;
        }
        p.setPen(QPen(line, 2.2));
        p.drawPath(path);
        p.setBrush(line);
        for (int i = 0; i < n; ++i) {
            const Stats& s = stats[static_cast<std::size_t>(i)];
            if (s.count > 0)
                p.drawEllipse(QPointF(x(i), y(100.0 * s.mean)), 3.5, 3.5);
        }
        p.setBrush(Qt::NoBrush);
    }
}

void MarginalPlots::contextMenuEvent(QContextMenuEvent* event)
{
    showExportMenu(this, event->globalPos(), tr("Marginal test accuracy"), QStringLiteral("sweep-marginals"));
}

} // namespace dropoutlab::ui
