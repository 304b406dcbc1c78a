#pragma once

#include "dropoutlab/core/cancel_token.h"
#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/observer.h"
#include "dropoutlab/core/run_result.h"

#include <string>

namespace dropoutlab {

/// Trains and evaluates one configuration on the calling thread.
///
/// One training runs at a time in a process (torch's random generators and thread count are
/// process-wide): while one runs, a call from another thread throws DeviceError at once. Train in
/// parallel with several processes (sweep shards).
///
/// Throws ConfigError, DataError or DeviceError before training starts. Once training runs,
/// cancellation (checked at every batch), a non-finite loss and runtime failures are outcomes
/// in the returned RunResult, which always keeps the finished epochs.
RunResult runExperiment(const ExperimentConfig& config, ExperimentObserver& observer, const CancelToken& cancel);

/// True when this LibTorch build can use a CUDA device on this machine.
bool cudaAvailable();

/// The number of threads a config asks for, resolved (0 means all cores).
int resolvedThreadCount(const ExperimentConfig& config);

} // namespace dropoutlab
