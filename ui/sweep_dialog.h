#pragma once

#include "run_time_estimator.h"

#include "dropoutlab/core/sweep.h"

#include <QDialog>

#include <vector>

class QCheckBox;
class QFormLayout;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace dropoutlab::ui {

/// Defines a sweep over the current settings: which sites (and optionally learning rate or
/// training-subset size) to vary and over which values, how many seeds, successive halving.
/// Shows the number of runs and an estimated time before anything is queued.
class SweepDialog final : public QDialog {
    Q_OBJECT

public:
    /// `estimator`: the measured speed; without a measurement the dialog says the estimate
    /// comes after the first run.
    SweepDialog(const dropoutlab::ExperimentConfig& base, const RunTimeEstimator& estimator, QWidget* parent = nullptr);

    /// The sweep as defined (valid when accepted).
    dropoutlab::SweepSpec spec() const;
    /// Preview text: runs and estimated time, or the reason the sweep is invalid.
    QString preview() const;
    /// Sets the values of a parameter row and ticks it (for tests and presets).
    void setAxis(const QString& parameter, const QString& values);
    void setRepeats(int repeats);

private:
    /// Name, seeds per point, first seed, halving and split: the form below the axes.
    QFormLayout* settingsForm(const dropoutlab::ExperimentConfig& base);
    struct AxisRow {
        QString parameter;
        QCheckBox* enabled = nullptr;
        QLineEdit* values = nullptr;
    };
    void updatePreview();
    dropoutlab::SweepSpec buildSpec() const;  // throws dropoutlab::Error

    dropoutlab::ExperimentConfig m_base;
    RunTimeEstimator m_estimator;
    std::vector<AxisRow> m_rows;
    QLineEdit* m_name = nullptr;
    QSpinBox* m_repeats = nullptr;
    QSpinBox* m_firstSeed = nullptr;
    QSpinBox* m_halving = nullptr;
    QCheckBox* m_varySplit = nullptr;
    QLabel* m_preview = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QString m_previewText;
};

} // namespace dropoutlab::ui
