#include "main_window.h"

#include "accuracy_chart.h"
#include "analysis_view.h"
#include "curves_view.h"
#include "experiment_panel.h"
#include "finish_actions.h"
#include "results_exporter.h"
#include "sweep_folder_watcher.h"
#include "run_queue.h"
#include "queue_status.h"
#include "runs_model.h"
#include "runs_browser.h"
#include "runs_table.h"
#include "sweep_view.h"
#include "theme.h"

#include "dropoutlab/core/dataset.h"

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QLabel>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cstdio>

namespace dropoutlab::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_model(new RunsModel(this)), m_queue(new RunQueue(m_model, this)),
      m_loader(m_model, m_queue), m_watcher(new SweepFolderWatcher(m_model, m_queue, this))
{
    setWindowTitle(tr("DropoutLab"));
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(buildLeftSide());
    splitter->addWidget(buildResultsArea());
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);
    m_exporter = std::make_unique<ResultsExporter>(m_model, m_curves, m_accuracy, m_sweepView, m_analysis, dashboard());
    m_finish = new FinishActions(m_model, m_queue, m_analysis, m_exporter.get(), this);
    connect(m_finish, &FinishActions::analysisStarting, this, [this] { m_tabs->setCurrentWidget(m_analysis); });
    buildMenus();
    buildStatusBar();

    connect(m_queue, &RunQueue::progressed, m_status, &QueueStatus::refresh);
    connect(m_queue, &RunQueue::runStarted, m_status, &QueueStatus::refresh);
    connect(m_queue, &RunQueue::runFinished, this, &MainWindow::onRunFinished);
    connect(m_queue, &RunQueue::runFailed, this, &MainWindow::onRunFailed);
    connect(m_queue, &RunQueue::queueFinished, this, &MainWindow::onQueueFinished);
    connect(m_queue, &RunQueue::runningChanged, this, &MainWindow::updateActions);
    connect(m_panel, &ExperimentPanel::validityChanged, this, &MainWindow::updateActions);
    connect(m_model, &RunsModel::runAdded, this, &MainWindow::updateActions);
    connect(m_model, &RunsModel::runRemoved, this, &MainWindow::updateActions);
    connect(m_model, &RunsModel::notesFailed, this, [this](const QString& e) { showProblem(tr("Cannot keep the notes"), e); });
    connect(m_queue, &RunQueue::logLine, this, [this](int, const QString& line) { statusBar()->showMessage(line, 8000); });

    resize(1560, 960);
    restoreSettings();
    updateActions();
    m_status->refresh();
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::buildLeftSide()
{
    auto* side = new QWidget;
    auto* layout = new QVBoxLayout(side);
    layout->setContentsMargins(4, 4, 4, 4);
    m_panel = new ExperimentPanel;
    auto* scroll = new QScrollArea;
    scroll->setWidget(m_panel);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(m_panel->sizeHint().width() + 24);
    layout->addWidget(scroll, 1);

    m_controls = new QueueControls;
    layout->addWidget(m_controls);
    connect(m_controls, &QueueControls::addRun, this, &MainWindow::addCurrentRun);
    connect(m_controls, &QueueControls::addComparison, this, &MainWindow::addComparisonPair);
    connect(m_controls, &QueueControls::run, m_queue, &RunQueue::start);
    connect(m_controls, &QueueControls::stop, m_queue, &RunQueue::stop);
    connect(m_controls, &QueueControls::removeSelected, this, &MainWindow::removeSelectedRuns);
    connect(m_controls, &QueueControls::clearFinished, this, &MainWindow::clearFinishedRuns);
    return side;
}

QWidget* MainWindow::buildResultsArea()
{
    m_results = new QSplitter(Qt::Vertical);
    m_curves = new CurvesView(m_model);
    m_sweepView = new SweepView(m_model);
    m_tabs = new QTabWidget;
    m_tabs->addTab(m_curves, tr("Curves"));
    m_tabs->addTab(m_sweepView, tr("Sweep"));
    m_analysis = new AnalysisView(m_model);
    m_tabs->addTab(m_analysis, tr("Analysis"));
    connect(m_analysis, &AnalysisView::busyChanged, this, [this] { updateActions(); });
    m_accuracy = new AccuracyChart(m_model);

    auto* browser = new RunsBrowser(m_model);
    m_table = browser->table();
    connect(m_table, &RunsTable::selectionChanged, this, &MainWindow::updateActions);
    connect(browser, &RunsBrowser::loadIntoPanel, this, &MainWindow::loadRunIntoPanel);

    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(m_accuracy);
    bottom->addWidget(browser);
    bottom->setStretchFactor(0, 1);
    bottom->setStretchFactor(1, 2);
    m_results->addWidget(m_tabs);
    m_results->addWidget(bottom);
    m_results->setStretchFactor(0, 3);
    m_results->setStretchFactor(1, 2);
    return m_results;
}

QWidget* MainWindow::dashboard() const
{
    return m_results;
}

void MainWindow::buildStatusBar()
{
    m_status = new QueueStatus(m_model, m_queue);
    statusBar()->addPermanentWidget(m_status);
    // A permanent label: a temporary message would give way to the status tip under the mouse.
    m_reading = new QLabel;
    m_reading->setObjectName(QStringLiteral("workspaceProgress"));
    m_reading->hide();
    statusBar()->insertPermanentWidget(0, m_reading);
    connect(&m_loader, &WorkspaceLoader::progress, m_reading, [this](const QString& message) {
        m_reading->setText(message);
        m_reading->show();
    });
    connect(&m_loader, &WorkspaceLoader::loaded, m_reading, &QWidget::hide);
    connect(&m_loader, &WorkspaceLoader::loaded, this, [this](const QString& dir) {
        statusBar()->showMessage(tr("Read %Ln run(s) from %1", nullptr, m_model->rowCount())
                                     .arg(QDir::toNativeSeparators(dir)),
                                 8000);
        m_curves->setPaused(false);
        m_accuracy->setPaused(false);
        if (!m_loader.problems().isEmpty())
            showProblem(tr("Some runs could not be read"), m_loader.problemsMessage(dir));
        updateActions();
    });
}

void MainWindow::loadRunIntoPanel(int id)
{
    if (const RunEntry* entry = m_model->find(id)) {
        m_panel->setConfig(entry->config);
        statusBar()->showMessage(tr("The settings of “%1” are in the panel: change them and add the run").arg(entry->name()),
                                 8000);
    }
}

void MainWindow::updateActions()
{
    const bool running = m_queue->isRunning();
    // One torch job at a time: no training starts while an analysis runs, and vice versa.
    m_controls->update(m_panel->isValid(), running,
                       m_queue->queuedCount() > 0 && !m_analysis->isBusy() && !m_loader.isLoading(),
                       m_table->hasSelection());
    m_analysis->setTrainingActive(running);
    m_status->refresh();
}

void MainWindow::onRunFinished(int runId)
{
    const RunEntry* entry = m_model->find(runId);
    m_status->refresh();
    if (!entry)
        return;
    const bool diverged = entry->state == RunState::Diverged;
    if (diverged || entry->state == RunState::Failed)
        showProblem(diverged ? tr("Run diverged") : tr("Run failed"),
                    tr("“%1” %2: %3").arg(entry->name(), diverged ? tr("diverged") : tr("failed"),
                                          QString::fromStdString(entry->result.message)));
    else
        statusBar()->showMessage(tr("“%1” %2").arg(entry->name(), displayName(entry->state)), 8000);
}

void MainWindow::onRunFailed(int runId, const QString& message)
{
    const RunEntry* entry = m_model->find(runId);
    m_finish->noteFailure();
    showProblem(tr("Run failed"),
                tr("“%1”: %2").arg(entry ? entry->name() : QString::number(runId), message));
}

void MainWindow::onQueueFinished()
{
    runFinishActions();
}

void MainWindow::runFinishActions()
{
    if (m_loader.isLoading()) {  // the runs still being read are part of what is exported
        connect(&m_loader, &WorkspaceLoader::loaded, this, &MainWindow::runFinishActions, Qt::SingleShotConnection);
        return;
    }
    m_curves->flush();
    m_accuracy->flush();
    updateActions();
    m_finish->run();
}

void MainWindow::showProblem(const QString& title, const QString& text)
{
    if (m_finish->unattended()) {
        std::fprintf(stderr, "dropoutlab: %s: %s\n", qPrintable(title), qPrintable(text));
        return;
    }
    // Not modal: a finished queue or a later run is never held up by an unread message.
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

bool MainWindow::openWorkspace(const QString& dir, QString* error)
{
    const bool ok = m_loader.open(dir, error);
    m_reading->hide();
    m_curves->setPaused(false);  // a background open it replaced paused them
    m_accuracy->setPaused(false);
    if (!ok)
        return false;
    setWindowTitle(tr("DropoutLab — %1").arg(QDir::toNativeSeparators(dir)));
    if (!m_loader.problems().isEmpty())
        showProblem(tr("Some runs could not be read"), m_loader.problemsMessage(dir));
    return true;
}

bool MainWindow::openWorkspaceInBackground(const QString& dir, QString* error)
{
    if (!m_loader.openInBackground(dir, error))
        return false;
    // The charts would redraw their most recent runs after every slice of runs added.
    m_curves->setPaused(true);
    m_accuracy->setPaused(true);
    setWindowTitle(tr("DropoutLab — %1").arg(QDir::toNativeSeparators(dir)));
    updateActions();
    return true;
}

void MainWindow::setFinishActions(const QString& exportDir, bool quit, bool analysis)
{
    m_finish->setOptions({exportDir, quit, analysis});
}

void MainWindow::chooseFolder(const QString& title, const QString& problem,
                              bool (MainWindow::*open)(const QString&, QString*))
{
    const QString dir = QFileDialog::getExistingDirectory(this, title, m_queue->workspace());
    QString error;
    if (!dir.isEmpty() && !(this->*open)(dir, &error))
        showProblem(problem, error);
}

void MainWindow::exportDashboardWithDialog()
{
    const QString error = m_exporter->exportDashboardWithDialog(this);
    if (!error.isEmpty())
        showProblem(tr("Export failed"), error);
}

void MainWindow::exportResultsWithDialog()
{
    QString error;
    const QString dir = m_exporter->exportResultsWithDialog(this, &error);
    if (!error.isEmpty())
        showProblem(tr("Export failed"), error);
    else if (!dir.isEmpty())
        statusBar()->showMessage(tr("Wrote summary.csv, long.csv and results.json to %1").arg(dir), 8000);
}

void MainWindow::setTheme(Theme theme, bool remember)
{
    applyTheme(theme);
    if (auto* action = findChild<QAction*>(QStringLiteral("theme-") + themeName(theme)))
        action->setChecked(true);
    if (remember)
        QSettings().setValue(QStringLiteral("view/theme"), themeName(theme));
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    setTheme(parseTheme(settings.value(QStringLiteral("view/theme")).toString()).value_or(Theme::System), false);
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    m_panel->setCustomDataFolder(settings.value(QStringLiteral("data/folder")).toString());
    const QString defaultWorkspace = QDir(QString::fromStdString(userDataDir())).filePath(QStringLiteral("workspace"));
    m_queue->setWorkspace(settings.value(QStringLiteral("workspace"), defaultWorkspace).toString());
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("workspace"), m_queue->workspace());
    settings.setValue(QStringLiteral("data/folder"), m_panel->customDataFolder());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSettings();
    // Cancels a running run after its current batch; its finished epochs and a
    // 'cancelled' result.json are on disk before the window goes.
    m_queue->shutdown();
    event->accept();
}

} // namespace dropoutlab::ui
