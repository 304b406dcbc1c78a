#pragma once

#include "metatypes.h"

#include "dropoutlab/core/cancel_token.h"
#include "dropoutlab/train/experiment.h"
#include "dropoutlab/core/sweep.h"

#include <QObject>
#include <QString>

namespace dropoutlab::ui {

/// Lives on the training thread: runs one experiment at a time and turns the engine's observer
/// callbacks into queued signals. Catches everything; no exception reaches the event loop.
class RunWorker final : public QObject, private ExperimentObserver {
    Q_OBJECT

public:
    explicit RunWorker(const CancelToken& cancel);

    /// Runs `config`, recording into `runDir`. Blocks this thread until the run ends.
    void run(int runId, const dropoutlab::ExperimentConfig& config, const QString& runDir);
    /// Runs the given runs of a sweep into `folder` (skipping finished ones, with successive
    /// halving if the spec asks); `runIds[i]` is the GUI's id of `runs[i]`.
    void runSweep(const dropoutlab::SweepSpec& spec, const std::vector<dropoutlab::SweepRun>& runs,
                  const std::vector<int>& runIds, const QString& folder);

Q_SIGNALS:
    void started(int runId, const dropoutlab::RunInfo& info);
    void batchProgress(int runId, const dropoutlab::BatchProgress& progress);
    void epochFinished(int runId, const dropoutlab::EpochMetrics& metrics);
    void logLine(int runId, const QString& line);
    void finished(int runId, const dropoutlab::RunResult& result);
    /// The run could not start or broke; `message` says why.
    void failed(int runId, const QString& message);
    /// A sweep run was already finished in its folder.
    void skipped(int runId);
    /// A sweep job ended (all its runs done, or cancelled, or failed).
    void sweepFinished();

private:
    friend class SweepRelay;
    void onStart(const RunInfo& info) override;
    void onBatch(const BatchProgress& progress) override;
    void onEpoch(const EpochMetrics& metrics) override;
    void onLog(const std::string& line) override;

    const CancelToken& m_cancel;
    int m_runId = -1;
};

} // namespace dropoutlab::ui
