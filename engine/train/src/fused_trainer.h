#pragma once
// Internal: K runs that differ only in dropout rates and seeds, trained in one pass. The K
// models' weights are stacked: grouped convolutions (groups = K) and batched matrix products.
// Each member keeps its own initialisation, rates and optimiser state; all see the same batches
// (the first member's shuffle seed) and draw their dropout masks from one stream (the first
// member's dropout seed), so with p = 0 each member equals its separate run up to float rounding,
// and with p > 0 the statistics match.

#include "training_session.h"
#include "optimiser.h"

#include <vector>

namespace dropoutlab::detail {

/// True when `a` and `b` may share a fused pass (everything equal but dropout rates and the
/// initialisation/dropout seeds; same dropout kinds; no early stopping).
bool canFuse(const ExperimentConfig& a, const ExperimentConfig& b);

/// Dropout of K members at once. `keep` holds each member's keep probability (1 - p), on the
/// tensor's device. Layout `Channels`: x is [B, K*C, H, W] (member k owns channels k*C..);
/// `Members`: x is [K, B, F].
enum class FusedLayout { Channels, Members };
torch::Tensor fusedDropout(const torch::Tensor& x, const torch::Tensor& keep, FusedLayout layout, DropoutKind kind,
                           bool training);

/// K networks stacked into one: grouped convolutions, batched matrix products, built and run
/// from the members' NetworkSpec. The training loop is TrainingSession's.
class FusedNet final : public Learner {
public:
    /// Each member starts as its separate run would (its own init seed).
    FusedNet(const std::vector<ExperimentConfig>& members, const torch::Device& device);
    void trainStep(const torch::Tensor& images, const torch::Tensor& labels, torch::Tensor& lossSum,
                   torch::Tensor& correct) override;
    void evaluateBatch(const torch::Tensor& images, const torch::Tensor& labels, torch::Tensor& lossSum,
                       torch::Tensor& correct) override;
    void setTraining(bool) override {}  // forward() takes the mode
    void beginEpoch(int epoch) override { m_optimizer->beginEpoch(epoch); }
    std::vector<torch::Tensor> parameters() override { return m_parameters; }
    /// The members' logits [K, B, 10] for a normalised batch.
    /// The shared batch copied once per member: [K, B, F] for flat features, [B, K*C, H, W] for maps.
    torch::Tensor memberCopies(const torch::Tensor& x, std::int64_t batch) const;
    torch::Tensor forward(const torch::Tensor& input, bool training);
    /// Member k's parameters in the separate model's order and shapes.
    std::vector<torch::Tensor> memberParameters(int k) override;

private:
    struct Site {
        torch::Tensor keep;  ///< [K]
        DropoutKind kind = DropoutKind::Element;
        bool active = false; ///< some member drops here
    };
    void buildParameters();
    /// Each member's cross-entropy per image, [K, B], for the members' logits [K, B, 10].
    torch::Tensor memberLosses(const torch::Tensor& logits, const torch::Tensor& labels) const;

    std::vector<ExperimentConfig> m_members;
    int m_k = 0;
    NetworkSpec m_spec;  ///< the members' network (all the same)
    std::vector<char> m_reluInPlace;  ///< per layer: reluMayWorkInPlace
    torch::Device m_device;
    std::vector<torch::Tensor> m_parameters;        ///< stacked, see buildParameters()
    std::vector<LayerSpec::Kind> m_parameterKinds;  ///< the layer kind of each stacked parameter
    std::map<std::string, Site> m_sites;            ///< by dropout site name
    std::unique_ptr<TrainingOptimiser> m_optimizer;
};

/// K runs trained in one pass: a TrainingSession over a FusedNet.
class FusedGroup {
public:
    /// `observers[k]` receives member k's epochs; `progress` the group's batch progress.
    /// Throws ConfigError when the members cannot be fused, DataError/DeviceError like a run.
    FusedGroup(std::vector<ExperimentConfig> members, std::vector<ExperimentObserver*> observers,
               ExperimentObserver& progress, const CancelToken& cancel);
    /// Trains all members for their epochs and tests them; one result per member.
    std::vector<RunResult> run();
    /// The members' logits [K, B, 10] for a normalised batch (tests use it).
    torch::Tensor forward(const torch::Tensor& input, bool training);
    /// Member k's parameters in the separate model's order and shapes (tests use it).
    std::vector<torch::Tensor> memberParameters(int k);

private:
    FusedNet& net();
    TrainingSession m_session;
};

} // namespace dropoutlab::detail
