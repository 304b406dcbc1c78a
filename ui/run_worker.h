#pragma once

#include "metatypes.h"

#include "dropoutlab/cancel_token.h"
#include "dropoutlab/experiment.h"

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

Q_SIGNALS:
    void started(int runId, const dropoutlab::RunInfo& info);
    void batchProgress(int runId, const dropoutlab::BatchProgress& progress);
    void epochFinished(int runId, const dropoutlab::EpochMetrics& metrics);
    void logLine(int runId, const QString& line);
    void finished(int runId, const dropoutlab::RunResult& result);
    /// The run could not start or broke; `message` says why.
    void failed(int runId, const QString& message);

private:
    void onStart(const RunInfo& info) override;
    void onBatch(const BatchProgress& progress) override;
    void onEpoch(const EpochMetrics& metrics) override;
    void onLog(const std::string& line) override;

    const CancelToken& m_cancel;
    int m_runId = -1;
};

} // namespace dropoutlab::ui
