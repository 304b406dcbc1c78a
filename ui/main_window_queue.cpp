// MainWindow: what goes into the queue from the window (a run, the pair with and without dropout,
// a preset's plan, a sweep from the dialog or a sweep folder) and what leaves it (the rest of the
// window is in main_window.cpp, its menus in main_window_menus.cpp).
#include "main_window.h"

#include "experiment_panel.h"
#include "finish_actions.h"
#include "run_queue.h"
#include "run_time_estimator.h"
#include "runs_model.h"
#include "runs_table.h"
#include "sweep_dialog.h"
#include "sweep_folder_watcher.h"
#include "sweep_view.h"

#include "dropoutlab/core/errors.h"

#include <QMessageBox>
#include <QTabWidget>

namespace dropoutlab::ui {

void MainWindow::addCurrentRun()
{
    if (!m_panel->isValid()) {
        showProblem(tr("Cannot add the run"), m_panel->problem());
        return;
    }
    if (confirmNotDuplicate(m_panel->config()))
        m_queue->enqueue(m_panel->config());
}

bool MainWindow::confirmNotDuplicate(const ExperimentConfig& config)
{
    const RunEntry* same = m_model->find(m_model->findIdentical(config));
    if (!same || m_finish->unattended())
        return true;
    const auto answer = QMessageBox::question(
        this, tr("Identical run"),
        tr("“%1” (%2) has the same settings and seeds: this run would give the same curves. Add it anyway?")
            .arg(same->name(), displayName(same->state)),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    return answer == QMessageBox::Yes;
}

void MainWindow::addComparisonPair()
{
    if (!m_panel->isValid()) {
        showProblem(tr("Cannot add the runs"), m_panel->problem());
        return;
    }
    ExperimentConfig with = m_panel->config();
    if (with.dropout.empty()) {
        showProblem(tr("Nothing to compare"),
                    tr("These settings have no dropout. Switch on dropout at one or more sites, then compare."));
        return;
    }
    const ExperimentConfig without = withoutDropout(with);
    if (!confirmNotDuplicate(without) || !confirmNotDuplicate(with))
        return;
    m_queue->enqueue(without);
    m_queue->enqueue(with);
}

void MainWindow::removeSelectedRuns()
{
    for (const int id : m_table->selectedIds()) {
        if (id != m_queue->currentRunId())
            m_model->removeRun(id);
    }
}

void MainWindow::clearFinishedRuns()
{
    QList<int> ids;
    for (const auto& e : m_model->entries()) {
        if (isFinished(e.state))
            ids << e.id;
    }
    for (const int id : ids)
        m_model->removeRun(id);
}

void MainWindow::enqueuePlan(const std::vector<ExperimentConfig>& runs, const QString& preset)
{
    if (runs.empty())
        return;
    m_panel->setConfig(runs.back());
    if (!preset.isEmpty())
        m_panel->showPresetName(preset);
    for (const auto& run : runs)
        m_queue->enqueue(run);
}

bool MainWindow::openSweepFolder(const QString& dir, QString* error)
{
    SweepSpec spec;
    if (!m_watcher->open(dir, spec, error))
        return false;
    showSweep(dir, spec);
    return true;
}

bool MainWindow::enqueueSweep(const SweepSpec& spec, QString folder, QString* error)
{
    try {
        if (folder.isEmpty())
            folder = m_queue->newSweepFolder(spec);
        m_queue->enqueueSweep(spec, folder);
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    showSweep(folder, spec);
    updateActions();
    return true;
}

void MainWindow::showSweep(const QString& folder, const SweepSpec& spec)
{
    m_sweepView->showSweep(folder, spec);
    m_tabs->setCurrentWidget(m_sweepView);
}

void MainWindow::openSweepDialog()
{
    if (!m_panel->isValid()) {
        showProblem(tr("Cannot define a sweep"), m_panel->problem());
        return;
    }
    SweepDialog dialog(m_panel->config(), RunTimeEstimator(*m_model), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QString error;
    if (!enqueueSweep(dialog.spec(), {}, &error))
        showProblem(tr("Cannot queue the sweep"), error);
}

} // namespace dropoutlab::ui
