#pragma once
// Axis helpers shared by the charts: ranges on round values with few, readable ticks.

#include <QString>

class QValueAxis;

namespace dropoutlab::ui {

/// A 1-2-2.5-5 step that splits `span` into about `targetTicks` intervals.
double niceStep(double span, int targetTicks);
/// A printf label format with just the decimals that ticks `step` apart need ("%.1f" for 0.5,
/// "%.3f" for 0.025, "%.0f" for 5).
QString tickLabelFormat(double step);
/// Sets a range covering [lo, hi] on step boundaries (clamped to the limits) with ticks on them.
void setNiceRange(QValueAxis* axis, double lo, double hi, double floorLimit, double ceilLimit, int targetTicks = 5);

} // namespace dropoutlab::ui
