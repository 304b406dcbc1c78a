#include "main_window.h"

#include "accuracy_chart.h"
#include "chart_export.h"
#include "chart_view.h"
#include "curves_view.h"
#include "experiment_panel.h"
#include "headless_reporter.h"
#include "results_exporter.h"
#include "run_time_estimator.h"
#include "sweep_folder_watcher.h"
#include "run_queue.h"
#include "queue_status.h"
#include "runs_model.h"
#include "sweep_dialog.h"
#include "sweep_view.h"

#include "dropoutlab/dataset.h"
#include "dropoutlab/errors.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <cstdio>

namespace dropoutlab::ui {
namespace {

QString defaultWorkspace()
{
    return QDir(QString::fromStdString(userDataDir())).filePath(QStringLiteral("workspace"));
}

} // namespace

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
    buildMenus();
    buildStatusBar();
    m_exporter = std::make_unique<ResultsExporter>(m_model, m_curves, m_accuracy, m_sweepView, dashboard());

    connect(m_queue, &RunQueue::progressed, this, &MainWindow::updateStatus);
    connect(m_queue, &RunQueue::runStarted, this, &MainWindow::updateStatus);
    connect(m_queue, &RunQueue::runFinished, this, &MainWindow::onRunFinished);
    connect(m_queue, &RunQueue::runFailed, this, &MainWindow::onRunFailed);
    connect(m_queue, &RunQueue::queueFinished, this, &MainWindow::onQueueFinished);
    connect(m_queue, &RunQueue::runningChanged, this, &MainWindow::updateActions);
    connect(m_panel, &ExperimentPanel::validityChanged, this, &MainWindow::updateActions);
    connect(m_model, &RunsModel::runAdded, this, &MainWindow::updateActions);
    connect(m_model, &RunsModel::runRemoved, this, &MainWindow::updateActions);
    connect(m_queue, &RunQueue::logLine, this, [this](int, const QString& line) { statusBar()->showMessage(line, 8000); });

    resize(1560, 960);
    restoreSettings();
    updateActions();
    updateStatus();
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

    auto* queueBox = new QWidget;
    auto* grid = new QGridLayout(queueBox);
    grid->setContentsMargins(0, 0, 0, 0);
    m_addButton = new QPushButton(tr("Add run"));
    m_addButton->setToolTip(tr("Queue a run with the settings above"));
    m_compareButton = new QPushButton(tr("Compare with/without dropout"));
    m_compareButton->setToolTip(tr("Queue two runs that differ only in dropout: these settings, and the same without dropout"));
    m_runButton = new QPushButton(tr("Run"));
    m_runButton->setDefault(true);
    m_stopButton = new QPushButton(tr("Stop"));
    m_stopButton->setToolTip(tr("Stop the current run after its current batch; finished epochs are kept"));
    m_removeButton = new QPushButton(tr("Remove selected"));
    auto* clearButton = new QPushButton(tr("Clear finished"));
    clearButton->setToolTip(tr("Remove finished runs from the view (their folders stay in the workspace)"));
    grid->addWidget(m_addButton, 0, 0);
    grid->addWidget(m_compareButton, 0, 1);
    grid->addWidget(m_runButton, 1, 0);
    grid->addWidget(m_stopButton, 1, 1);
    grid->addWidget(m_removeButton, 2, 0);
    grid->addWidget(clearButton, 2, 1);
    layout->addWidget(queueBox);

    connect(m_addButton, &QPushButton::clicked, this, &MainWindow::addCurrentRun);
    connect(m_compareButton, &QPushButton::clicked, this, &MainWindow::addComparisonPair);
    connect(m_runButton, &QPushButton::clicked, m_queue, &RunQueue::start);
    connect(m_stopButton, &QPushButton::clicked, m_queue, &RunQueue::stop);
    connect(m_removeButton, &QPushButton::clicked, this, &MainWindow::removeSelectedRuns);
    connect(clearButton, &QPushButton::clicked, this, &MainWindow::clearFinishedRuns);
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
    m_accuracy = new AccuracyChart(m_model);

    m_sorted = new QSortFilterProxyModel(this);
    m_sorted->setSourceModel(m_model);
    m_sorted->setSortRole(RunsModel::kSortRole);
    m_table = new QTableView;
    m_table->setModel(m_sorted);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RunsModel::Show, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::updateActions);

    auto* bottom = new QSplitter(Qt::Horizontal);
    bottom->addWidget(m_accuracy);
    bottom->addWidget(m_table);
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

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Workspace…"), QKeySequence::Open, this, &MainWindow::chooseWorkspace);
    file->addAction(tr("Open &Sweep Folder…"), this, &MainWindow::chooseSweepFolder);
    QMenu* charts = file->addMenu(tr("Export &Chart"));
    for (ChartView* view : m_curves->chartViews())
        charts->addAction(view->chart()->title() + QStringLiteral("…"), view, &ChartView::saveWithDialog);
    charts->addAction(tr("Test accuracy…"), m_accuracy->chartView(), &ChartView::saveWithDialog);
    charts->addAction(tr("Sweep charts…"), this, [this] {
        for (const auto& [widget, stem] : m_sweepView->exportables())
            exportPictureWithDialog(widget, m_sweepView->title(), stem);
    });
    file->addAction(tr("Export &Dashboard…"), this, &MainWindow::exportDashboardWithDialog);
    file->addAction(tr("Export &Results (CSV, JSON)…"), this, &MainWindow::exportResultsWithDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(tr("&Add Run"), this, &MainWindow::addCurrentRun);
    run->addAction(tr("&Compare With and Without Dropout"), this, &MainWindow::addComparisonPair);
    run->addAction(tr("Dropout S&weep…"), QKeySequence(Qt::CTRL | Qt::Key_W), this, &MainWindow::openSweepDialog);
    run->addAction(tr("&Run Queue"), QKeySequence(Qt::CTRL | Qt::Key_R), m_queue, &RunQueue::start);
    run->addAction(tr("&Stop"), QKeySequence(Qt::CTRL | Qt::Key_Period), m_queue, &RunQueue::stop);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About DropoutLab"), this, [this] {
        QMessageBox::about(this, tr("About DropoutLab"),
                           tr("<h3>DropoutLab %1</h3><p>A workbench for dropout experiments: per-layer dropout, live "
                              "training curves, side-by-side test accuracy.</p><p>Reference: the MNIST CNN trained "
                              "with and without dropout (published 99.07 %% and 99.12 %%).</p>")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::buildStatusBar()
{
    m_status = new QueueStatus(m_model, m_queue);
    statusBar()->addPermanentWidget(m_status);
}

void MainWindow::addCurrentRun()
{
    if (!m_panel->isValid()) {
        showProblem(tr("Cannot add the run"), m_panel->problem());
        return;
    }
    m_queue->enqueue(m_panel->config());
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
    ExperimentConfig without = with;
    without.dropout.clear();
    without.name = (with.model == ModelKind::Mlp ? "mlp " : "") + std::string("no dropout");
    m_queue->enqueue(without);
    m_queue->enqueue(with);
}

void MainWindow::removeSelectedRuns()
{
    QList<int> ids;
    for (const QModelIndex& index : m_table->selectionModel()->selectedRows())
        ids << index.data(RunsModel::kIdRole).toInt();
    for (const int id : ids) {
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

void MainWindow::updateActions()
{
    const bool running = m_queue->isRunning();
    m_addButton->setEnabled(m_panel->isValid());
    m_compareButton->setEnabled(m_panel->isValid());
    m_runButton->setEnabled(!running && m_queue->queuedCount() > 0);
    m_stopButton->setEnabled(running);
    m_removeButton->setEnabled(m_table->selectionModel()->hasSelection());
    updateStatus();
}

void MainWindow::updateStatus()
{
    m_status->refresh();
}

void MainWindow::onRunFinished(int runId)
{
    const RunEntry* entry = m_model->find(runId);
    updateStatus();
    if (!entry)
        return;
    if (entry->state == RunState::Diverged)
        showProblem(tr("Run diverged"), tr("“%1” diverged: %2").arg(entry->name(), QString::fromStdString(entry->result.message)));
    else if (entry->state == RunState::Failed)
        showProblem(tr("Run failed"), tr("“%1” failed: %2").arg(entry->name(), QString::fromStdString(entry->result.message)));
    else
        statusBar()->showMessage(tr("“%1” %2").arg(entry->name(), displayName(entry->state)), 8000);
}

void MainWindow::onRunFailed(int runId, const QString& message)
{
    const RunEntry* entry = m_model->find(runId);
    m_exitCode = 1;
    showProblem(tr("Run failed"),
                tr("“%1”: %2").arg(entry ? entry->name() : QString::number(runId), message));
}

void MainWindow::onQueueFinished()
{
    m_curves->flush();
    m_accuracy->flush();
    updateActions();
    if (!m_exportDir.isEmpty()) {
        const QString problems = exportAll(m_exportDir);
        if (!problems.isEmpty()) {
            std::fprintf(stderr, "dropoutlab: export: %s\n", qPrintable(problems));
            m_exitCode = 1;
        } else {
            std::fprintf(stderr, "dropoutlab: exported charts and results to %s\n", qPrintable(m_exportDir));
        }
    }
    if (m_quitWhenDone)
        QApplication::exit(m_exitCode);
}

void MainWindow::showProblem(const QString& title, const QString& text)
{
    if (m_headless) {
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
    if (!m_loader.open(dir, error))
        return false;
    setWindowTitle(tr("DropoutLab — %1").arg(QDir::toNativeSeparators(dir)));
    if (!m_loader.problems().isEmpty())
        showProblem(tr("Some runs could not be read"), m_loader.problemsMessage(dir));
    return true;
}

void MainWindow::enqueuePlan(const std::vector<ExperimentConfig>& runs)
{
    if (runs.empty())
        return;
    m_panel->setConfig(runs.back());
    for (const auto& run : runs)
        m_queue->enqueue(run);
}

void MainWindow::setFinishActions(const QString& exportDir, bool quit)
{
    m_exportDir = exportDir;
    m_quitWhenDone = quit;
    m_headless = quit;
    if (!m_headless)
        return;
    // Unattended: nobody watches the window, so report each epoch on stderr.
    if (!m_reporter)
        m_reporter = new HeadlessReporter(m_model, m_queue, {}, this);
}

QString MainWindow::exportAll(const QString& dir)
{
    return m_exporter->exportAll(dir);
}

QString MainWindow::exportResults(const QString& dir)
{
    return m_exporter->exportResults(dir);
}

void MainWindow::chooseWorkspace()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Workspace"), m_queue->workspace());
    if (dir.isEmpty())
        return;
    QString error;
    if (!openWorkspace(dir, &error))
        showProblem(tr("Cannot open the workspace"), error);
}

bool MainWindow::openSweepFolder(const QString& dir, QString* error)
{
    SweepSpec spec;
    if (!m_watcher->open(dir, spec, error))
        return false;
    m_sweepView->showSweep(dir, spec);
    m_tabs->setCurrentWidget(m_sweepView);
    return true;
}

bool MainWindow::enqueueSweep(const SweepSpec& spec, QString folder, QString* error)
{
    if (folder.isEmpty()) {
        try {
            folder = QString::fromStdString(
                createRunDirectory(QDir(m_queue->workspace()).filePath(QStringLiteral("sweeps")).toStdString(), spec.name));
        } catch (const Error& e) {
            if (error)
                *error = QString::fromStdString(e.what());
            return false;
        }
    }
    try {
        m_queue->enqueueSweep(spec, folder);
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    m_sweepView->showSweep(folder, spec);
    m_tabs->setCurrentWidget(m_sweepView);
    updateActions();
    return true;
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

void MainWindow::chooseSweepFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Sweep Folder"), m_queue->workspace());
    if (dir.isEmpty())
        return;
    QString error;
    if (!openSweepFolder(dir, &error))
        showProblem(tr("Cannot open the sweep folder"), error);
}

void MainWindow::exportDashboardWithDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Dashboard"),
                                                      QDir::home().filePath(QStringLiteral("dropoutlab-dashboard.png")),
                                                      tr("PNG image (*.png)"));
    if (path.isEmpty())
        return;
    const QString error = exportWidgetPng(dashboard(), path);
    if (!error.isEmpty())
        showProblem(tr("Export failed"), error);
}

void MainWindow::exportResultsWithDialog()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export Results into Folder"), QDir::homePath());
    if (dir.isEmpty())
        return;
    const QString error = exportResults(dir);
    if (error.isEmpty())
        statusBar()->showMessage(tr("Wrote summary.csv, long.csv and results.json to %1").arg(dir), 8000);
    else
        showProblem(tr("Export failed"), error);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    m_panel->setCustomDataFolder(settings.value(QStringLiteral("data/folder")).toString());
    m_queue->setWorkspace(settings.value(QStringLiteral("workspace"), defaultWorkspace()).toString());
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
