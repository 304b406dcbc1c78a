#include "main_window.h"

#include "accuracy_chart.h"
#include "chart_export.h"
#include "chart_view.h"
#include "curves_view.h"
#include "experiment_panel.h"
#include "run_queue.h"
#include "runs_model.h"
#include "sweep_dialog.h"
#include "sweep_view.h"

#include "dropoutlab/dataset.h"
#include "dropoutlab/errors.h"
#include "dropoutlab/results.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QDateTime>
#include <QFileInfo>
#include <QTableView>
#include <QVBoxLayout>

#include <cstdio>
#include <sstream>

namespace dropoutlab::ui {
namespace {

QString defaultWorkspace()
{
    return QDir(QString::fromStdString(userDataDir())).filePath(QStringLiteral("workspace"));
}

QString formatEta(double seconds)
{
    if (seconds < 0)
        return QObject::tr("ETA —");
    const int s = static_cast<int>(seconds + 0.5);
    if (s >= 3600)
        return QObject::tr("ETA %1 h %2 min").arg(s / 3600).arg((s / 60) % 60);
    if (s >= 60)
        return QObject::tr("ETA %1 min %2 s").arg(s / 60).arg(s % 60);
    return QObject::tr("ETA %1 s").arg(s);
}

std::vector<RunRecord> recordedRuns(const RunsModel& model)
{
    std::vector<RunRecord> runs;
    for (const auto& e : model.entries()) {
        if (e.dir.isEmpty())
            continue;
        RunRecord record;
        record.dir = e.dir.toStdString();
        record.id = QDir(e.dir).dirName().toStdString();
        record.config = e.config;
        record.result = e.result;
        if (e.state == RunState::Running)
            record.result.status = RunStatus::Interrupted;
        runs.push_back(std::move(record));
    }
    return runs;
}

QString writeText(const QString& path, const QByteArray& bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
    return {};
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_model(new RunsModel(this)), m_queue(new RunQueue(m_model, this))
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

    m_pollTimer.setInterval(2000);
    connect(&m_pollTimer, &QTimer::timeout, this, &MainWindow::pollSweepFolders);
    m_pollTimer.start();

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
    m_statusText = new QLabel;
    m_runProgress = new QProgressBar;
    m_runProgress->setMaximumWidth(260);
    m_runProgress->setTextVisible(true);
    m_queueProgress = new QProgressBar;
    m_queueProgress->setMaximumWidth(180);
    m_speed = new QLabel;
    statusBar()->addPermanentWidget(m_statusText);
    statusBar()->addPermanentWidget(m_runProgress);
    statusBar()->addPermanentWidget(m_queueProgress);
    statusBar()->addPermanentWidget(m_speed);
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
    const RunEntry* current = m_model->find(m_queue->currentRunId());
    if (!current) {
        m_statusText->setText(m_queue->queuedCount() > 0 ? tr("%n run(s) queued — press Run", "", m_queue->queuedCount())
                                                         : tr("Idle"));
        m_runProgress->setRange(0, 1);
        m_runProgress->setValue(0);
        m_runProgress->setFormat(tr("no run"));
        m_queueProgress->setRange(0, 1);
        m_queueProgress->setValue(0);
        m_queueProgress->setFormat(tr("queue"));
        m_speed->clear();
        return;
    }
    const BatchProgress& p = current->progress;
    m_statusText->setText(tr("Training “%1”").arg(current->name()));
    const int total = std::max(1, current->config.epochs * std::max(1, current->info.batchesPerEpoch));
    m_runProgress->setRange(0, total);
    m_runProgress->setValue(std::max(0, (p.epoch - 1) * p.batchesPerEpoch + p.batch));
    m_runProgress->setFormat(p.epoch > 0 ? tr("epoch %1/%2 · batch %3/%4").arg(p.epoch).arg(p.epochs).arg(p.batch).arg(
                                               p.batchesPerEpoch)
                                         : tr("starting…"));
    m_queueProgress->setRange(0, std::max(1, m_queue->batchSize()));
    m_queueProgress->setValue(m_queue->doneInBatch());
    m_queueProgress->setFormat(tr("run %1 of %2").arg(m_queue->doneInBatch() + 1).arg(m_queue->batchSize()));
    m_speed->setText(p.imagesPerSecond > 0
                         ? tr("%1 img/s · %2").arg(QLocale().toString(p.imagesPerSecond, 'f', 0), formatEta(m_queue->etaSeconds()))
                         : QString());
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
    if (m_queue->isRunning()) {
        if (error)
            *error = tr("stop the running queue before opening another workspace");
        return false;
    }
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = tr("cannot create the folder %1").arg(dir);
        return false;
    }
    std::vector<RunRecord> runs;
    std::vector<std::string> problems;
    try {
        // One unreadable run folder (damaged, or from a newer version) must not hide the others.
        runs = loadWorkspace(dir.toStdString(), &problems);
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    // Queued runs stay queued; everything recorded comes from the new workspace.
    std::vector<ExperimentConfig> queued;
    for (const auto& e : m_model->entries()) {
        if (e.state == RunState::Queued)
            queued.push_back(e.config);
    }
    m_model->clear();
    for (const auto& run : runs) {
        const int id = m_model->addRun(run.config, stateFromStatus(run.result.status));
        m_model->update(id, [&](RunEntry& e) {
            e.result = run.result;
            e.dir = QString::fromStdString(run.dir);
            e.info.device = run.result.device;
        });
    }
    for (const auto& config : queued)
        m_queue->enqueue(config);
    m_queue->setWorkspace(dir);
    setWindowTitle(tr("DropoutLab — %1").arg(QDir::toNativeSeparators(dir)));
    m_workspaceProblems.clear();
    for (const auto& problem : problems)
        m_workspaceProblems << QString::fromStdString(problem);
    if (!m_workspaceProblems.isEmpty()) {
        constexpr int kShown = 8;
        QStringList shown = m_workspaceProblems.mid(0, kShown);
        if (m_workspaceProblems.size() > kShown)
            shown << tr("… and %n more", nullptr, static_cast<int>(m_workspaceProblems.size() - kShown));
        const QString where = QDir::toNativeSeparators(dir);
        const QString intro = m_workspaceProblems.size() == 1
                                  ? tr("One run folder in %1 could not be read and is not shown:").arg(where)
                                  : tr("%1 run folders in %2 could not be read and are not shown:")
                                        .arg(m_workspaceProblems.size())
                                        .arg(where);
        showProblem(tr("Some runs could not be read"), intro + QStringLiteral("\n\n") + shown.join(QStringLiteral("\n")));
    }
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
    connect(m_queue, &RunQueue::epochFinished, this, [this](int runId, const EpochMetrics& m) {
        const RunEntry* entry = m_model->find(runId);
        if (!entry)
            return;
        std::fprintf(stderr, "dropoutlab: [%s] epoch %d/%d: train loss %.4f acc %.2f%% | val loss %.4f acc %.2f%% | %.1f s\n",
                     qPrintable(entry->name()), m.epoch, entry->config.epochs, m.trainLoss, 100.0 * m.trainAccuracy,
                     m.valLoss, 100.0 * m.valAccuracy, m.seconds);
    });
    connect(m_queue, &RunQueue::runFinished, this, [this](int runId) {
        const RunEntry* entry = m_model->find(runId);
        if (entry && entry->result.testAccuracy)
            std::fprintf(stderr, "dropoutlab: [%s] %s, test accuracy %.2f%%\n", qPrintable(entry->name()),
                         qPrintable(displayName(entry->state)), 100.0 * *entry->result.testAccuracy);
    });
}

QString MainWindow::exportAll(const QString& dir)
{
    if (!QDir().mkpath(dir))
        return tr("cannot create the folder %1").arg(dir);
    m_curves->flush();
    m_accuracy->flush();
    if (m_sweepView->hasSweep())
        m_sweepView->refresh();
    // Rebuilt charts lay out their legends in the event loop: let that happen before painting.
    QApplication::processEvents();
    QStringList problems;
    std::vector<ChartView*> views;
    for (ChartView* view : m_curves->chartViews())
        views.push_back(view);
    views.push_back(m_accuracy->chartView());
    for (ChartView* view : views) {
        for (const char* suffix : {".png", ".svg"}) {
            const QString error = exportChart(view, QDir(dir).filePath(view->fileStem() + suffix));
            if (!error.isEmpty())
                problems << error;
        }
    }
    if (m_sweepView->hasSweep()) {
        for (const auto& [widget, stem] : m_sweepView->exportables()) {
            for (const char* suffix : {".png", ".svg"}) {
                const QString error = exportPicture(widget, m_sweepView->title(), QDir(dir).filePath(stem + suffix));
                if (!error.isEmpty())
                    problems << error;
            }
        }
    }
    const QString dashboardError = exportWidgetPng(dashboard(), QDir(dir).filePath(QStringLiteral("dashboard.png")));
    if (!dashboardError.isEmpty())
        problems << dashboardError;
    const QString resultsError = exportResults(dir);
    if (!resultsError.isEmpty())
        problems << resultsError;
    return problems.join(QLatin1Char('\n'));
}

QString MainWindow::exportResults(const QString& dir)
{
    const std::vector<RunRecord> runs = recordedRuns(*m_model);
    std::ostringstream summary, longTable;
    writeSummaryCsv(runs, summary);
    writeLongCsv(runs, longTable);
    QJsonArray array;
    for (const auto& run : runs) {
        QJsonObject object = QJsonDocument::fromJson(QByteArray::fromStdString(resultToJson(run.result, run.config.name))).object();
        object.insert(QStringLiteral("run"), QString::fromStdString(run.id));
        object.insert(QStringLiteral("config"), QJsonDocument::fromJson(QByteArray::fromStdString(configToJson(run.config))).object());
        array.append(object);
    }
    QStringList problems;
    for (const auto& [name, bytes] :
         {std::pair{QStringLiteral("summary.csv"), QByteArray::fromStdString(summary.str())},
          std::pair{QStringLiteral("long.csv"), QByteArray::fromStdString(longTable.str())},
          std::pair{QStringLiteral("results.json"), QJsonDocument(array).toJson()}}) {
        const QString error = writeText(QDir(dir).filePath(name), bytes);
        if (!error.isEmpty())
            problems << error;
    }
    return problems.join(QLatin1Char('\n'));
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
    std::vector<SweepRun> runs;
    try {
        SweepFolder folder(dir.toStdString());
        spec = folder.readSpec();
        runs = expandSweep(spec);
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    QSet<QString> known;
    for (const auto& e : m_model->entries()) {
        if (e.sweepFolder == dir)
            known.insert(e.runKey);
    }
    const auto points = expandPoints(spec);
    for (const auto& run : runs) {
        if (known.contains(QString::fromStdString(run.id)))
            continue;
        const int id = m_model->addRun(run.config, RunState::Planned);
        m_model->update(id, [&](RunEntry& e) { tagSweepRun(e, dir, run, points); });
    }
    m_watchedSweeps.insert(dir);
    pollSweepFolders();
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

double MainWindow::secondsPerTrainingImage() const
{
    // The latest run with a finished epoch: its training time per image, validation included.
    for (auto it = m_model->entries().rbegin(); it != m_model->entries().rend(); ++it) {
        if (it->result.epochs.empty())
            continue;
        const auto& m = it->result.epochs.back();
        const double images = it->info.trainImages > 0
                                  ? static_cast<double>(it->info.trainImages)
                                  : (it->config.trainSubset > 0 ? static_cast<double>(it->config.trainSubset) : 48000.0);
        const double validationImages = 60000.0 * it->config.validationFraction;
        return m.seconds / (images + validationImages / 3.0);
    }
    return 0.0;
}

void MainWindow::openSweepDialog()
{
    if (!m_panel->isValid()) {
        showProblem(tr("Cannot define a sweep"), m_panel->problem());
        return;
    }
    SweepDialog dialog(m_panel->config(), secondsPerTrainingImage(), this);
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

void MainWindow::pollSweepFolders()
{
    if (m_watchedSweeps.isEmpty())
        return;
    const auto stampOf = [](const QString& dir) {
        qint64 stamp = 0;
        for (const char* name : {"result.json", "metrics.jsonl", "config.json"}) {
            const QFileInfo info(QDir(dir).filePath(QString::fromLatin1(name)));
            if (info.exists())
                stamp += info.size() + info.lastModified().toMSecsSinceEpoch();
        }
        return stamp;
    };
    std::vector<std::pair<int, QString>> changed;
    for (const auto& e : m_model->entries()) {
        if (!m_watchedSweeps.contains(e.sweepFolder) || e.state == RunState::Queued || e.id == m_queue->currentRunId())
            continue;
        const qint64 stamp = stampOf(e.dir);
        if (stamp != m_fileStamps.value(e.id, 0)) {
            m_fileStamps[e.id] = stamp;
            if (stamp != 0)
                changed.emplace_back(e.id, e.dir);
        }
    }
    for (const auto& [id, dir] : changed) {
        try {
            const RunRecord record = loadRun(dir.toStdString());
            // Written by another process: no result yet means it is still training there.
            const bool live = record.result.status == RunStatus::Interrupted &&
                              QFileInfo(QDir(dir).filePath(QStringLiteral("metrics.jsonl")))
                                      .lastModified()
                                      .secsTo(QDateTime::currentDateTime()) < 600;
            m_model->update(id, [&](RunEntry& e) {
                e.result = record.result;
                e.state = live ? RunState::Running : stateFromStatus(record.result.status);
                e.info.device = record.result.device;
            });
        } catch (const Error& e) {
            // Unreadable (damaged, or not yet complete): read again when its files change.
            m_model->update(id, [&](RunEntry& entry) { entry.result.message = e.what(); });
        }
    }
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
