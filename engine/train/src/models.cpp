#include "models.h"
#include "env_switch.h"
#include "kernels/max_pool.h"
#include "kernels/winograd_conv.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace dropoutlab::detail {

using Kind = LayerSpec::Kind;

DropoutSetting dropoutSetting(const ExperimentConfig& config, const std::string& site)
{
    const auto it = config.dropout.find(site);
    return it == config.dropout.end() ? DropoutSetting{} : it->second;
}

torch::Tensor maxPool2x2(const torch::Tensor& x)
{
    using torch::indexing::Slice;
    if (fitsChannelsLastPool(x))
        return maxPool2x2ChannelsLast(x);
    if (torch::GradMode::is_enabled() || x.dim() != 4 || x.size(2) % 2 != 0 || x.size(3) % 2 != 0)
        return torch::max_pool2d(x, 2);
    const auto even = Slice(0, torch::indexing::None, 2);
    const auto odd = Slice(1, torch::indexing::None, 2);
    const auto all = Slice();
    const auto top = torch::maximum(x.index({all, all, even, even}), x.index({all, all, even, odd}));
    const auto bottom = torch::maximum(x.index({all, all, odd, even}), x.index({all, all, odd, odd}));
    return torch::maximum(top, bottom);
}

namespace {

c10::optional<at::Generator> optionalGenerator(at::Generator* generator)
{
    return generator ? c10::optional<at::Generator>(*generator) : c10::nullopt;
}

/// Alpha dropout (Klambauer et al. 2017): dropped units take SELU's saturation value -lambda alpha,
/// then an affine map a x + b restores mean 0 and variance 1 of a standardised input.
torch::Tensor alphaDropout(const torch::Tensor& x, double p, at::Generator* generator)
{
    constexpr double kAlphaPrime = -1.7580993408473766;  // -lambda * alpha of SELU
    const double q = 1.0 - p;
    const double a = 1.0 / std::sqrt(q * (1.0 + p * kAlphaPrime * kAlphaPrime));
    const double b = -a * kAlphaPrime * p;
    const auto keep = torch::empty_like(x).bernoulli_(q, optionalGenerator(generator));
    return (x * keep + kAlphaPrime * (1.0 - keep)) * a + b;
}

/// DropBlock (Ghiasi et al. 2018): block seeds with probability gamma where a whole block fits,
/// grown to blockSize x blockSize zeros per feature map, the rest scaled by count / kept.
torch::Tensor dropBlock(const torch::Tensor& x, double p, int blockSize, at::Generator* generator)
{
    if (x.dim() != 4)
        throw std::logic_error("dropblock needs feature maps (N x C x H x W)");
    const std::int64_t h = x.size(2), w = x.size(3), bs = std::min<std::int64_t>(blockSize, std::min(h, w));
    const double gamma = p / static_cast<double>(bs * bs) * static_cast<double>(h * w) /
                         static_cast<double>((h - bs + 1) * (w - bs + 1));
    auto seeds = torch::empty({x.size(0), x.size(1), h - bs + 1, w - bs + 1}, x.options().memory_format(at::MemoryFormat::Contiguous))
                     .bernoulli_(std::min(1.0, gamma), optionalGenerator(generator));
    seeds = torch::constant_pad_nd(seeds, {bs - 1, bs - 1, bs - 1, bs - 1}, 0.0);
    const auto keep = 1.0 - torch::max_pool2d(seeds, {bs, bs}, {1, 1});
    const auto kept = keep.sum().clamp_min(1.0);
    return x * keep * (static_cast<double>(keep.numel()) / kept);
}

} // namespace

torch::Tensor applyDropout(const torch::Tensor& input, const DropoutSetting& setting, bool active, at::Generator* generator)
{
    if (!active || setting.rate == 0.0 || setting.kind == DropoutKind::DropConnect)
        return input;  // DropConnect masks the next weighted layer's weights instead (NetImpl)
    const double p = setting.rate;
    switch (setting.kind) {
    case DropoutKind::Gaussian: {
        // Multiplicative N(1, p / (1 - p)) noise: the same mean and variance as Bernoulli dropout's.
        const auto noise = torch::empty_like(input).normal_(1.0, std::sqrt(p / (1.0 - p)), optionalGenerator(generator));
        return input * noise;
    }
    case DropoutKind::Alpha: return alphaDropout(input, p, generator);
    case DropoutKind::DropBlock: return dropBlock(input, p, setting.blockSize, generator);
    default: break;
    }
    if (!generator) {
        // Torch's own kernels, as the reference experiment has always used them.
        if (setting.kind == DropoutKind::Channel)
            return torch::feature_dropout(input, p, true);
        return torch::dropout(input, p, true);
    }
    const double keep = 1.0 - p;
    std::vector<std::int64_t> maskShape = input.sizes().vec();
    if (setting.kind == DropoutKind::Channel && input.dim() > 2) {
        for (std::size_t d = 2; d < maskShape.size(); ++d)
            maskShape[d] = 1;  // one draw per feature map
    }
    const auto mask = torch::empty(maskShape, input.options()).bernoulli_(keep, *generator);
    return input * mask / keep;
}

bool reluMayWorkInPlace(const NetworkSpec& spec, std::size_t i)
{
    while (i > 0) {
        const Kind before = spec.layers[i - 1].kind;
        if (before == Kind::Dropout || before == Kind::Flatten) {
            --i;
            continue;
        }
        return before == Kind::Conv || before == Kind::Linear || before == Kind::MaxPool || before == Kind::AvgPool ||
               before == Kind::GlobalAvgPool || before == Kind::BatchNorm || before == Kind::LayerNorm;
    }
    return false;  // the input batch: never overwritten
}

namespace {

/// The shape a layer's input has (the previous step's output, or the network's input).
std::vector<std::int64_t> inputShape(const NetworkSpec& spec, std::size_t i)
{
    if (i == 0)
        return {spec.channels, spec.height, spec.width};
    const LayerSpec& before = spec.layers[i - 1];
    if (before.flat)
        return {before.channels};
    return {before.channels, before.height, before.width};
}

} // namespace

NetImpl::NetImpl(const NetworkSpec& spec, const std::map<std::string, DropoutSetting>& dropout)
    : m_spec(spec), m_dropout(spec.layers.size()), m_configured(spec.layers.size()), m_convs(spec.layers.size(), nullptr),
      m_linears(spec.layers.size(), nullptr), m_mapNorms(spec.layers.size(), nullptr),
      m_flatNorms(spec.layers.size(), nullptr), m_layerNorms(spec.layers.size(), nullptr),
      m_concrete(spec.layers.size(), nullptr), m_weightedAfter(spec.layers.size(), 0),
      m_reluInPlace(spec.layers.size(), 0)
{
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const LayerSpec& l = spec.layers[i];
        if (l.kind == Kind::Conv) {
            m_convs[i] = register_module(
                l.name,
                torch::nn::Conv2d(torch::nn::Conv2dOptions(l.in, l.out, l.kernel).stride(l.stride).padding(l.padding)));
        } else if (l.kind == Kind::Linear) {
            m_linears[i] = register_module(l.name, torch::nn::Linear(l.in, l.out));
        } else if (l.kind == Kind::BatchNorm && l.flat) {
            m_flatNorms[i] = register_module(l.name, torch::nn::BatchNorm1d(l.in));
        } else if (l.kind == Kind::BatchNorm) {
            m_mapNorms[i] = register_module(l.name, torch::nn::BatchNorm2d(l.in));
        } else if (l.kind == Kind::LayerNorm) {
            m_layerNorms[i] = register_module(l.name, torch::nn::LayerNorm(torch::nn::LayerNormOptions(inputShape(spec, i))));
        } else if (l.kind == Kind::Dropout) {
            const auto it = dropout.find(l.name);
            if (it != dropout.end())
                m_dropout[i] = it->second;
            m_configured[i] = m_dropout[i];
            if (m_dropout[i].kind == DropoutKind::Concrete) {
                m_concrete[i] = register_module("concrete_" + l.name, ConcreteRate(m_dropout[i].rate));
                m_weightedAfter[i] = weightedLayerAfter(spec, i);
            }
        } else if (l.kind == Kind::Relu) {
            m_reluInPlace[i] = reluMayWorkInPlace(spec, i) ? 1 : 0;
        }
    }
}

torch::Tensor NetImpl::forward(torch::Tensor x)
{
    return forwardLayers(std::move(x), 0, m_spec.layers.size(), is_training());
}

torch::Tensor NetImpl::forwardSampled(torch::Tensor x, at::Generator& generator)
{
    if (masksWeights() && x.size(0) > 1) {
        // A weight mask is drawn per batch: each sample its own batch, so each its own mask.
        std::vector<torch::Tensor> rows;
        for (std::int64_t r = 0; r < x.size(0); ++r)
            rows.push_back(forwardSampled(x.narrow(0, r, 1), generator));
        return torch::cat(rows);
    }
    const DropoutSetting* connect = nullptr;
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i) {
        const Kind kind = m_spec.layers[i].kind;
        if (kind == Kind::Dropout) {
            x = dropoutSite(std::move(x), i, true, &generator, connect);
        } else if (connect && (kind == Kind::Conv || kind == Kind::Linear)) {
            x = forwardConnected(x, i, *connect, &generator);
            connect = nullptr;
        } else {
            x = forwardLayers(x, i, i + 1, false);
        }
    }
    return x;
}

torch::Tensor NetImpl::dropoutSite(torch::Tensor x, std::size_t i, bool active, at::Generator* generator,
                                   const DropoutSetting*& connect)
{
    const DropoutSetting& setting = m_dropout[i];
    if (setting.kind == DropoutKind::DropConnect) {
        connect = active && setting.rate > 0.0 ? &setting : nullptr;
        return x;
    }
    if (m_concrete[i]) {
        if (!active)
            return x;
        const auto uniform = torch::empty_like(x).uniform_(0.0, 1.0, optionalGenerator(generator));
        return concreteDropout(x, m_concrete[i]->logit, uniform);
    }
    return applyDropout(x, setting, active, generator);
}

torch::Tensor NetImpl::forwardConnected(const torch::Tensor& x, std::size_t i, const DropoutSetting& setting,
                                        at::Generator* generator)
{
    // DropConnect (Wan et al. 2013): each weight kept with probability 1 - p, one mask per batch,
    // scaled by 1 / (1 - p) so that eval mode's plain weights are its mean (weight scaling).
    const double keep = 1.0 - setting.rate;
    const LayerSpec& l = m_spec.layers[i];
    const bool linear = l.kind == Kind::Linear;
    const torch::Tensor& weight = linear ? m_linears[i]->weight : m_convs[i]->weight;
    const torch::Tensor& bias = linear ? m_linears[i]->bias : m_convs[i]->bias;
    const auto mask = torch::empty_like(weight).bernoulli_(keep, optionalGenerator(generator));
    const auto masked = weight * mask / keep;
    if (linear)
        return torch::linear(x, masked, bias);
    return torch::conv2d(x, masked, bias, {l.stride, l.stride}, {l.padding, l.padding});
}

torch::Tensor concreteDropout(const torch::Tensor& x, const torch::Tensor& logit, const torch::Tensor& uniform)
{
    constexpr double eps = 1e-7;
    const auto p = torch::sigmoid(logit);
    const auto drop = torch::sigmoid((torch::log(p + eps) - torch::log(1.0 - p + eps) + torch::log(uniform + eps) -
                                      torch::log(1.0 - uniform + eps)) / kConcreteTemperature);
    return x * (1.0 - drop) / (1.0 - p);
}

torch::Tensor concreteRegulariser(const torch::Tensor& logit, const std::vector<torch::Tensor>& weights,
                                  std::int64_t features, std::int64_t trainingSize)
{
    const auto p = torch::sigmoid(logit).squeeze();
    const double n = static_cast<double>(std::max<std::int64_t>(1, trainingSize));
    torch::Tensor squares = torch::zeros({}, logit.options());
    for (const auto& w : weights)
        squares = squares + w.pow(2).sum();
    const auto weightTerm = kConcreteLengthScale * kConcreteLengthScale / n * squares / (1.0 - p);
    const auto entropyTerm = (p * torch::log(p) + (1.0 - p) * torch::log(1.0 - p)) * (2.0 / n * static_cast<double>(features));
    return weightTerm + entropyTerm;
}

ConcreteRateImpl::ConcreteRateImpl(double rate)
{
    const double p = std::clamp(rate, 1e-6, 1.0 - 1e-6);
    logit = register_parameter("p_logit", torch::full({1}, std::log(p) - std::log(1.0 - p)));
}

std::map<std::string, double> NetImpl::learnedRates() const
{
    std::map<std::string, double> rates;
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i)
        if (m_concrete[i])
            rates[m_spec.layers[i].name] = torch::sigmoid(m_concrete[i]->logit.detach()).item<double>();
    return rates;
}

torch::Tensor NetImpl::concreteLoss(std::int64_t trainingSize) const
{
    torch::Tensor total;
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i) {
        if (!m_concrete[i])
            continue;
        const std::size_t j = m_weightedAfter[i];
        if (j >= m_spec.layers.size())
            continue;  // validateConfig refuses such a site
        const LayerSpec& site = m_spec.layers[i];
        const std::int64_t features = std::int64_t{site.channels} * site.height * site.width;
        std::vector<torch::Tensor> weights;
        if (m_linears[j])
            weights = {m_linears[j]->weight, m_linears[j]->bias};
        else if (m_convs[j])
            weights = {m_convs[j]->weight, m_convs[j]->bias};
        const auto term = concreteRegulariser(m_concrete[i]->logit, weights, features, trainingSize);
        total = total.defined() ? total + term : term;
    }
    return total;
}

bool NetImpl::masksWeights() const
{
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i)
        if (m_spec.layers[i].kind == Kind::Dropout && m_dropout[i].kind == DropoutKind::DropConnect && m_dropout[i].rate > 0.0)
            return true;
    return false;
}

void NetImpl::setEpoch(int epoch)
{
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i)
        if (m_spec.layers[i].kind == Kind::Dropout)
            m_dropout[i].rate = scheduledRate(m_configured[i], epoch);
}

std::size_t NetImpl::firstActiveDropout() const
{
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i) {
        if (m_spec.layers[i].kind == Kind::Dropout && m_dropout[i].rate > 0.0)
            return i;
    }
    return m_spec.layers.size();
}

std::vector<std::string> NetImpl::activeDropoutSites() const
{
    std::vector<std::string> sites;
    for (std::size_t i = 0; i < m_spec.layers.size(); ++i) {
        if (m_spec.layers[i].kind == Kind::Dropout && m_dropout[i].rate > 0.0)
            sites.push_back(m_spec.layers[i].name);
    }
    return sites;
}

torch::Tensor NetImpl::forwardConv(torch::Tensor x, std::size_t& i, std::size_t to)
{
    auto& conv = m_convs[i];
    const LayerSpec& l = m_spec.layers[i];
    if (l.stride == 1 && l.kernel == 3) {
        const LayerSpec* next = i + 1 < to ? &m_spec.layers[i + 1] : nullptr;
        if (next && next->kind == Kind::MaxPool && next->kernel == 2 && next->stride == 2 && next->padding == 0 &&
            fitsFusedFirstLayer(x, conv->weight, conv->bias, l.padding)) {
            ++i;  // the pooling is done
            return fusedFirstLayer(x, conv->weight, conv->bias, l.padding);
        }
        auto fast = winogradConv2d(x, conv->weight, conv->bias, l.padding);
        if (fast.defined())
            return fast;
    }
    return conv->forward(x);
}

torch::Tensor poolOrActivate(torch::Tensor x, const LayerSpec& l, bool reluInPlace)
{
    switch (l.kind) {
    case Kind::MaxPool:
        if (l.kernel == 2 && l.stride == 2 && l.padding == 0)
            return maxPool2x2(x);
        return torch::max_pool2d(x, l.kernel, l.stride, l.padding);
    case Kind::AvgPool: return torch::avg_pool2d(x, l.kernel, l.stride, l.padding);
    case Kind::GlobalAvgPool: return x.mean({2, 3});
    case Kind::Relu: return reluInPlace ? x.relu_() : x.relu();
    case Kind::LeakyRelu: return torch::leaky_relu(x, l.slope);
    case Kind::Gelu: return torch::gelu(x);
    case Kind::Tanh: return torch::tanh(x);
    case Kind::Sigmoid: return torch::sigmoid(x);  // its backward needs its output: not in place
    case Kind::Selu: return torch::selu(x);
    case Kind::Rescale: return x * l.scale + l.shift;
    default: throw std::logic_error("poolOrActivate: " + toString(l.kind) + " is neither a pooling nor an activation");
    }
}

torch::Tensor NetImpl::forwardLayers(torch::Tensor x, std::size_t from, std::size_t to, bool training)
{
    const DropoutSetting* connect = nullptr;  // a DropConnect site passed: masks the next weighted layer
    for (std::size_t i = from; i < std::min(to, m_spec.layers.size()); ++i) {
        const LayerSpec& l = m_spec.layers[i];
        if (connect && (l.kind == Kind::Conv || l.kind == Kind::Linear)) {
            x = forwardConnected(x, i, *connect, nullptr);
            connect = nullptr;
            continue;
        }
        switch (l.kind) {
        case Kind::Conv: x = forwardConv(std::move(x), i, to); break;
        case Kind::BatchNorm: x = l.flat ? m_flatNorms[i]->forward(x) : m_mapNorms[i]->forward(x); break;
        case Kind::LayerNorm: x = m_layerNorms[i]->forward(x); break;
        case Kind::Flatten: x = x.flatten(1); break;
        case Kind::Linear: x = m_linears[i]->forward(x); break;
        case Kind::Dropout: x = dropoutSite(std::move(x), i, training, nullptr, connect); break;
        default: x = poolOrActivate(x, l, m_reluInPlace[i] != 0); break;
        }
    }
    return x;
}

torch::Tensor inConvolutionLayout(const torch::Tensor& tensor)
{
    // DROPOUTLAB_CHANNELS_LAST=0 keeps NCHW, for comparisons (BENCHMARKS.md).
    static const bool channelsLast = switchedOn("DROPOUTLAB_CHANNELS_LAST");
    if (tensor.dim() != 4 || !tensor.is_cpu() || !channelsLast)
        return tensor.contiguous();
    // A copy, not contiguous(): with one input channel the NCHW strides already count as
    // channels-last, and oneDNN would then go on in NCHW.
    auto laidOut = torch::empty_like(tensor, at::MemoryFormat::ChannelsLast);
    laidOut.copy_(tensor);
    return laidOut;
}

void useConvolutionLayout(NetImpl& model)
{
    torch::NoGradGuard noGrad;
    for (auto& parameter : model.parameters()) {
        if (parameter.dim() == 4)
            parameter.set_data(inConvolutionLayout(parameter));
    }
}

namespace {

bool isConcreteSite(const LayerSpec& layer, const std::map<std::string, DropoutSetting>& dropout)
{
    if (layer.kind != Kind::Dropout)
        return false;
    const auto it = dropout.find(layer.name);
    return it != dropout.end() && it->second.kind == DropoutKind::Concrete;
}

} // namespace

std::vector<std::string> parameterNames(const NetworkSpec& spec, const std::map<std::string, DropoutSetting>& dropout)
{
    std::vector<std::string> names;
    for (const auto& layer : spec.layers) {
        if (layer.kind == Kind::Conv || layer.kind == Kind::Linear || layer.kind == Kind::BatchNorm ||
            layer.kind == Kind::LayerNorm) {
            names.push_back(layer.name + ".weight");
            names.push_back(layer.name + ".bias");
        } else if (isConcreteSite(layer, dropout)) {
            names.push_back("concrete_" + layer.name + ".p_logit");
        }
    }
    return names;
}

std::vector<std::string> stateNames(const NetworkSpec& spec, const std::map<std::string, DropoutSetting>& dropout)
{
    std::vector<std::string> names = parameterNames(spec, dropout);
    for (const auto& layer : spec.layers) {
        if (layer.kind == Kind::BatchNorm) {
            for (const char* buffer : {".running_mean", ".running_var", ".num_batches_tracked"})
                names.push_back(layer.name + buffer);
        }
    }
    return names;
}

std::vector<torch::Tensor> stateTensors(NetImpl& model)
{
    std::vector<torch::Tensor> tensors = model.parameters();
    for (const auto& buffer : model.buffers())
        tensors.push_back(buffer);
    return tensors;
}

std::shared_ptr<NetImpl> makeModel(const ExperimentConfig& config)
{
    auto model = std::make_shared<NetImpl>(networkSpec(config), config.dropout);
    model->setEpoch(config.epochs);  // scheduled rates: those of the last epoch (training sets each epoch's)
    if (config.init != InitScheme::Default) {
        // The papers' initialisation: weights from a normal distribution, biases 0 (drawn after
        // PyTorch's default, from the same seeded generator).
        torch::NoGradGuard noGrad;
        const auto weighted = weightedLayers(model->spec());
        for (auto& item : model->named_parameters()) {
            const std::string& name = item.key();
            torch::Tensor& parameter = item.value();
            if (std::find(weighted.begin(), weighted.end(), name.substr(0, name.find('.'))) == weighted.end())
                continue;  // batch and layer normalisation keep scale 1 and shift 0
            if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0) {
                parameter.zero_();
                continue;
            }
            const double fanIn = static_cast<double>(parameter.numel() / parameter.size(0));
            const double std = config.init == InitScheme::Normal ? config.initStd : config.initStd / std::sqrt(fanIn);
            parameter.normal_(0.0, std);
        }
    }
    return model;
}

} // namespace dropoutlab::detail
