#pragma once

#include "metatypes.h"

#include "dropoutlab/core/cancel_token.h"
#include "dropoutlab/core/sweep.h"

#include <vector>

#include <QObject>
#include <QThread>

namespace dropoutlab::ui {

class RunWorker;

/// GUI-thread side of the training thread: owns the thread and its worker, hands it jobs and
/// cancels them through the token (the worker's event loop is busy inside the engine).
/// Destroying it cancels the current run, quits the thread and waits for it. It keeps no state
/// of its own about what runs: listeners connect to worker()'s signals, and RunQueue alone
/// knows whether something is running.
class RunController final : public QObject {
    Q_OBJECT

public:
    explicit RunController(QObject* parent = nullptr);
    ~RunController() override;

    /// Hands a run to the training thread (false once the thread has ended). The worker takes
    /// jobs one after another; the caller starts the next when the last has finished.
    bool start(int runId, const dropoutlab::ExperimentConfig& config, const QString& runDir);
    /// Hands a sweep job to the training thread (see RunWorker::runSweep).
    bool startSweep(const dropoutlab::SweepSpec& spec, const std::vector<dropoutlab::SweepRun>& runs,
                    const std::vector<int>& runIds, const QString& folder);
    /// Asks the current run to stop after its current batch.
    void cancel();
    /// Cancels and blocks until the training thread has finished (used when the app closes).
    void shutdown();
    /// The worker on the training thread: connect to its signals (they arrive queued).
    const RunWorker* worker() const { return m_worker; }

private:
    QThread m_thread;
    CancelToken m_cancel;
    RunWorker* m_worker = nullptr;
};

} // namespace dropoutlab::ui
