#include "chart_axes.h"

#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace dropoutlab::ui {

double niceStep(double span, int targetTicks)
{
    const double raw = span / std::max(1, targetTicks);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 2.5, 5.0}) {
        if (factor * magnitude >= raw)
            return factor * magnitude;
    }
    return 10.0 * magnitude;
}

void setNiceRange(QValueAxis* axis, double lo, double hi, double floorLimit, double ceilLimit, int targetTicks)
{
    // A single point (lo == hi) still gets a non-empty range: at least 0.1 % of its value.
    const double minimumSpan = std::max(1e-3, 1e-3 * std::max(std::abs(lo), std::abs(hi)));
    if (hi - lo < minimumSpan) {
        const double middle = (lo + hi) / 2;
        lo = middle - minimumSpan / 2;
        hi = middle + minimumSpan / 2;
    }
    const double step = niceStep(hi - lo, targetTicks);
    const double bottom = std::max(floorLimit, std::floor(lo / step) * step);
    const double top = std::min(ceilLimit, std::ceil(hi / step) * step);
    const double end = top > bottom ? top : bottom + step;
    // Both ends lie on multiples of the step, so fixed ticks fall on round values.
    axis->setTickType(QValueAxis::TicksFixed);
    axis->setRange(bottom, end);
    axis->setTickCount(static_cast<int>(std::lround((end - bottom) / step)) + 1);
    axis->setLabelFormat(tickLabelFormat(step));
}

QString tickLabelFormat(double step)
{
    int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    while (decimals < 6 && std::abs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6)
        ++decimals;  // 0.025 needs three decimals, not two
    return QStringLiteral("%.") + QString::number(decimals) + QStringLiteral("f");
}

} // namespace dropoutlab::ui
