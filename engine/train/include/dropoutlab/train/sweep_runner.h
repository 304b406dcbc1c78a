#pragma once
// Sweeps: training the runs of a sweep into its folder. Torch library (dropoutlab_engine).

#include "dropoutlab/core/cancel_token.h"
#include "dropoutlab/train/experiment.h"
#include "dropoutlab/core/sweep_folder.h"
#include "dropoutlab/core/sweep_spec.h"

#include <functional>
#include <string>
#include <vector>

namespace dropoutlab {

/// Runs the given runs of a sweep into its folder, one at a time, skipping finished ones and
/// redoing interrupted ones. Returns the results of the runs it ran.
struct SweepProgress {
    virtual ~SweepProgress() = default;
    virtual void onRunStart(const SweepRun& /*run*/, int /*index*/, int /*count*/) {}
    virtual void onRunSkipped(const SweepRun& /*run*/) {}
    virtual void onRunEnd(const SweepRun& /*run*/, const RunResult& /*result*/) {}
    virtual ExperimentObserver& observer() = 0;
    /// Where a run's epochs go when several runs train at once (fused); default: observer().
    virtual ExperimentObserver& observerFor(const SweepRun& /*run*/) { return observer(); }
};
/// `fuse` > 1 trains up to that many runs at once in one fused pass (runs that differ only in
/// dropout rates and seeds; they share the batch order). Not combined with successive halving.
std::vector<RunResult> runSweep(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepFolder& folder,
                                SweepProgress& progress, const CancelToken& cancel, int fuse = 1);

} // namespace dropoutlab
