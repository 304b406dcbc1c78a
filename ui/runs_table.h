#pragma once

#include <QList>
#include <QSet>
#include <QTableView>
#include <QTimer>

class QPushButton;
class QSortFilterProxyModel;

namespace dropoutlab::ui {

class RunsModel;

/// The runs table: sortable by every column (numbers as numbers), whole rows selected, filtered
/// by a text, with hyper-parameter columns that the header's context menu shows or hides (the
/// choice is kept in QSettings) and a "differences only" mode that hides the columns equal in
/// every shown run.
class RunsTable final : public QTableView {
    Q_OBJECT

public:
    explicit RunsTable(RunsModel* model, QWidget* parent = nullptr);
    /// Ids of the selected runs.
    QList<int> selectedIds() const;
    bool hasSelection() const;
    /// How many runs are selected (cheap with many).
    int selectedCount() const;

    /// Shows only the runs with `text` in any column (case-insensitive).
    void setFilterText(const QString& text);
    /// Hides the columns whose value is the same in every shown run (two runs or more).
    void setDifferencesOnly(bool on);
    /// The user's choice for a column (header menu), before "differences only".
    bool isColumnChosen(int column) const { return !m_hiddenByUser.contains(column); }
    void setColumnChosen(int column, bool shown);
    /// Applies the column choices and "differences only" now (normally after a short delay).
    void updateColumns();
    /// Fits the columns the user has not resized to their contents (normally after a short delay
    /// once runs are added, removed or changed), measuring at most kFitRows rows around the view.
    void fitColumns();
    static constexpr int kFitRows = 300;

Q_SIGNALS:
    void selectionChanged();

private:
    void showHeaderMenu(const QPoint& pos);
    bool sameInEveryRow(int column) const;

    RunsModel* m_model;
    QSortFilterProxyModel* m_sorted;
    QSet<int> m_hiddenByUser;
    bool m_differencesOnly = false;
    QTimer m_columnsTimer;
    QTimer m_fitTimer;
    QSet<int> m_sizedByUser;
    bool m_fitting = false;
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
