#pragma once
// Internal: the optimiser of a run or a fused group. Torch's SGD, Adam or AdamW with the epoch's
// learning rate and momentum (dropoutlab::learningRateAt / momentumAt), and the max-norm
// constraint applied after every step. The single network and the fused group share it.

#include "dropoutlab/core/experiment_config.h"

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace dropoutlab::detail {

/// A weight tensor whose units max-norm bounds; a unit's incoming weights are the elements along
/// `dims` (a linear layer's [out, in] weight: {1}; a convolution's [out, in, k, k]: {1, 2, 3}).
struct NormConstraint {
    torch::Tensor weight;
    std::vector<std::int64_t> dims;
};

/// Rescales every unit of `weight` whose L2 norm over `dims` exceeds `bound` to norm `bound`;
/// the others are multiplied by exactly 1 (left bitwise unchanged).
void applyMaxNorm(torch::Tensor& weight, const std::vector<std::int64_t>& dims, double bound);

class NetImpl;

/// The max-norm constraints of a single network (config.maxNorm, maxNormLayerNames()).
std::vector<NormConstraint> maxNormConstraints(NetImpl& model, const ExperimentConfig& config);

class TrainingOptimiser {
public:
    TrainingOptimiser(const ExperimentConfig& config, std::vector<torch::Tensor> parameters,
                      std::vector<NormConstraint> constraints);
    /// Sets the learning rate and momentum of `epoch` (1-based).
    void beginEpoch(int epoch);
    void zeroGrad();
    /// The optimiser's step, then max-norm.
    void step();

private:
    ExperimentConfig m_config;
    std::unique_ptr<torch::optim::Optimizer> m_optimizer;
    std::vector<NormConstraint> m_constraints;
};

/// True when a training step may be recorded once and replayed as a CUDA graph: the step's
/// scalars (learning rate, momentum, Adam's bias corrections) must not change between steps.
bool stepIsReplayable(const ExperimentConfig& config);

} // namespace dropoutlab::detail
