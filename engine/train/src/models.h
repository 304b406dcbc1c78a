#pragma once
// Internal: the LibTorch network built from its description (dropoutlab/core/network.h). Torch stays
// out of the public headers.

#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/network.h"

#include <torch/torch.h>

#include <memory>

namespace dropoutlab::detail {

/// The dropout setting of one site in a config; rate 0 where the config does not name it.
DropoutSetting dropoutSetting(const ExperimentConfig& config, const std::string& site);

/// 2x2 max pooling with stride 2, bitwise equal to max_pool2d. Channels-last float CPU tensors
/// (what the convolutions produce) take the engine's own kernel (max_pool.h); other NCHW ones
/// without gradients the maximum of the four strided slices (LibTorch 1.13's NCHW max_pool2d is
/// scalar); the rest max_pool2d.
torch::Tensor maxPool2x2(const torch::Tensor& input);

/// A convolution weight laid out for training: channels-last on the CPU (oneDNN then keeps each
/// convolution's output channels-last, and LibTorch 1.13's max_pool2d has a vectorised kernel for
/// that layout and only a scalar one for NCHW; BENCHMARKS.md change 10), plain contiguous
/// elsewhere. Other tensors come back contiguous. The values are the same, only the order in
/// memory changes.
torch::Tensor inConvolutionLayout(const torch::Tensor& tensor);

/// Applies one site's dropout when `active`; rate 0 is the identity (no random numbers drawn), and
/// so is DropConnect here (NetImpl masks the weights of the layer after its site). Masks come from
/// `generator` when given (MC passes that must not touch torch's global one), else from torch's
/// global generator (element and channel through torch's own dropout kernels).
torch::Tensor applyDropout(const torch::Tensor& input, const DropoutSetting& setting, bool active,
                           at::Generator* generator = nullptr);

/// Whether the step before layer `i` (dropout sites and flattening looked through) leaves an
/// output that its own backward pass does not need, so that a ReLU at `i` may overwrite it.
bool reluMayWorkInPlace(const NetworkSpec& spec, std::size_t i);

/// A pooling step (MaxPool, AvgPool, GlobalAvgPool) or an activation (Relu ... Selu, Rescale) of
/// `layer`: the same in the separate and the fused network. `reluInPlace` as reluMayWorkInPlace.
torch::Tensor poolOrActivate(torch::Tensor x, const LayerSpec& layer, bool reluInPlace);

/// Why the fused K-member trainer cannot train this network ("layer 3 (batch_norm bn1): ..."), or
/// empty when it can.
std::string fusionRefusal(const NetworkSpec& spec);
/// The same for a run: its network, and its dropout (the fused trainer has element and channel
/// dropout at constant rates only).
std::string fusionRefusal(const ExperimentConfig& config);

/// Concrete Dropout's defaults (Gal, Hron and Kendall 2017, and their reference code): the relaxed
/// Bernoulli mask's temperature, and the prior length scale l of the weight regulariser l^2/N.
inline constexpr double kConcreteTemperature = 0.1;
inline constexpr double kConcreteLengthScale = 1e-4;

/// Concrete dropout of `x` with drop probability sigmoid(`logit`) and the uniform noise `uniform`
/// (same shape as x): the relaxed mask sigmoid((logit(p) + logit(u)) / t), x (1 - mask) / (1 - p).
/// Differentiable in `logit`.
torch::Tensor concreteDropout(const torch::Tensor& x, const torch::Tensor& logit, const torch::Tensor& uniform);
/// Concrete Dropout's regulariser of one site: l^2/N sum(W^2) / (1 - p) over the next weighted
/// layer's weights and bias, plus (2/N) K (p log p + (1 - p) log(1 - p)), K the site's features.
torch::Tensor concreteRegulariser(const torch::Tensor& logit, const std::vector<torch::Tensor>& weights,
                                  std::int64_t features, std::int64_t trainingSize);

/// A Concrete Dropout site's learned rate: the logit of its drop probability, a parameter.
class ConcreteRateImpl final : public torch::nn::Module {
public:
    explicit ConcreteRateImpl(double rate);
    torch::Tensor logit;
};
TORCH_MODULE(ConcreteRate);

/// A network run step by step from its NetworkSpec. Modules are registered in the spec's order
/// (conv1, conv2, fc1, ... ), so parameters() lists each layer's weight then bias in forward order
/// and initialisation draws from the torch seed in that order.
class NetImpl final : public torch::nn::Module {
public:
    NetImpl(const NetworkSpec& spec, const std::map<std::string, DropoutSetting>& dropout);
    torch::Tensor forward(torch::Tensor input);
    /// Layers [from, to) of the spec. Dropout sites drop when `dropoutActive`, whatever the
    /// module's mode (MC dropout: dropout on, everything else as in eval mode).
    torch::Tensor forwardLayers(torch::Tensor input, std::size_t from, std::size_t to, bool dropoutActive);
    /// All layers with dropout on, masks drawn from `generator`.
    torch::Tensor forwardSampled(torch::Tensor input, at::Generator& generator);
    /// Index of the first dropout layer with a rate above 0; the number of layers when none.
    std::size_t firstActiveDropout() const;
    /// The sites with a rate above 0, in forward order.
    std::vector<std::string> activeDropoutSites() const;
    /// Puts every site's rate for `epoch` (1-based) in force (RateSchedule). makeModel puts the
    /// last epoch's in force.
    void setEpoch(int epoch);
    /// Whether an active site is DropConnect: its weight mask is drawn once per forward batch, so
    /// MC passes must not be stacked into one batch.
    bool masksWeights() const;
    /// Concrete Dropout sites: the learned drop probability of each, by site.
    std::map<std::string, double> learnedRates() const;
    /// The sum of the Concrete Dropout sites' regularisers for a training part of `trainingSize`
    /// examples; undefined when the network has no such site.
    torch::Tensor concreteLoss(std::int64_t trainingSize) const;
    const NetworkSpec& spec() const { return m_spec; }

private:
    torch::Tensor forwardConv(torch::Tensor x, std::size_t& i, std::size_t to);
    /// Dropout site `i` on `x` when `active`, masks from `generator` when given (else torch's
    /// global one); a DropConnect site leaves `x` and points `connect` at itself for the next
    /// weighted layer (forwardConnected).
    torch::Tensor dropoutSite(torch::Tensor x, std::size_t i, bool active, at::Generator* generator,
                              const DropoutSetting*& connect);
    /// Weighted layer `i` with its weights masked by the DropConnect `setting` before it.
    torch::Tensor forwardConnected(const torch::Tensor& x, std::size_t i, const DropoutSetting& setting,
                                   at::Generator* generator);

    NetworkSpec m_spec;
    std::vector<DropoutSetting> m_dropout;          ///< per layer (Dropout steps only), the rate in force
    std::vector<DropoutSetting> m_configured;       ///< per layer: as configured (schedules' final rates)
    std::vector<torch::nn::Conv2d> m_convs;         ///< per layer (Conv steps only)
    std::vector<torch::nn::Linear> m_linears;       ///< per layer (Linear steps only)
    std::vector<torch::nn::BatchNorm2d> m_mapNorms;   ///< per layer (BatchNorm on feature maps)
    std::vector<torch::nn::BatchNorm1d> m_flatNorms;  ///< per layer (BatchNorm on flat features)
    std::vector<torch::nn::LayerNorm> m_layerNorms; ///< per layer (LayerNorm steps only)
    std::vector<ConcreteRate> m_concrete;           ///< per layer (Concrete Dropout sites only)
    std::vector<std::size_t> m_weightedAfter;       ///< per Concrete site: the next conv or linear layer
    /// Per layer: a ReLU may work in place (the step before it, dropout sites looked through,
    /// does not need its own output for the backward pass, and it is not the input batch).
    std::vector<char> m_reluInPlace;
};

/// The names of a network's parameters in NetImpl::parameters() order ("conv1.weight", ...,
/// "concrete_fc1.p_logit" for a Concrete Dropout site), without building it (no random numbers drawn).
std::vector<std::string> parameterNames(const NetworkSpec& spec, const std::map<std::string, DropoutSetting>& dropout = {});
/// The names of everything a saved model holds: the parameters, then the buffers (batch
/// normalisation's running statistics), in stateTensors() order.
std::vector<std::string> stateNames(const NetworkSpec& spec, const std::map<std::string, DropoutSetting>& dropout = {});
/// The parameters, then the buffers, of a model (what model.pt holds and early stopping keeps).
std::vector<torch::Tensor> stateTensors(NetImpl& model);

/// Puts every convolution weight of `model` (on its device already) in inConvolutionLayout.
void useConvolutionLayout(NetImpl& model);

/// Builds the network a config asks for, initialised from the current torch seed.
std::shared_ptr<NetImpl> makeModel(const ExperimentConfig& config);

} // namespace dropoutlab::detail
