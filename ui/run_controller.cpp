#include "run_controller.h"

#include "run_worker.h"

namespace dropoutlab::ui {

RunController::RunController(QObject* parent)
    : QObject(parent)
{
    registerMetaTypes();
    m_thread.setObjectName(QStringLiteral("dropoutlab-training"));
    m_worker = new RunWorker(m_cancel);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    connect(m_worker, &RunWorker::started, this, &RunController::started);
    connect(m_worker, &RunWorker::batchProgress, this, &RunController::batchProgress);
    connect(m_worker, &RunWorker::epochFinished, this, &RunController::epochFinished);
    connect(m_worker, &RunWorker::logLine, this, &RunController::logLine);
    connect(m_worker, &RunWorker::finished, this, [this](int runId, const RunResult& result) {
        m_busy = m_sweeping;
        Q_EMIT finished(runId, result);
    });
    connect(m_worker, &RunWorker::failed, this, [this](int runId, const QString& message) {
        m_busy = m_sweeping;
        Q_EMIT failed(runId, message);
    });
    connect(m_worker, &RunWorker::skipped, this, &RunController::skipped);
    connect(m_worker, &RunWorker::sweepFinished, this, [this] {
        m_busy = false;
        m_sweeping = false;
        Q_EMIT sweepFinished();
    });
    m_thread.start();
}

RunController::~RunController()
{
    shutdown();
}

bool RunController::start(int runId, const ExperimentConfig& config, const QString& runDir)
{
    if (m_busy || !m_thread.isRunning())
        return false;
    m_busy = true;
    m_cancel.reset();
    RunWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, runId, config, runDir] { worker->run(runId, config, runDir); }, Qt::QueuedConnection);
    return true;
}

bool RunController::startSweep(const SweepSpec& spec, const std::vector<SweepRun>& runs, const std::vector<int>& runIds,
                               const QString& folder)
{
    if (m_busy || !m_thread.isRunning())
        return false;
    m_busy = true;
    m_sweeping = true;
    m_cancel.reset();
    RunWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, spec, runs, runIds, folder] { worker->runSweep(spec, runs, runIds, folder); },
        Qt::QueuedConnection);
    return true;
}

void RunController::cancel()
{
    m_cancel.cancel();
}

void RunController::shutdown()
{
    if (!m_thread.isRunning())
        return;
    m_cancel.cancel();
    m_thread.quit();
    m_thread.wait();
}

} // namespace dropoutlab::ui
