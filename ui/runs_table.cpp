#include "runs_table.h"

#include "runs_model.h"

#include <QGridLayout>
#include <QHeaderView>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>

#include <array>
#include <vector>

namespace dropoutlab::ui {
namespace {

/// Stable names of the columns the user may hide, for QSettings (indices may change).
const std::array<std::pair<int, const char*>, 19> kColumnKeys = {{
    {RunsModel::Dropout, "dropout"}, {RunsModel::Status, "status"}, {RunsModel::Progress, "epoch"},
    {RunsModel::BestVal, "best_val"}, {RunsModel::TestAcc, "test"}, {RunsModel::Gap, "gap"},
    {RunsModel::Time, "time"}, {RunsModel::Device, "device"}, {RunsModel::Notes, "notes"}, {RunsModel::Model, "model"}, {RunsModel::Data, "data"},
    {RunsModel::LearningRate, "learning_rate"}, {RunsModel::Momentum, "momentum"},
    {RunsModel::Optimiser, "optimiser"}, {RunsModel::WeightDecay, "weight_decay"},
    {RunsModel::BatchSize, "batch_size"}, {RunsModel::Subset, "train_subset"}, {RunsModel::Epochs, "epochs"},
    {RunsModel::Seeds, "seeds"},
}};
const QString kHiddenKey = QStringLiteral("runsTable/hiddenColumns");

QString keyOf(int column)
{
    for (const auto& [c, key] : kColumnKeys) {
        if (c == column)
            return QString::fromLatin1(key);
    }
    return {};
}

/// Columns the differences-only mode may hide: what a run was asked to be, not what it gave.
bool isSettingColumn(int column)
{
    return column == RunsModel::Dropout || column == RunsModel::Device || column >= RunsModel::kFirstSetting;
}

/// Sorts and filters through RunsModel's kept texts and typed keys: with 100,000 runs a sort is
/// millions of comparisons and a filter a text per cell, far too slow through data() and QVariant.
class RunsProxy final : public QSortFilterProxyModel {
public:
    RunsProxy(RunsModel* model, QObject* parent) : QSortFilterProxyModel(parent), m_model(model)
    {
        setSourceModel(model);
    }
    void sort(int column, Qt::SortOrder order) override
    {
        if (column >= 0)
            m_model->prepareSort(column);
        QSortFilterProxyModel::sort(column, order);
    }
    void setText(const QString& text)
    {
        m_text = text;
        // One layout change, not a removal per range of rows: with 100,000 runs a filter can
        // remove tens of thousands of ranges, and the view handles each one in linear time.
        invalidate();
    }

protected:
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override
    {
        return m_model->lessThan(left.row(), right.row(), left.column());
    }
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override
    {
        return m_text.isEmpty() || parent.isValid() || m_model->rowContains(row, m_text);
    }

private:
    RunsModel* m_model;
    QString m_text;
};

} // namespace

RunsTable::RunsTable(RunsModel* model, QWidget* parent)
    : QTableView(parent), m_model(model), m_sorted(new RunsProxy(model, this))
{
    setModel(m_sorted);
    setSortingEnabled(true);
    sortByColumn(RunsModel::Show, Qt::AscendingOrder);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setAlternatingRowColors(true);
    verticalHeader()->hide();
    // Columns fit their contents when runs come and go (not on every sort, filter or repaint: with
    // ResizeToContents each of those measured a thousand rows' texts), and the user may resize them;
    // a column the user resized keeps its width.
    horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    horizontalHeader()->setResizeContentsPrecision(kFitRows);
    horizontalHeader()->setStretchLastSection(true);
    m_fitTimer.setSingleShot(true);
    m_fitTimer.setInterval(300);
    connect(&m_fitTimer, &QTimer::timeout, this, &RunsTable::fitColumns);
    const auto fitLater = [this] {
        if (!m_fitTimer.isActive())
            m_fitTimer.start();
    };
    connect(model, &QAbstractItemModel::rowsInserted, this, fitLater);
    connect(model, &QAbstractItemModel::rowsRemoved, this, fitLater);
    connect(model, &QAbstractItemModel::modelReset, this, fitLater);
    connect(model, &QAbstractItemModel::dataChanged, this, fitLater);
    connect(horizontalHeader(), &QHeaderView::sectionResized, this, [this](int column) {
        if (!m_fitting)
            m_sizedByUser.insert(column);
    });
    connect(selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsTable::selectionChanged);

    // Hyper-parameter columns: a few by default, the rest from the header's menu; the choice is kept.
    const QSettings settings;
    if (settings.contains(kHiddenKey)) {
        const QStringList hidden = settings.value(kHiddenKey).toStringList();
        for (int c = 0; c < RunsModel::ColumnCount; ++c) {
            if (hidden.contains(keyOf(c)))
                m_hiddenByUser.insert(c);
        }
    } else {
        m_hiddenByUser = {RunsModel::Momentum, RunsModel::Optimiser, RunsModel::WeightDecay, RunsModel::BatchSize,
                          RunsModel::Subset, RunsModel::Seeds};
    }
    horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(horizontalHeader(), &QHeaderView::customContextMenuRequested, this, &RunsTable::showHeaderMenu);
    m_columnsTimer.setSingleShot(true);
    m_columnsTimer.setInterval(200);
    connect(&m_columnsTimer, &QTimer::timeout, this, &RunsTable::updateColumns);
    const auto later = [this] {
        if (m_differencesOnly && !m_columnsTimer.isActive())
            m_columnsTimer.start();
    };
    connect(m_sorted, &QAbstractItemModel::rowsInserted, this, later);
    connect(m_sorted, &QAbstractItemModel::rowsRemoved, this, later);
    connect(m_sorted, &QAbstractItemModel::modelReset, this, later);
    connect(m_sorted, &QAbstractItemModel::layoutChanged, this, later);
    updateColumns();
}

void RunsTable::setFilterText(const QString& text)
{
    static_cast<RunsProxy*>(m_sorted)->setText(text);
    updateColumns();
}

void RunsTable::setDifferencesOnly(bool on)
{
    m_differencesOnly = on;
    updateColumns();
}

void RunsTable::setColumnChosen(int column, bool shown)
{
    if (shown)
        m_hiddenByUser.remove(column);
    else
        m_hiddenByUser.insert(column);
    QStringList hidden;
    for (const int c : m_hiddenByUser)
        hidden << keyOf(c);
    hidden.sort();
    QSettings().setValue(kHiddenKey, hidden);
    updateColumns();
}

bool RunsTable::sameInEveryRow(int column) const
{
    const int rows = m_sorted->rowCount();
    if (rows < 2)
        return false;
    // The model's kept texts, not a QVariant per cell: this runs over every shown run.
    const QStringView first = m_model->columnText(m_sorted->mapToSource(m_sorted->index(0, column)).row(), column);
    for (int r = 1; r < rows; ++r) {
        if (m_model->columnText(m_sorted->mapToSource(m_sorted->index(r, column)).row(), column) != first)
            return false;
    }
    return true;
}

void RunsTable::fitColumns()
{
    m_fitTimer.stop();
    m_fitting = true;
    for (int c = 0; c < RunsModel::ColumnCount; ++c) {
        if (!isColumnHidden(c) && !m_sizedByUser.contains(c))
            resizeColumnToContents(c);
    }
    m_fitting = false;
}

void RunsTable::updateColumns()
{
    m_columnsTimer.stop();
    for (int c = 0; c < RunsModel::ColumnCount; ++c) {
        const bool hidden = m_hiddenByUser.contains(c) || (m_differencesOnly && isSettingColumn(c) && sameInEveryRow(c));
        if (hidden != isColumnHidden(c)) {
            setColumnHidden(c, hidden);
            if (!hidden && !m_sizedByUser.contains(c)) {
                m_fitting = true;
                resizeColumnToContents(c);  // a column shown again fits its contents at once
                m_fitting = false;
            }
        }
    }
}

void RunsTable::showHeaderMenu(const QPoint& pos)
{
    QMenu menu(this);
    menu.setToolTipsVisible(true);
    for (int c = RunsModel::Dropout; c < RunsModel::ColumnCount; ++c) {
        QAction* action = menu.addAction(m_model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
        action->setCheckable(true);
        action->setChecked(isColumnChosen(c));
        connect(action, &QAction::toggled, this, [this, c](bool on) { setColumnChosen(c, on); });
        if (c == RunsModel::kFirstSetting - 1)
            menu.addSeparator();
    }
    menu.exec(horizontalHeader()->mapToGlobal(pos));
}

QList<int> RunsTable::selectedIds() const
{
    QList<int> ids;
    for (const QModelIndex& index : selectionModel()->selectedRows())
        ids << index.data(RunsModel::kIdRole).toInt();
    return ids;
}

int RunsTable::selectedCount() const
{
    // From the selection's ranges (whole rows are selected), without a list of 100,000 indexes.
    std::vector<char> selected(static_cast<std::size_t>(m_sorted->rowCount()), 0);
    int count = 0;
    for (const QItemSelectionRange& range : selectionModel()->selection()) {
        for (int row = range.top(); row <= range.bottom(); ++row) {
            char& seen = selected[static_cast<std::size_t>(row)];
            count += seen ? 0 : 1;
            seen = 1;
        }
    }
    return count;
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
