#include "run_worker.h"

#include "dropoutlab/results.h"

namespace dropoutlab::ui {

void registerMetaTypes()
{
    qRegisterMetaType<dropoutlab::ExperimentConfig>();
    qRegisterMetaType<dropoutlab::RunInfo>();
    qRegisterMetaType<dropoutlab::BatchProgress>();
    qRegisterMetaType<dropoutlab::EpochMetrics>();
    qRegisterMetaType<dropoutlab::RunResult>();
}

RunWorker::RunWorker(const CancelToken& cancel)
    : m_cancel(cancel)
{
}

void RunWorker::run(int runId, const ExperimentConfig& config, const QString& runDir)
{
    m_runId = runId;
    try {
        Q_EMIT finished(runId, runExperimentRecorded(config, runDir.toStdString(), *this, m_cancel));
    } catch (const std::exception& error) {
        Q_EMIT failed(runId, QString::fromStdString(error.what()));
    } catch (...) {
        Q_EMIT failed(runId, QStringLiteral("unknown error in the training thread"));
    }
}

void RunWorker::onStart(const RunInfo& info)
{
    Q_EMIT started(m_runId, info);
}

void RunWorker::onBatch(const BatchProgress& progress)
{
    Q_EMIT batchProgress(m_runId, progress);
}

void RunWorker::onEpoch(const EpochMetrics& metrics)
{
    Q_EMIT epochFinished(m_runId, metrics);
}

void RunWorker::onLog(const std::string& line)
{
    Q_EMIT logLine(m_runId, QString::fromStdString(line));
}

} // namespace dropoutlab::ui
