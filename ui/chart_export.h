#pragma once

#include <QString>

class QChartView;
class QWidget;

namespace dropoutlab::ui {

/// Saves a chart as PNG (at 2x resolution), SVG or PDF, chosen by the file suffix.
/// Returns an empty string on success, else what went wrong.
QString exportChart(QChartView* view, const QString& path);

/// Saves any widget (e.g. the whole dashboard) as a PNG at 2x resolution.
QString exportWidgetPng(QWidget* widget, const QString& path);

/// The file dialog filter for exportChart.
QString chartFileFilter();

} // namespace dropoutlab::ui
