#include "optimiser.h"

#include "models.h"

namespace dropoutlab::detail {

void applyMaxNorm(torch::Tensor& weight, const std::vector<std::int64_t>& dims, double bound)
{
    torch::NoGradGuard noGrad;
    const auto norms = weight.norm(2, dims, /*keepdim=*/true);
    // bound / norm is above 1 for units inside the bound (infinite for a zero unit): clamped to 1.
    weight.mul_((bound / norms).clamp_max_(1.0));
}

std::vector<NormConstraint> maxNormConstraints(NetImpl& model, const ExperimentConfig& config)
{
    std::vector<NormConstraint> constraints;
    const auto named = model.named_parameters();
    for (const auto& layer : maxNormLayerNames(config)) {
        const torch::Tensor weight = named[layer + ".weight"];
        std::vector<std::int64_t> dims;
        for (std::int64_t d = 1; d < weight.dim(); ++d)
            dims.push_back(d);
        constraints.push_back({weight, dims});
    }
    return constraints;
}

namespace {

/// The rate torch's optimiser gets in `epoch`. The papers' dampened momentum,
/// dw <- m dw - (1 - m) lr g, is torch's SGD (buf <- m buf + g, w <- w - rate buf) with
/// rate = (1 - m) lr: the same update while m and lr are constant, including the first step
/// (torch's dampening option would not dampen the first step, which starts a net at learning
/// rate 10 twice as fast as the papers').
double optimiserRate(const ExperimentConfig& c, int epoch)
{
    const double lr = learningRateAt(c, epoch);
    if (c.optimiser == OptimiserKind::Sgd && c.dampenedMomentum)
        return (1.0 - momentumAt(c, epoch)) * lr;
    return lr;
}

std::unique_ptr<torch::optim::Optimizer> makeOptimiser(const ExperimentConfig& c, std::vector<torch::Tensor> parameters)
{
    const double lr = optimiserRate(c, 1);
    switch (c.optimiser) {
    case OptimiserKind::Sgd:
        return std::make_unique<torch::optim::SGD>(std::move(parameters), torch::optim::SGDOptions(lr)
                                                                               .momentum(momentumAt(c, 1))
                                                                               .nesterov(c.nesterov)
                                                                               .weight_decay(c.weightDecay));
    case OptimiserKind::Adam:
        return std::make_unique<torch::optim::Adam>(
            std::move(parameters),
            torch::optim::AdamOptions(lr).betas({c.adamBeta1, c.adamBeta2}).eps(c.adamEps).weight_decay(c.weightDecay));
    case OptimiserKind::AdamW:
        return std::make_unique<torch::optim::AdamW>(
            std::move(parameters),
            torch::optim::AdamWOptions(lr).betas({c.adamBeta1, c.adamBeta2}).eps(c.adamEps).weight_decay(c.weightDecay));
    }
    throw std::logic_error("unknown optimiser");
}

} // namespace

TrainingOptimiser::TrainingOptimiser(const ExperimentConfig& config, std::vector<torch::Tensor> parameters,
                                     std::vector<NormConstraint> constraints)
    : m_config(config), m_optimizer(makeOptimiser(config, std::move(parameters))), m_constraints(std::move(constraints))
{
}

void TrainingOptimiser::beginEpoch(int epoch)
{
    auto& options = m_optimizer->param_groups().front().options();
    options.set_lr(optimiserRate(m_config, epoch));
    if (m_config.optimiser == OptimiserKind::Sgd)
        static_cast<torch::optim::SGDOptions&>(options).momentum(momentumAt(m_config, epoch));
}

void TrainingOptimiser::zeroGrad()
{
    // On the CPU the gradients are dropped instead of zeroed: the backward pass then hands its
    // gradient buffers over instead of adding them to zeros (a fill and an add per parameter per
    // step; the values are the same, 0 + g == g). Recorded CUDA graphs need the gradients to stay
    // where they are, so there they are zeroed.
    const auto& params = m_optimizer->param_groups().front().params();
    if (!params.empty() && params.front().device().is_cpu()) {
        for (auto& group : m_optimizer->param_groups()) {
            for (auto& p : group.params())
                p.mutable_grad().reset();
        }
        return;
    }
    m_optimizer->zero_grad();
}

void TrainingOptimiser::step()
{
    m_optimizer->step();
    for (auto& constraint : m_constraints)
        applyMaxNorm(constraint.weight, constraint.dims, m_config.maxNorm);
}

bool stepIsReplayable(const ExperimentConfig& config)
{
    // The graph holds the step's kernels as captured: rates that change per epoch, and the kinds
    // beyond element and channel (not checked under capture), run eagerly.
    for (const auto& [site, setting] : config.dropout)
        if (setting.schedule != RateSchedule::Constant ||
            (setting.kind != DropoutKind::Element && setting.kind != DropoutKind::Channel))
            return false;
    return config.optimiser == OptimiserKind::Sgd && !hasEpochSchedule(config);
}

} // namespace dropoutlab::detail
