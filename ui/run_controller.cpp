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

    m_thread.start();
}

RunController::~RunController()
{
    shutdown();
}

bool RunController::start(int runId, const ExperimentConfig& config, const QString& runDir)
{
    if (!m_thread.isRunning())
        return false;
    m_cancel.reset();
    RunWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, runId, config, runDir] { worker->run(runId, config, runDir); }, Qt::QueuedConnection);
    return true;
}

bool RunController::startSweep(const SweepSpec& spec, const std::vector<SweepRun>& runs, const std::vector<int>& runIds,
                               const QString& folder)
{
    if (!m_thread.isRunning())
        return false;
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
