#include "run_queue.h"

#include "run_controller.h"
#include "run_worker.h"
#include "runs_model.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"

#include <QDir>

#include <algorithm>
#include <utility>

namespace dropoutlab::ui {

RunQueue::RunQueue(RunsModel* model, QObject* parent)
    : QObject(parent), m_model(model), m_controller(new RunController(this))
{
    const RunWorker* worker = m_controller->worker();
    connect(worker, &RunWorker::started, this, &RunQueue::onStarted);
    connect(worker, &RunWorker::batchProgress, this, [this](int id, const BatchProgress& progress) {
        m_model->update(id, [&](RunEntry& e) { e.addProgress(progress); });
        Q_EMIT progressed(id);
    });
    connect(worker, &RunWorker::epochFinished, this, [this](int id, const EpochMetrics& metrics) {
        m_model->update(id, [&](RunEntry& e) { addEpoch(e.result, metrics); });
        Q_EMIT epochFinished(id, metrics);
        Q_EMIT progressed(id);
    });
    connect(worker, &RunWorker::logLine, this, &RunQueue::logLine);
    connect(worker, &RunWorker::finished, this, &RunQueue::onFinished);
    connect(worker, &RunWorker::failed, this, &RunQueue::onFailed);
    connect(worker, &RunWorker::sweepFinished, this, &RunQueue::onSweepFinished);
}

RunQueue::~RunQueue()
{
    shutdown();
}

int RunQueue::enqueue(const ExperimentConfig& config)
{
    const int id = m_model->addRun(config, RunState::Queued);
    Job job;
    job.runId = id;
    m_jobs.push_back(std::move(job));
    if (m_running)
        ++m_batchSize;
    return id;
}

QString RunQueue::newSweepFolder(const SweepSpec& spec) const
{
    return QString::fromStdString(
        createRunDirectory(QDir(m_workspace).filePath(QStringLiteral("sweeps")).toStdString(), spec.name));
}

std::vector<int> RunQueue::enqueueSweep(const SweepSpec& spec, const QString& folder)
{
    SweepFolder sweepFolder(folder.toStdString());
    sweepFolder.prepare(spec);
    const auto points = expandPoints(spec);
    Job job;
    job.spec = spec;
    job.folder = folder;
    job.runs = expandSweep(spec);
    for (const auto& run : job.runs) {
        const bool done = sweepFolder.isDone(run.id);
        const int id = m_model->addRun(run.config, RunState::Queued);
        m_model->update(id, [&](RunEntry& e) {
            tagSweepRun(e, folder, run, points);
            if (done) {
                e.result = loadRun(sweepFolder.runDir(run.id)).result;
                e.state = stateFromStatus(e.result.status);
            }
        });
        job.ids.push_back(id);
        if (!done && m_running)
            ++m_batchSize;
    }
    std::vector<int> ids = job.ids;
    m_jobs.push_back(std::move(job));
    return ids;
}

bool RunQueue::isQueued(int runId) const
{
    const RunEntry* entry = m_model->find(runId);
    return entry && entry->state == RunState::Queued;
}

int RunQueue::queuedCount() const
{
    return m_model->countIn(RunState::Queued);
}

void RunQueue::setHeld(bool held)
{
    m_held = held;
    if (!held && std::exchange(m_startWhenReleased, false))
        start();
}

void RunQueue::start()
{
    if (m_running)
        return;
    if (m_held) {
        m_startWhenReleased = true;
        return;
    }
    if (queuedCount() == 0) {
        Q_EMIT queueFinished();  // nothing to do is a finished queue (automation waits for it)
        return;
    }
    m_stopRequested = false;
    m_doneInBatch = 0;
    m_batchSize = queuedCount();
    setRunning(true);
    startNext();
}

void RunQueue::stop()
{
    if (!m_running)
        return;
    m_stopRequested = true;
    m_controller->cancel();
}

void RunQueue::shutdown()
{
    m_stopRequested = true;
    m_controller->shutdown();
}

void RunQueue::startNext()
{
    while (!m_stopRequested && !m_jobs.empty()) {
        Job job = std::move(m_jobs.front());
        m_jobs.pop_front();
        if (startJob(job))
            return;
    }
    setRunning(false);
    Q_EMIT queueFinished();
}

bool RunQueue::startJob(const Job& job)
{
    if (job.runId >= 0) {
        if (!isQueued(job.runId))
            return false;  // removed or already run
        const ExperimentConfig config = m_model->find(job.runId)->config;
        QString dir;
        try {
            dir = QString::fromStdString(createRunDirectory(m_workspace.toStdString(), config.name));
        } catch (const Error& error) {
            m_model->update(job.runId, [&](RunEntry& e) {
                e.state = RunState::Failed;
                e.result.message = error.what();
            });
            Q_EMIT runFailed(job.runId, QString::fromStdString(error.what()));
            m_stopRequested = true;
            return false;
        }
        m_model->update(job.runId, [&](RunEntry& e) {
            e.state = RunState::Running;
            e.dir = dir;
            e.result = {};
            e.resetProgress();
        });
        m_currentId = job.runId;
        m_controller->start(job.runId, config, dir);
        Q_EMIT runStarted(job.runId);
        return true;
    }
    // A sweep: the runs still queued (the user may have removed some, earlier ones are done).
    std::vector<SweepRun> runs;
    std::vector<int> ids;
    for (std::size_t i = 0; i < job.runs.size(); ++i) {
        if (isQueued(job.ids[i])) {
            runs.push_back(job.runs[i]);
            ids.push_back(job.ids[i]);
        }
    }
    if (runs.empty())
        return false;
    m_inSweep = true;
    m_sweepJob = job;
    m_controller->startSweep(job.spec, runs, ids, job.folder);
    return true;
}

void RunQueue::onStarted(int runId, const RunInfo& info)
{
    m_model->update(runId, [&](RunEntry& e) {
        e.info = info;
        e.state = RunState::Running;
        e.result = {};
        e.resetProgress();
    });
    if (m_currentId != runId) {
        m_currentId = runId;
        Q_EMIT runStarted(runId);
    }
}

void RunQueue::onFinished(int runId, const RunResult& result)
{
    m_model->update(runId, [&](RunEntry& e) {
        e.result = result;
        e.state = stateFromStatus(result.status);
    });
    m_currentId = -1;
    ++m_doneInBatch;
    Q_EMIT runFinished(runId);
    if (!m_inSweep)
        startNext();
}

void RunQueue::onFailed(int runId, const QString& message)
{
    m_model->update(runId, [&](RunEntry& e) {
        e.state = RunState::Failed;
        e.result.status = RunStatus::Failed;
        e.result.message = message.toStdString();
    });
    m_currentId = -1;
    ++m_doneInBatch;
    Q_EMIT runFailed(runId, message);
    // A failure that is not the run's own (missing dataset, bad folder) would fail every
    // following run the same way: stop and let the user fix it.
    m_stopRequested = true;
    if (!m_inSweep)
        startNext();
}

void RunQueue::onSweepFinished()
{
    m_inSweep = false;
    // Stopped part-way: its remaining runs stay queued, and Run continues the sweep.
    if (std::any_of(m_sweepJob.ids.begin(), m_sweepJob.ids.end(), [this](int id) { return isQueued(id); }))
        m_jobs.push_front(std::move(m_sweepJob));
    m_sweepJob = {};
    m_currentId = -1;
    startNext();
}

void RunQueue::setRunning(bool running)
{
    if (m_running == running)
        return;
    m_running = running;
    Q_EMIT runningChanged(running);
}

double RunQueue::etaSeconds() const
{
    const RunEntry* current = m_model->find(m_currentId);
    if (!current || current->progress.imagesPerSecond <= 0 || current->info.batchesPerEpoch == 0)
        return -1.0;
    const BatchProgress& p = current->progress;
    const double done = static_cast<double>((p.epoch - 1) * p.batchesPerEpoch + p.batch) /
                        static_cast<double>(p.epochs * p.batchesPerEpoch);
    if (done <= 0)
        return -1.0;
    // Elapsed time covers validation too, so scaling it is better than counting images.
    const double runSeconds = p.elapsedSeconds / done;
    double total = runSeconds - p.elapsedSeconds;
    for (const auto& e : m_model->entries()) {
        if (e.state != RunState::Queued)
            continue;
        const double imagesRatio =
            e.config.trainSubset > 0 ? static_cast<double>(e.config.trainSubset) / current->info.trainImages : 1.0;
        total += runSeconds * std::min(1.0, imagesRatio) * e.config.epochs / std::max(1, p.epochs);
    }
    return total;
}

} // namespace dropoutlab::ui
