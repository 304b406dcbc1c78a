#include "runs_browser.h"

#include "config_compare_dialog.h"
#include "runs_model.h"
#include "runs_table.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QVBoxLayout>

namespace dropoutlab::ui {

RunsBrowser::RunsBrowser(RunsModel* model, QWidget* parent)
    : QWidget(parent), m_model(model), m_table(new RunsTable(model)), m_filter(new QLineEdit),
      m_differencesOnly(new QCheckBox(tr("Differences only"))), m_compare(new QPushButton(tr("Compare"))),
      m_load(new QPushButton(tr("Load settings")))
{
    m_filter->setPlaceholderText(tr("Filter runs (any column)"));
    m_filter->setMinimumWidth(120);
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(tr("Show only the runs with this text in a column, e.g. 'fc1 0.5', 'completed' or 'MLP'"));
    m_differencesOnly->setToolTip(tr("Hide the setting columns whose value is the same in every shown run"));
    m_compare->setToolTip(tr("The configs of the two selected runs side by side, differences highlighted"));
    m_load->setToolTip(tr("Put the selected run's settings into the panel, to change them and run again"));
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_differencesOnly);
    bar->addWidget(m_compare);
    bar->addWidget(m_load);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);

    connect(m_filter, &QLineEdit::textChanged, m_table, &RunsTable::setFilterText);
    connect(m_differencesOnly, &QCheckBox::toggled, m_table, &RunsTable::setDifferencesOnly);
    connect(m_compare, &QPushButton::clicked, this, &RunsBrowser::compareSelected);
    connect(m_load, &QPushButton::clicked, this, &RunsBrowser::loadSelected);
    connect(m_table, &RunsTable::selectionChanged, this, &RunsBrowser::updateButtons);
    connect(m_table, &QAbstractItemView::doubleClicked, this, &RunsBrowser::loadSelected);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, &RunsBrowser::showRowMenu);
    updateButtons();
}

void RunsBrowser::updateButtons()
{
    const int selected = m_table->selectedCount();
    m_compare->setEnabled(selected == 2);
    m_load->setEnabled(selected == 1);
}

void RunsBrowser::compareSelected()
{
    const QList<int> ids = m_table->selectedIds();
    if (ids.size() != 2)
        return;
    const RunEntry* a = m_model->find(ids[0]);
    const RunEntry* b = m_model->find(ids[1]);
    if (!a || !b)
        return;
    auto* dialog = new ConfigCompareDialog(a->name(), a->config, b->name(), b->config, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void RunsBrowser::loadSelected()
{
    const QList<int> ids = m_table->selectedIds();
    if (ids.size() == 1)
        Q_EMIT loadIntoPanel(ids.first());
}

void RunsBrowser::showRowMenu(const QPoint& pos)
{
    QMenu menu(this);
    menu.addAction(tr("Load into panel"), this, &RunsBrowser::loadSelected)->setEnabled(m_load->isEnabled());
    menu.addAction(tr("Compare configs"), this, &RunsBrowser::compareSelected)->setEnabled(m_compare->isEnabled());
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

} // namespace dropoutlab::ui
