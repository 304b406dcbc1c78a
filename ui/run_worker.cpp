#include "run_worker.h"

#include "dropoutlab/train/recorded_run.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/train/sweep_runner.h"

#include <map>

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

/// Turns the engine's sweep progress into the worker's per-run signals.
class SweepRelay final : public SweepProgress {
public:
    SweepRelay(RunWorker& worker, const std::vector<SweepRun>& runs, const std::vector<int>& ids)
        : m_worker(worker)
    {
        for (std::size_t i = 0; i < runs.size() && i < ids.size(); ++i)
            m_ids[runs[i].id] = ids[i];
    }
    void onRunStart(const SweepRun& run, int, int) override { m_worker.m_runId = idOf(run); }
    void onRunSkipped(const SweepRun& run) override { Q_EMIT m_worker.skipped(idOf(run)); }
    void onRunEnd(const SweepRun& run, const RunResult& result) override { Q_EMIT m_worker.finished(idOf(run), result); }
    ExperimentObserver& observer() override { return m_worker; }

private:
    int idOf(const SweepRun& run) const
    {
        const auto it = m_ids.find(run.id);
        return it == m_ids.end() ? -1 : it->second;
    }
    RunWorker& m_worker;
    std::map<std::string, int> m_ids;
};

void RunWorker::runSweep(const SweepSpec& spec, const std::vector<SweepRun>& runs, const std::vector<int>& runIds,
                         const QString& folder)
{
    SweepRelay relay(*this, runs, runIds);
    try {
        SweepFolder sweepFolder(folder.toStdString());
        sweepFolder.prepare(spec);
        dropoutlab::runSweep(spec, runs, sweepFolder, relay, m_cancel);
    } catch (const std::exception& error) {
        Q_EMIT failed(m_runId, QString::fromStdString(error.what()));
    } catch (...) {
        Q_EMIT failed(m_runId, QStringLiteral("unknown error in the training thread"));
    }
    Q_EMIT sweepFinished();
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
