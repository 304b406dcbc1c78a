#include "runs_table.h"

#include "runs_model.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QSortFilterProxyModel>

namespace dropoutlab::ui {

RunsTable::RunsTable(RunsModel* model, QWidget* parent)
    : QTableView(parent), m_sorted(new QSortFilterProxyModel(this))
{
    m_sorted->setSourceModel(model);
    m_sorted->setSortRole(RunsModel::kSortRole);
    setModel(m_sorted);
    setSortingEnabled(true);
    sortByColumn(RunsModel::Show, Qt::AscendingOrder);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setAlternatingRowColors(true);
    verticalHeader()->hide();
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    horizontalHeader()->setStretchLastSection(true);
    connect(selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsTable::selectionChanged);
}

QList<int> RunsTable::selectedIds() const
{
    QList<int> ids;
    for (const QModelIndex& index : selectionModel()->selectedRows())
        ids << index.data(RunsModel::kIdRole).toInt();
    return ids;
}

bool RunsTable::hasSelection() const
{
    return selectionModel()->hasSelection();
}

QueueControls::QueueControls(QWidget* parent)
    : QWidget(parent), m_add(new QPushButton(tr("Add run"))), m_compare(new QPushButton(tr("Compare with/without dropout"))),
      m_run(new QPushButton(tr("Run"))), m_stop(new QPushButton(tr("Stop"))), m_remove(new QPushButton(tr("Remove selected")))
{
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    m_add->setToolTip(tr("Queue a run with the settings above (Ctrl+Return)"));
    m_compare->setToolTip(tr("Queue two runs that differ only in dropout: these settings, and the same without dropout "
                             "(Ctrl+Shift+Return)"));
    m_run->setDefault(true);
    m_run->setToolTip(tr("Train the queued runs one after another (F5)"));
    m_stop->setToolTip(tr("Stop the current run after its current batch; finished epochs are kept (Esc)"));
    m_remove->setToolTip(tr("Remove the selected runs from the view (their folders stay in the workspace)"));
    auto* clear = new QPushButton(tr("Clear finished"));
    clear->setToolTip(tr("Remove finished runs from the view (their folders stay in the workspace)"));
    grid->addWidget(m_add, 0, 0);
    grid->addWidget(m_compare, 0, 1);
    grid->addWidget(m_run, 1, 0);
    grid->addWidget(m_stop, 1, 1);
    grid->addWidget(m_remove, 2, 0);
    grid->addWidget(clear, 2, 1);
    connect(m_add, &QPushButton::clicked, this, &QueueControls::addRun);
    connect(m_compare, &QPushButton::clicked, this, &QueueControls::addComparison);
    connect(m_run, &QPushButton::clicked, this, &QueueControls::run);
    connect(m_stop, &QPushButton::clicked, this, &QueueControls::stop);
    connect(m_remove, &QPushButton::clicked, this, &QueueControls::removeSelected);
    connect(clear, &QPushButton::clicked, this, &QueueControls::clearFinished);
}

void QueueControls::update(bool settingsValid, bool running, bool somethingQueued, bool selection)
{
    m_add->setEnabled(settingsValid);
    m_compare->setEnabled(settingsValid);
    m_run->setEnabled(!running && somethingQueued);
    m_stop->setEnabled(running);
    m_remove->setEnabled(selection);
}

} // namespace dropoutlab::ui
