#pragma once
// Training with its results recorded in a run folder (the torch library; the folder format and
// its readers are the core's, in results.h).

#include "dropoutlab/core/cancel_token.h"
#include "dropoutlab/train/experiment.h"
#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/run_result.h"

#include <string>

namespace dropoutlab {

/// Runs `config` with results recorded in `runDir` (see RunWriter), forwarding to `observer`.
/// If the run cannot start (config, data or device error) result.json records status `failed`
/// with the message, and the error is rethrown.
RunResult runExperimentRecorded(const ExperimentConfig& config, const std::string& runDir,
                                ExperimentObserver& observer, const CancelToken& cancel);

} // namespace dropoutlab
