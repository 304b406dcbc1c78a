#pragma once

class QWidget;

namespace dropoutlab::ui {

/// Help > About: what DropoutLab is, its version and the reference experiment.
void showAbout(QWidget* parent);

} // namespace dropoutlab::ui
