#pragma once

#include <QList>
#include <QTableView>

class QPushButton;
class QSortFilterProxyModel;

namespace dropoutlab::ui {

class RunsModel;

/// The runs table: sortable by every column (numbers as numbers), whole rows selected.
class RunsTable final : public QTableView {
    Q_OBJECT

public:
    explicit RunsTable(RunsModel* model, QWidget* parent = nullptr);
    /// Ids of the selected runs.
    QList<int> selectedIds() const;
    bool hasSelection() const;

Q_SIGNALS:
    void selectionChanged();

private:
    QSortFilterProxyModel* m_sorted;
};

/// The queue's buttons under the experiment panel: add, compare with/without dropout, run, stop,
/// remove selected, clear finished. The window connects them and enables them.
class QueueControls final : public QWidget {
    Q_OBJECT

public:
    explicit QueueControls(QWidget* parent = nullptr);
    /// Enables each button for the window's state.
    void update(bool settingsValid, bool running, bool somethingQueued, bool selection);

Q_SIGNALS:
    void addRun();
    void addComparison();
    void run();
    void stop();
    void removeSelected();
    void clearFinished();

private:
    QPushButton* m_add;
    QPushButton* m_compare;
    QPushButton* m_run;
    QPushButton* m_stop;
    QPushButton* m_remove;
};

} // namespace dropoutlab::ui
