#pragma once

#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/core/run_result.h"
#include "dropoutlab/core/sweep.h"

#include <QColor>
#include <QString>

#include <cstddef>
#include <optional>

namespace dropoutlab::ui {

/// Where a run is in its life; the last five mirror the engine's RunStatus.
/// `Planned`: a run of a sweep folder that another process (a CLI shard) has not started yet.
enum class RunState { Queued, Running, Completed, Cancelled, Diverged, Failed, Stopped, Interrupted, Planned };
inline constexpr std::size_t kRunStateCount = static_cast<std::size_t>(RunState::Planned) + 1;

QString displayName(RunState state);
/// Marks `entry` as run `run` of the sweep recorded in `folder` (its point and run folder).
void tagSweepRun(struct RunEntry& entry, const QString& folder, const dropoutlab::SweepRun& run,
                 const std::vector<dropoutlab::SweepPoint>& points);
RunState stateFromStatus(RunStatus status);
/// The engine's status for a state: a run not finished (queued, planned, running, interrupted)
/// is `Interrupted`, as it would read back from its folder.
RunStatus statusFromState(RunState state);
bool isFinished(RunState state);

/// Everything the GUI knows about one run: its config, live progress and (partial) result.
struct RunEntry {
    int id = 0;
    ExperimentConfig config;
    RunState state = RunState::Queued;
    RunInfo info;
    BatchProgress progress;   ///< last report inside the current epoch
    /// The training loss and accuracy between consecutive progress reports, at fractional epochs
    /// (kept while the app runs; run folders hold per-epoch figures only).
    struct TracePoint {
        double epoch = 0.0;     ///< e.g. 2.25: a quarter into epoch 3
        double loss = 0.0;      ///< mean over the batches since the previous report
        double accuracy = 0.0;  ///< fraction, likewise
    };
    std::vector<TracePoint> trace;
    RunResult result;         ///< finished epochs so far; final figures once done
    QString dir;              ///< run folder, once started or loaded
    QColor color;
    bool visible = true;
    QString sweepFolder;      ///< the sweep this run belongs to (empty: a single run)
    QString runKey;           ///< the sweep's stable run id
    int point = -1;           ///< index of the sweep point
    QString pointLabel;       ///< e.g. "fc1=0.25"
    QString notes;            ///< the user's notes, kept in the run folder's notes.txt
    /// Whether the folder held model.pt when the workspace was read (unknown for other runs).
    std::optional<bool> hadModelFile;

    QString name() const { return QString::fromStdString(config.name); }
    /// Records a progress report: `progress`, and a trace point for the batches since the last one.
    void addProgress(const BatchProgress& report);
    /// A (re)started run: no progress, no trace.
    void resetProgress();
    /// At most this many trace points; beyond it every other point is dropped (the curve keeps its shape).
    static constexpr std::size_t kMaxTracePoints = 20000;
    /// Final train accuracy minus validation accuracy (fractions); 0 without epochs.
    double trainValGap() const;
};

/// The run as the engine's record, as its folder would read back: the one conversion used by the
/// exports and the sweep statistics. The id is the sweep's run id, or the folder's name.
RunRecord toRunRecord(const RunEntry& entry);

} // namespace dropoutlab::ui
