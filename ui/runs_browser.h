#pragma once

#include <QWidget>

class QCheckBox;
class QLineEdit;
class QPushButton;

namespace dropoutlab::ui {

class RunsModel;
class RunsTable;

/// The runs table with what compares runs: a filter box, "Differences only", "Compare configs"
/// (two selected runs side by side) and "Load into panel" (a run's settings into the editor, to
/// change and run again); the same actions on the rows' context menu.
class RunsBrowser final : public QWidget {
    Q_OBJECT

public:
    explicit RunsBrowser(RunsModel* model, QWidget* parent = nullptr);
    RunsTable* table() const { return m_table; }

    /// Opens the comparison of the two selected runs (does nothing unless exactly two are selected).
    void compareSelected();
    /// Asks to load the selected run into the panel (exactly one selected).
    void loadSelected();

Q_SIGNALS:
    /// The user wants run `id`'s settings in the experiment panel.
    void loadIntoPanel(int id);

private:
    void updateButtons();
    void showRowMenu(const QPoint& pos);

    RunsModel* m_model;
    RunsTable* m_table;
    QLineEdit* m_filter;
    QCheckBox* m_differencesOnly;
    QPushButton* m_compare;
    QPushButton* m_load;
};

} // namespace dropoutlab::ui
