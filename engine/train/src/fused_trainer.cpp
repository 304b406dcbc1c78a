#include "fused_trainer.h"

#include "dropoutlab/core/errors.h"

#include <algorithm>
#include <cmath>

namespace dropoutlab::detail {
namespace {

constexpr int kClasses = 10;

ExperimentConfig withoutFusedFields(ExperimentConfig c)
{
    c.name.clear();
    for (auto& [site, setting] : c.dropout)
        setting.rate = 0.0;
    // Sites with rate 0 are absent in one config and present in another: compare kinds only
    // where both have the site.
    c.dropout.clear();
    c.seeds.init = c.seeds.dropout = 0;
    return c;
}

} // namespace

bool canFuse(const ExperimentConfig& a, const ExperimentConfig& b)
{
    if (a.earlyStoppingPatience > 0 || b.earlyStoppingPatience > 0)
        return false;
    if (!(withoutFusedFields(a) == withoutFusedFields(b)))
        return false;
    for (const auto& [site, setting] : a.dropout) {
        const auto it = b.dropout.find(site);
        if (it != b.dropout.end() && it->second.kind != setting.kind)
            return false;
    }
    return true;
}

torch::Tensor fusedDropout(const torch::Tensor& x, const torch::Tensor& keep, FusedLayout layout, DropoutKind kind,
                           bool training)
{
    if (!training)
        return x;
    const std::int64_t k = keep.size(0);
    torch::Tensor scale;
    torch::Tensor probabilities;
    if (layout == FusedLayout::Members) {
        scale = keep.view({k, 1, 1});
        probabilities = scale.expand_as(x);
    } else {
        const std::int64_t channels = x.size(1) / k;
        // keep[k] repeated for member k's channels (a view and a copy: no host synchronisation,
        // which a recorded CUDA graph would not allow)
        scale = keep.view({k, 1}).expand({k, channels}).reshape({1, k * channels, 1, 1});
        probabilities = kind == DropoutKind::Channel ? scale.expand({x.size(0), k * channels, 1, 1}) : scale.expand_as(x);
    }
    return x * torch::bernoulli(probabilities) / scale;
}

FusedNet::FusedNet(const std::vector<ExperimentConfig>& members, const torch::Device& device)
    : m_members(members), m_k(static_cast<int>(members.size())), m_spec(networkSpec(members.front())), m_device(device)
{
    for (const auto& siteInfo : dropoutSites(m_spec)) {
        Site s;
        std::vector<float> keep;
        for (const auto& member : m_members) {
            const DropoutSetting setting = dropoutSetting(member, siteInfo.name);
            if (setting.rate > 0.0)
                s.kind = setting.kind;
            s.active = s.active || setting.rate > 0.0;
            keep.push_back(static_cast<float>(1.0 - setting.rate));
        }
        s.keep = torch::tensor(keep).to(m_device);
        m_sites[siteInfo.name] = s;
    }
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i)
        m_reluInPlace.push_back(reluMayWorkInPlace(m_spec, i) ? 1 : 0);
    buildParameters();
    const ExperimentConfig& first = m_members.front();
    // Max-norm per unit of each member: a stacked linear weight is [K, in, out] (a unit's weights
    // run along dim 1), a grouped convolution's [K*out, in, k, k] (one filter per row).
    // m_parameters holds each weighted layer's weight then bias, in weightedLayers() order.
    const auto layers = weightedLayers(m_spec);
    std::vector<NormConstraint> constraints;
    for (const auto& name : maxNormLayerNames(first)) {
        const auto layer = static_cast<std::size_t>(std::find(layers.begin(), layers.end(), name) - layers.begin());
        const torch::Tensor& weight = m_parameters[2 * layer];
        constraints.push_back({weight, weight.dim() == 4 ? std::vector<std::int64_t>{1, 2, 3} : std::vector<std::int64_t>{1}});
    }
    m_optimizer = std::make_unique<TrainingOptimiser>(first, m_parameters, std::move(constraints));
}

void FusedNet::buildParameters()
{
    // Each member starts exactly as its separate run would: its own model, its own init seed.
    std::vector<std::vector<torch::Tensor>> perMember;
    for (const auto& member : m_members) {
        torch::manual_seed(member.seeds.init);
        auto model = makeModel(member);
        std::vector<torch::Tensor> params;
        for (const auto& p : model->parameters())
            params.push_back(p.detach());
        perMember.push_back(std::move(params));
    }
    // Parameters come per layer, weight then bias, in the spec's order.
    std::size_t index = 0;
    for (const auto& layer : m_spec.layers) {
        if (layer.kind != LayerSpec::Kind::Conv && layer.kind != LayerSpec::Kind::Linear)
            continue;
        for (int part = 0; part < 2; ++part, ++index) {
            std::vector<torch::Tensor> pieces;
            for (const auto& params : perMember)
                pieces.push_back(params[index]);
            torch::Tensor stacked;
            if (layer.kind == LayerSpec::Kind::Conv) {
                stacked = torch::cat(pieces, 0);  // grouped convolution: members one after another
            } else if (part == 0) {
                for (auto& w : pieces)
                    w = w.t();                    // Linear [out, in] -> [in, out] for bmm
                stacked = torch::stack(pieces, 0);
            } else {
                stacked = torch::stack(pieces, 0).unsqueeze(1);  // bias [K, 1, out]
            }
            m_parameters.push_back(inConvolutionLayout(stacked.to(m_device)).requires_grad_(true));
            m_parameterKinds.push_back(layer.kind);
        }
    }
}

std::vector<torch::Tensor> FusedNet::memberParameters(int k)
{
    std::vector<torch::Tensor> params;
    for (std::size_t i = 0; i < m_parameters.size(); ++i) {
        const torch::Tensor& p = m_parameters[i];
        if (m_parameterKinds[i] == LayerSpec::Kind::Conv) {
            const std::int64_t rows = p.size(0) / m_k;
            params.push_back(p.narrow(0, k * rows, rows).detach());
        } else if (i % 2 == 1) {
            params.push_back(p[k].squeeze(0).detach());
        } else {
            params.push_back(p[k].t().detach());
        }
    }
    return params;
}

torch::Tensor FusedNet::memberCopies(const torch::Tensor& x, std::int64_t batch) const
{
    if (x.dim() == 2)
        return x.unsqueeze(0).expand({m_k, batch, x.size(1)});  // flat: members first, [K, B, F]
    // Maps: members side by side in channels, [B, K*C, H, W].
    return x.size(1) == 1 ? x.expand({batch, m_k, x.size(2), x.size(3)}) : x.repeat({1, m_k, 1, 1});
}

torch::Tensor FusedNet::forward(const torch::Tensor& input, bool training)
{
    // The batch moves through three layouts: shared by all members ([B, C, H, W], before the first
    // layer that differs), members side by side in channels ([B, K*C, H, W], grouped convolutions),
    // members first ([K, B, F], batched matrix products).
    enum class Layout { Shared, Channels, Members };
    Layout layout = Layout::Shared;
    torch::Tensor x = input;
    const std::int64_t batch = input.size(0);
    std::size_t param = 0;
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i) {
        const LayerSpec& layer = m_spec.layers[i];
        switch (layer.kind) {
        case LayerSpec::Kind::Conv: {
            const auto& w = m_parameters[param];
            const auto& b = m_parameters[param + 1];
            param += 2;
            // Identical inputs: one convolution with the members' filters side by side.
            x = torch::conv2d(x, w, b, layer.stride, layer.padding, 1, layout == Layout::Shared ? 1 : m_k);
            layout = Layout::Channels;
            break;
        }
        case LayerSpec::Kind::Linear: {
            if (layout == Layout::Shared)
                x = x.flatten(1).unsqueeze(0).expand({m_k, batch, x.numel() / batch});
            x = torch::baddbmm(m_parameters[param + 1], x, m_parameters[param]);
            param += 2;
            layout = Layout::Members;
            break;
        }
        case LayerSpec::Kind::GlobalAvgPool:
            x = poolOrActivate(x, layer, false);
            if (layout == Layout::Channels) {
                x = x.view({batch, m_k, x.size(1) / m_k}).transpose(0, 1);  // [K, B, C]
                layout = Layout::Members;
            }
            break;
        case LayerSpec::Kind::Flatten:
            if (layout == Layout::Channels) {
                x = x.reshape({batch, m_k, x.numel() / (batch * m_k)}).transpose(0, 1);  // [K, B, F]
            } else if (layout == Layout::Shared) {
                x = x.flatten(1).unsqueeze(0).expand({m_k, batch, x.numel() / batch});
            }
            layout = Layout::Members;
            break;
        case LayerSpec::Kind::Dropout: {
            const Site& s = m_sites.at(layer.name);
            if (!s.active)
                break;
            if (layout == Layout::Shared) {
                // Each member sees its own dropped-out copy: from here on the members differ.
                x = memberCopies(x, batch);
                layout = x.dim() == 3 ? Layout::Members : Layout::Channels;
            }
            x = fusedDropout(x, s.keep, layout == Layout::Members ? FusedLayout::Members : FusedLayout::Channels,
                             s.kind, training);
            break;
        }
        case LayerSpec::Kind::BatchNorm:
        case LayerSpec::Kind::LayerNorm:
            throw ConfigError(fusionRefusal(m_spec));  // makeFusedLearner refuses these first
        default: x = poolOrActivate(x, layer, m_reluInPlace[i] != 0); break;  // per channel or element: any layout
        }
    }
    return x;
}

torch::Tensor FusedNet::memberLosses(const torch::Tensor& logits, const torch::Tensor& labels) const
{
    const std::int64_t size = labels.size(0);
    return torch::nn::functional::cross_entropy(logits.reshape({m_k * size, kClasses}), labels.repeat({m_k}),
                                                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
        .view({m_k, size});
}

void FusedNet::trainStep(const torch::Tensor& images, const torch::Tensor& labels, torch::Tensor& lossSum,
                         torch::Tensor& correct)
{
    const auto logits = forward(images, true);  // [K, B, 10]
    const auto memberLoss = memberLosses(logits, labels).mean(1);  // [K]
    m_optimizer->zeroGrad();
    // The sum of the members' mean losses: each member gets its own run's gradient.
    memberLoss.sum().backward();
    m_optimizer->step();
    lossSum += memberLoss.detach().to(torch::kDouble);
    correct += logits.detach().argmax(2).eq(labels.unsqueeze(0)).sum(1);
}

void FusedNet::evaluateBatch(const torch::Tensor& images, const torch::Tensor& labels, torch::Tensor& lossSum,
                             torch::Tensor& correct)
{
    const auto logits = forward(images, false);
    lossSum += memberLosses(logits, labels).sum(1).to(torch::kDouble);
    correct += logits.argmax(2).eq(labels.unsqueeze(0)).sum(1);
}

std::string fusionRefusal(const ExperimentConfig& config)
{
    for (const auto& [site, setting] : config.dropout) {
        if (setting.rate > 0.0 && setting.kind != DropoutKind::Element && setting.kind != DropoutKind::Channel)
            return "dropout site " + site + ": the fused trainer has element and channel dropout only, not '" +
                   toString(setting.kind) + "'; train these runs with --fuse 1";
        if (setting.schedule != RateSchedule::Constant)
            return "dropout site " + site + ": the fused trainer keeps rates constant, and this one follows a " +
                   toString(setting.schedule) + " schedule; train these runs with --fuse 1";
    }
    return fusionRefusal(networkSpec(config));
}

std::string fusionRefusal(const NetworkSpec& spec)
{
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const LayerSpec& layer = spec.layers[i];
        if (layer.kind == LayerSpec::Kind::BatchNorm || layer.kind == LayerSpec::Kind::LayerNorm)
            return layerLabel(layer, i + 1) + ": the fused trainer cannot fuse " + toString(layer.kind) +
                   " (its statistics and scales would be shared by the members); train these runs with --fuse 1";
    }
    return {};
}

std::unique_ptr<Learner> makeFusedLearner(const std::vector<ExperimentConfig>& members, const torch::Device& device)
{
    std::string refusal;
    for (const auto& member : members)
        if (refusal.empty())
            refusal = fusionRefusal(member);
    if (!refusal.empty())
        throw ConfigError(refusal);
    return std::make_unique<FusedNet>(members, device);
}

FusedGroup::FusedGroup(std::vector<ExperimentConfig> members, std::vector<ExperimentObserver*> observers,
                       ExperimentObserver& progress, const CancelToken& cancel)
    : m_session(std::move(members), std::move(observers), progress, cancel)
{
}

std::vector<RunResult> FusedGroup::run()
{
    while (m_session.runEpoch()) {
    }
    return m_session.finishAll();
}

FusedNet& FusedGroup::net()
{
    return static_cast<FusedNet&>(m_session.learner());
}

torch::Tensor FusedGroup::forward(const torch::Tensor& input, bool training)
{
    return net().forward(input, training);
}

std::vector<torch::Tensor> FusedGroup::memberParameters(int k)
{
    return net().memberParameters(k);
}

} // namespace dropoutlab::detail
