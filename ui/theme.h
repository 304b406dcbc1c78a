#pragma once

#include <QColor>
#include <QString>

#include <optional>

class QPalette;
class QWidget;

namespace dropoutlab::ui {

/// The look: the desktop's (System), or the Fusion style with a light or a dark palette.
enum class Theme { System, Light, Dark };

/// "system", "light" or "dark"; nullopt otherwise.
std::optional<Theme> parseTheme(const QString& name);
QString themeName(Theme theme);

/// Applies `theme` to the running application (widgets, and charts through their palette).
/// System restores the style and palette the application started with.
void applyTheme(Theme theme);
/// The theme last applied (System before any).
Theme currentTheme();

/// True when the palette's window background is dark.
bool isDark(const QPalette& palette);
/// Text colours for messages that say something is wrong or fine, readable on the palette.
QColor problemColor(const QPalette& palette);
QColor fineColor(const QPalette& palette);
/// Sets a label's (or any widget's) text colour, e.g. to problemColor().
void setTextColour(QWidget* widget, const QColor& colour);

} // namespace dropoutlab::ui
