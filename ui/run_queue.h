#pragma once

#include "metatypes.h"

#include "dropoutlab/core/sweep.h"

#include <QObject>
#include <QString>

#include <deque>
#include <vector>

namespace dropoutlab::ui {

class RunController;
class RunsModel;

/// Works through queued runs and sweeps one job at a time on the training thread, recording
/// into folders of the workspace (single runs) or of the sweep, and keeps the model up to date.
class RunQueue final : public QObject {
    Q_OBJECT

public:
    RunQueue(RunsModel* model, QObject* parent = nullptr);
    ~RunQueue() override;

    void setWorkspace(const QString& dir) { m_workspace = dir; }
    const QString& workspace() const { return m_workspace; }

    /// Adds a queued run; returns its id.
    int enqueue(const dropoutlab::ExperimentConfig& config);
    /// Adds every run of a sweep recorded in `folder` (prepared now; throws dropoutlab::Error).
    /// Runs already finished there are shown with their results and not run again.
    std::vector<int> enqueueSweep(const dropoutlab::SweepSpec& spec, const QString& folder);
    /// A new, unique folder for a sweep in the workspace's sweeps/ (throws dropoutlab::Error).
    QString newSweepFolder(const dropoutlab::SweepSpec& spec) const;
    /// Starts working through the queue (no-op when running; with nothing queued it only
    /// reports queueFinished).
    void start();
    /// While held (a workspace is being read), start() waits: the queue starts once released.
    void setHeld(bool held);
    bool isHeld() const { return m_held; }
    /// Cancels the current run (it ends as cancelled, its epochs kept) and stops the queue.
    void stop();
    /// Stops and blocks until the training thread has ended (the window is closing).
    void shutdown();

    bool isRunning() const { return m_running; }
    int currentRunId() const { return m_currentId; }
    int queuedCount() const;
    /// Runs finished since start() and the number queued then (for the overall progress bar).
    int doneInBatch() const { return m_doneInBatch; }
    int batchSize() const { return m_batchSize; }
    /// Estimated seconds until the queue is done, from the current run's speed; < 0 if unknown.
    double etaSeconds() const;

Q_SIGNALS:
    void runStarted(int runId);
    void runFinished(int runId);
    void runFailed(int runId, const QString& message);
    void progressed(int runId);
    void epochFinished(int runId, const dropoutlab::EpochMetrics& metrics);
    void logLine(int runId, const QString& line);
    void runningChanged(bool running);
    /// The queue ran dry or was stopped.
    void queueFinished();

private:
    struct Job {
        int runId = -1;  ///< a single run, or -1 for a sweep
        dropoutlab::SweepSpec spec;
        QString folder;
        std::vector<dropoutlab::SweepRun> runs;
        std::vector<int> ids;
    };
    void startNext();
    bool startJob(const Job& job);
    void onStarted(int runId, const dropoutlab::RunInfo& info);
    void onFinished(int runId, const dropoutlab::RunResult& result);
    void onFailed(int runId, const QString& message);
    void onSweepFinished();
    void setRunning(bool running);
    bool m_held = false;
    bool m_startWhenReleased = false;
    bool isQueued(int runId) const;

    RunsModel* m_model;
    RunController* m_controller;
    QString m_workspace;
    std::deque<Job> m_jobs;
    Job m_sweepJob;  ///< the sweep in progress, requeued if it stops with runs left
    bool m_running = false;
    bool m_inSweep = false;
    bool m_stopRequested = false;
    int m_currentId = -1;
    int m_doneInBatch = 0;
    int m_batchSize = 0;
};

} // namespace dropoutlab::ui
