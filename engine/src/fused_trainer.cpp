#include "fused_trainer.h"

#include "dropoutlab/errors.h"

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

FusedGroup::FusedGroup(std::vector<ExperimentConfig> members, std::vector<ExperimentObserver*> observers,
                       ExperimentObserver& progress, const CancelToken& cancel)
    : m_members(std::move(members)), m_observers(std::move(observers)), m_progress(progress), m_cancel(cancel),
      m_k(static_cast<int>(m_members.size())), m_device(torch::kCPU)
{
    const TrainingTurn turn;
    if (m_members.empty() || m_observers.size() != m_members.size())
        throw ConfigError("a fused group needs one observer per member");
    for (const auto& member : m_members) {
        validateConfig(member);
        if (!canFuse(m_members.front(), member))
            throw ConfigError("run '" + member.name + "' differs from '" + m_members.front().name +
                              "' in more than dropout rates and seeds, so it cannot be fused with it");
    }
    const ExperimentConfig& first = m_members.front();
    m_spec = networkSpec(first);
    m_device = resolveDevice(first.device);
    m_run = prepareRun(first, m_device);

    for (const auto& siteInfo : dropoutSites(m_spec)) {
        Site s;
        std::vector<float> keep;
        for (const auto& member : m_members) {
            const auto it = member.dropout.find(siteInfo.name);
            const double rate = it == member.dropout.end() ? 0.0 : it->second.rate;
            if (it != member.dropout.end() && rate > 0.0)
                s.kind = it->second.kind;
            s.active = s.active || rate > 0.0;
            keep.push_back(static_cast<float>(1.0 - rate));
        }
        s.keep = torch::tensor(keep).to(m_device);
        m_sites[siteInfo.name] = s;
    }
    buildParameters();
    m_optimizer = std::make_unique<torch::optim::SGD>(
        m_parameters, torch::optim::SGDOptions(first.learningRate).momentum(first.momentum));
    const auto options = torch::TensorOptions().device(m_device);
    m_stepGraph = std::make_unique<StepGraph>(m_device);
    m_batchIndices = torch::empty({first.batchSize}, options.dtype(torch::kLong));
    m_lossSum = torch::zeros({m_k}, options.dtype(torch::kDouble));
    m_correct = torch::zeros({m_k}, options.dtype(torch::kLong));
    torch::manual_seed(first.seeds.dropout);
    RunInfo info{describeDevice(m_device), resolvedThreadCount(first), static_cast<std::int64_t>(m_run.trainIndices.size()),
                 m_run.validationCount, m_run.bytes->testCount(),
                 static_cast<int>((m_run.trainIndices.size() + first.batchSize - 1) / first.batchSize)};
    for (auto* observer : m_observers)
        observer->onStart(info);
    m_progress.onLog("training " + std::to_string(m_k) + " " + toString(first.model) + " models fused on " + info.device +
                     (m_stepGraph->enabled() ? "; steps replayed as CUDA graphs" : ""));
}

FusedGroup::~FusedGroup() = default;

void FusedGroup::buildParameters()
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
            m_parameters.push_back(stacked.contiguous().to(m_device).requires_grad_(true));
            m_parameterKinds.push_back(layer.kind);
        }
    }
}

std::vector<torch::Tensor> FusedGroup::memberParameters(int k) const
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

torch::Tensor FusedGroup::forward(const torch::Tensor& input, bool training)
{
    // The batch moves through three layouts: shared by all members ([B, C, H, W], before the first
    // layer that differs), members side by side in channels ([B, K*C, H, W], grouped convolutions),
    // members first ([K, B, F], batched matrix products).
    enum class Layout { Shared, Channels, Members };
    Layout layout = Layout::Shared;
    torch::Tensor x = input;
    const std::int64_t batch = input.size(0);
    std::size_t param = 0;
    for (const auto& layer : m_spec.layers) {
        switch (layer.kind) {
        case LayerSpec::Kind::Conv: {
            const auto& w = m_parameters[param];
            const auto& b = m_parameters[param + 1];
            param += 2;
            // Identical inputs: one convolution with the members' filters side by side.
            x = torch::conv2d(x, w, b, 1, layer.padding, 1, layout == Layout::Shared ? 1 : m_k);
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
        case LayerSpec::Kind::MaxPool: x = torch::max_pool2d(x, 2); break;
        case LayerSpec::Kind::Relu: x = x.relu_(); break;
        case LayerSpec::Kind::Flatten:
            if (layout == Layout::Channels) {
                x = x.reshape({batch, m_k, x.numel() / (batch * m_k)}).transpose(0, 1);  // [K, B, F]
            } else {
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
                x = x.size(1) == 1 ? x.expand({batch, m_k, x.size(2), x.size(3)}) : x.repeat({1, m_k, 1, 1});
                layout = Layout::Channels;
            }
            x = fusedDropout(x, s.keep, layout == Layout::Members ? FusedLayout::Members : FusedLayout::Channels,
                             s.kind, training);
            break;
        }
        }
    }
    return x;
}

FusedGroup::Evaluation FusedGroup::evaluate(const DeviceSet& set, const torch::Tensor& indices)
{
    torch::NoGradGuard noGrad;
    const std::int64_t count = indices.defined() ? indices.size(0) : set.labels.size(0);
    const int batchSize = m_members.front().evalBatchSize;
    auto lossSum = torch::zeros({m_k}, torch::TensorOptions().dtype(torch::kDouble).device(m_device));
    auto correct = torch::zeros({m_k}, torch::TensorOptions().dtype(torch::kLong).device(m_device));
    for (std::int64_t start = 0; start < count; start += batchSize) {
        if (m_cancel.isCancelled())
            return {{}, {}, true};
        const std::int64_t size = std::min<std::int64_t>(batchSize, count - start);
        const auto [images, labels] = evaluationBatch(set, indices, start, size);
        const auto logits = forward(normalise(images), false);  // [K, B, 10]
        const auto perSample = torch::nn::functional::cross_entropy(
            logits.reshape({m_k * size, kClasses}), labels.repeat({m_k}),
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
        lossSum += perSample.view({m_k, size}).sum(1).to(torch::kDouble);
        correct += logits.argmax(2).eq(labels.unsqueeze(0)).sum(1);
    }
    Evaluation e;
    const auto losses = lossSum.cpu();
    const auto hits = correct.cpu();
    for (int k = 0; k < m_k; ++k) {
        e.loss.push_back(losses[k].item<double>() / static_cast<double>(count));
        e.accuracy.push_back(static_cast<double>(hits[k].item<std::int64_t>()) / static_cast<double>(count));
    }
    return e;
}

void FusedGroup::trainStep(const torch::Tensor& indices)
{
    const std::int64_t size = indices.size(0);
    const auto labels = m_run.train.labels.index_select(0, indices);
    const auto logits = forward(normalise(m_run.train.images.index_select(0, indices)), true);
    const auto perSample = torch::nn::functional::cross_entropy(
        logits.reshape({m_k * size, kClasses}), labels.repeat({m_k}),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    const auto memberLoss = perSample.view({m_k, size}).mean(1);  // [K]
    m_optimizer->zero_grad();
    // The sum of the members' mean losses: each member gets its own run's gradient.
    memberLoss.sum().backward();
    m_optimizer->step();
    m_lossSum += memberLoss.detach().to(torch::kDouble);
    m_correct += logits.detach().argmax(2).eq(labels.unsqueeze(0)).sum(1);
}

std::vector<RunResult> FusedGroup::run()
{
    const TrainingTurn turn;
    const ExperimentConfig& first = m_members.front();
    const auto start = Clock::now();
    std::vector<RunResult> results(static_cast<std::size_t>(m_k));
    for (auto& r : results) {
        r.device = describeDevice(m_device);
        r.threads = resolvedThreadCount(first);
    }
    std::vector<bool> alive(static_cast<std::size_t>(m_k), true);
    auto finishAll = [&](RunStatus status, const std::string& message) {
        for (int k = 0; k < m_k; ++k) {
            if (!alive[static_cast<std::size_t>(k)])
                continue;
            results[static_cast<std::size_t>(k)].status = status;
            results[static_cast<std::size_t>(k)].message = message;
        }
    };
    SeededShuffler shuffler(first.seeds.shuffle);
    const auto trainCount = static_cast<std::int64_t>(m_run.trainIndices.size());
    const int batches = static_cast<int>((trainCount + first.batchSize - 1) / first.batchSize);
    try {
        for (int epoch = 1; epoch <= first.epochs; ++epoch) {
            injectOomIfAsked(epoch, m_device);
            const auto epochStart = Clock::now();
            shuffler.shuffle(m_run.trainIndices);
            const auto streamScope = m_stepGraph->streamScope();
            const torch::Tensor order = indexTensor(m_run.trainIndices, m_device);
            m_lossSum.zero_();
            m_correct.zero_();
            auto& lossSum = m_lossSum;
            auto& correct = m_correct;
            std::int64_t seen = 0;
            for (int b = 0; b < batches; ++b) {
                if (m_cancel.isCancelled()) {
                    finishAll(RunStatus::Cancelled, "cancelled during epoch " + std::to_string(epoch));
                    return results;
                }
                const std::int64_t offset = std::int64_t{b} * first.batchSize;
                const std::int64_t size = std::min<std::int64_t>(first.batchSize, trainCount - offset);
                torch::Tensor indices = order.narrow(0, offset, size);
                const bool fullBatch = size == first.batchSize;
                if (m_stepGraph->enabled() && fullBatch) {
                    m_batchIndices.copy_(indices);
                    indices = m_batchIndices;
                }
                m_stepGraph->step([&] { trainStep(indices); }, fullBatch);
                seen += size;
                if ((b + 1) % first.progressEvery == 0 || b + 1 == batches) {
                    const double elapsed = secondsSince(epochStart);
                    const auto losses = lossSum.cpu();
                    m_progress.onBatch({epoch, first.epochs, b + 1, batches, losses.mean().item<double>() / (b + 1),
                                        correct.sum().item<std::int64_t>() / static_cast<double>(seen * m_k),
                                        elapsed > 0 ? static_cast<double>(seen * m_k) / elapsed : 0.0,
                                        secondsSince(start)});
                }
            }
            if (const auto reason = m_stepGraph->takeFallbackReason(); !reason.empty())
                m_progress.onLog(reason);
            const double trainSeconds = secondsSince(epochStart);
            const auto validationStart = Clock::now();
            const Evaluation validation = evaluate(m_run.train, m_run.validationIndices);
            if (validation.cancelled) {
                finishAll(RunStatus::Cancelled, "cancelled during validation of epoch " + std::to_string(epoch));
                return results;
            }
            const auto losses = lossSum.cpu();
            const auto hits = correct.cpu();
            for (int k = 0; k < m_k; ++k) {
                const auto kk = static_cast<std::size_t>(k);
                if (!alive[kk])
                    continue;
                EpochMetrics m;
                m.epoch = epoch;
                m.trainLoss = losses[k].item<double>() / batches;
                m.trainAccuracy = static_cast<double>(hits[k].item<std::int64_t>()) / static_cast<double>(seen);
                m.valLoss = validation.loss[kk];
                m.valAccuracy = validation.accuracy[kk];
                m.trainSeconds = trainSeconds;
                m.valSeconds = secondsSince(validationStart);
                m.seconds = secondsSince(epochStart);
                if (!std::isfinite(m.trainLoss) || !std::isfinite(m.valLoss)) {
                    // Its weights no longer mean anything; the others go on unaffected.
                    alive[kk] = false;
                    results[kk].status = RunStatus::Diverged;
                    results[kk].divergedEpoch = epoch;
                    results[kk].message = "loss became non-finite during epoch " + std::to_string(epoch) +
                                          " (fused training checks once per epoch; try a smaller learning rate)";
                    continue;
                }
                results[kk].epochs.push_back(m);
                results[kk].bestValAccuracy = std::max(results[kk].bestValAccuracy, m.valAccuracy);
                m_observers[kk]->onEpoch(m);
            }
        }
        const Evaluation testing = evaluate(m_run.test, torch::Tensor());
        if (testing.cancelled) {
            finishAll(RunStatus::Cancelled, "cancelled during the test evaluation");
            return results;
        }
        for (int k = 0; k < m_k; ++k) {
            const auto kk = static_cast<std::size_t>(k);
            if (!alive[kk])
                continue;
            results[kk].status = RunStatus::Completed;
            results[kk].testAccuracy = testing.accuracy[kk];
            results[kk].testLoss = testing.loss[kk];
        }
    } catch (const std::exception& error) {
        finishAll(RunStatus::Failed, failureMessage(error, m_device));
    }
    for (auto& r : results)
        r.wallSeconds = secondsSince(start);
    return results;
}

} // namespace dropoutlab::detail
