#include "run_queue.h"

#include "run_controller.h"
#include "runs_model.h"

#include "dropoutlab/errors.h"
#include "dropoutlab/results.h"

namespace dropoutlab::ui {

RunQueue::RunQueue(RunsModel* model, QObject* parent)
    : QObject(parent), m_model(model), m_controller(new RunController(this))
{
    connect(m_controller, &RunController::started, this, [this](int id, const RunInfo& info) {
        m_model->update(id, [&](RunEntry& e) { e.info = info; });
    });
    connect(m_controller, &RunController::batchProgress, this, [this](int id, const BatchProgress& progress) {
        m_model->update(id, [&](RunEntry& e) { e.progress = progress; });
        Q_EMIT progressed(id);
    });
    connect(m_controller, &RunController::epochFinished, this, [this](int id, const EpochMetrics& metrics) {
        m_model->update(id, [&](RunEntry& e) {
            e.result.epochs.push_back(metrics);
            e.result.bestValAccuracy = std::max(e.result.bestValAccuracy, metrics.valAccuracy);
        });
        Q_EMIT epochFinished(id, metrics);
        Q_EMIT progressed(id);
    });
    connect(m_controller, &RunController::logLine, this, &RunQueue::logLine);
    connect(m_controller, &RunController::finished, this, &RunQueue::onFinished);
    connect(m_controller, &RunController::failed, this, &RunQueue::onFailed);
}

RunQueue::~RunQueue()
{
    shutdown();
}

int RunQueue::enqueue(const ExperimentConfig& config)
{
    const int id = m_model->addRun(config, RunState::Queued);
    if (m_running)
        ++m_batchSize;
    return id;
}

int RunQueue::queuedCount() const
{
    int count = 0;
    for (const auto& e : m_model->entries())
        count += e.state == RunState::Queued ? 1 : 0;
    return count;
}

void RunQueue::start()
{
    if (m_running || queuedCount() == 0)
        return;
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
    const RunEntry* next = nullptr;
    for (const auto& e : m_model->entries()) {
        if (e.state == RunState::Queued) {
            next = &e;
            break;
        }
    }
    if (m_stopRequested || !next) {
        setRunning(false);
        Q_EMIT queueFinished();
        return;
    }
    const int id = next->id;
    const ExperimentConfig config = next->config;
    QString dir;
    try {
        dir = QString::fromStdString(createRunDirectory(m_workspace.toStdString(), config.name));
    } catch (const Error& error) {
        onFailed(id, QString::fromStdString(error.what()));
        return;
    }
    m_model->update(id, [&](RunEntry& e) {
        e.state = RunState::Running;
        e.dir = dir;
        e.result = {};
        e.progress = {};
    });
    m_currentId = id;
    m_controller->start(id, config, dir);
    Q_EMIT runStarted(id);
}

void RunQueue::onFinished(int runId, const RunResult& result)
{
    m_model->update(runId, [&](RunEntry& e) {
        e.result = result;
        e.state = stateFromStatus(result.status);
    });
    endCurrent();
    Q_EMIT runFinished(runId);
    startNext();
}

void RunQueue::onFailed(int runId, const QString& message)
{
    m_model->update(runId, [&](RunEntry& e) {
        e.state = RunState::Failed;
        e.result.status = RunStatus::Failed;
        e.result.message = message.toStdString();
    });
    endCurrent();
    Q_EMIT runFailed(runId, message);
    // A failure that is not the run's own (missing dataset, bad folder) would fail every
    // following run the same way: stop and let the user fix it.
    setRunning(false);
    Q_EMIT queueFinished();
}

void RunQueue::endCurrent()
{
    m_currentId = -1;
    ++m_doneInBatch;
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
