#pragma once

#include "dropoutlab/core/experiment_config.h"

#include <QDialog>
#include <QStringList>

class QCheckBox;
class QTableWidget;

namespace dropoutlab::ui {

/// Two runs' configs side by side, one row per setting (nested keys as "dropout.fc1.rate"), the
/// rows that differ highlighted; "Differences only" hides the others.
class ConfigCompareDialog final : public QDialog {
    Q_OBJECT

public:
    ConfigCompareDialog(const QString& nameA, const dropoutlab::ExperimentConfig& a, const QString& nameB,
                        const dropoutlab::ExperimentConfig& b, QWidget* parent = nullptr);
    /// The settings whose values differ, in table order.
    const QStringList& differingKeys() const { return m_differing; }
    /// Rows of the table now shown.
    int shownRows() const;

private:
    void showDifferencesOnly(bool on);

    QTableWidget* m_table;
    QCheckBox* m_differencesOnly;
    QStringList m_differing;
};

} // namespace dropoutlab::ui
