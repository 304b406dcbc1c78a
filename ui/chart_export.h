#pragma once

#include <QString>

class QChartView;
class QPoint;
class QWidget;

namespace dropoutlab::ui {

/// Saves a chart as PNG (at 2x resolution), SVG or PDF, chosen by the file suffix.
/// Returns an empty string on success, else what went wrong.
QString exportChart(QChartView* view, const QString& path);
/// The same for any widget that draws a picture (e.g. the heat map); `title` goes into SVG/PDF.
QString exportPicture(QWidget* widget, const QString& title, const QString& path);
/// Asks for a file name and exports `widget`; reports errors in a message box.
void exportPictureWithDialog(QWidget* widget, const QString& title, const QString& fileStem);
/// The context menu of a picture widget: one entry that exports it (exportPictureWithDialog).
void showExportMenu(QWidget* widget, const QPoint& globalPos, const QString& title, const QString& fileStem);

/// Saves any widget (e.g. the whole dashboard) as a PNG at 2x resolution.
QString exportWidgetPng(QWidget* widget, const QString& path);

/// The file dialog filter for exportChart.
QString chartFileFilter();

} // namespace dropoutlab::ui
