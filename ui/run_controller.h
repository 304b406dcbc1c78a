#pragma once

#include "metatypes.h"

#include "dropoutlab/cancel_token.h"
#include "dropoutlab/sweep.h"

#include <vector>

#include <QObject>
#include <QThread>

namespace dropoutlab::ui {

class RunWorker;

/// GUI-thread side of the training thread: owns the thread and its worker, starts runs and
/// cancels them through the token (the worker's event loop is busy inside the engine).
/// Destroying it cancels the current run, quits the thread and waits for it.
class RunController final : public QObject {
    Q_OBJECT

public:
    explicit RunController(QObject* parent = nullptr);
    ~RunController() override;

    /// Starts a run on the training thread; only one at a time (returns false when busy).
    bool start(int runId, const dropoutlab::ExperimentConfig& config, const QString& runDir);
    /// Starts a sweep job (see RunWorker::runSweep); false when busy.
    bool startSweep(const dropoutlab::SweepSpec& spec, const std::vector<dropoutlab::SweepRun>& runs,
                    const std::vector<int>& runIds, const QString& folder);
    /// Asks the current run to stop after its current batch.
    void cancel();
    /// Cancels and blocks until the training thread has finished (used when the app closes).
    void shutdown();
    bool isBusy() const { return m_busy; }

Q_SIGNALS:
    void started(int runId, const dropoutlab::RunInfo& info);
    void batchProgress(int runId, const dropoutlab::BatchProgress& progress);
    void epochFinished(int runId, const dropoutlab::EpochMetrics& metrics);
    void logLine(int runId, const QString& line);
    void finished(int runId, const dropoutlab::RunResult& result);
    void failed(int runId, const QString& message);
    void skipped(int runId);
    void sweepFinished();

private:
    QThread m_thread;
    CancelToken m_cancel;
    RunWorker* m_worker = nullptr;
    bool m_busy = false;
    bool m_sweeping = false;
};

} // namespace dropoutlab::ui
