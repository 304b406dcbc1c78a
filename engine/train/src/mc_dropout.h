#pragma once
// Internal: the passes of MC dropout over one image set (dropoutlab/train/uncertainty.h scores them).

#include "dropoutlab/core/calibration.h"
#include "dropoutlab/core/cancel_token.h"
#include "models.h"
#include "training_session.h"

#include <functional>
#include <vector>

namespace dropoutlab::detail {

/// What the passes over one image set produce.
struct SetPredictions {
    ProbabilityTable deterministic;        ///< eval mode (weight scaling)
    ProbabilityTable mc;                   ///< mean of the T passes' probabilities
    std::vector<double> entropyDeterministic;
    std::vector<double> entropyMc;         ///< of the mean
    std::vector<double> mutualInformation; ///< entropy of the mean - mean entropy of the passes
};

/// Deterministic and, when `stochastic`, MC predictions of `model` on every image of `set`, in
/// batches of `batchSize`. The layers before the first active dropout site run once per batch;
/// the rest runs `samples` times with dropout on (several passes stacked into one batch), drawing
/// masks from torch's generator of the model's device. `advance(n)` reports n more image passes.
/// False when `cancel` was set.
bool predictSet(NetImpl& model, const DeviceSet& set, int samples, int batchSize, bool stochastic,
                const CancelToken& cancel, const std::function<void(std::int64_t)>& advance, SetPredictions& out);

} // namespace dropoutlab::detail
