#pragma once
// What a run reports while it trains (core library: the interface; the torch library calls it).

#include "dropoutlab/core/run_result.h"

#include <string>

namespace dropoutlab {

/// Receives a run's progress. Called on the thread that runs the experiment; values only.
class ExperimentObserver {
public:
    virtual ~ExperimentObserver() = default;
    virtual void onStart(const RunInfo& /*info*/) {}
    virtual void onBatch(const BatchProgress& /*progress*/) {}
    virtual void onEpoch(const EpochMetrics& /*metrics*/) {}
    virtual void onLog(const std::string& /*line*/) {}
    /// Where the training saves the tested weights of the run when it completes (model.pt in its
    /// run folder); empty: they are not saved.
    virtual std::string modelFile() const { return {}; }
};

} // namespace dropoutlab
