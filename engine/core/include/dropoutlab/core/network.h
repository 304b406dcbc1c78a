#pragma once
// The one description of each network (layer_spec.h). The trained model, the fused K-member
// group, the analytic FLOP count and the list of dropout sites are all derived from it. The
// shipped networks are network files in resources/networks; users write their own
// (docs/network-files.md).

#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/layer_spec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dropoutlab {

/// Limits every network keeps (network files are untrusted; docs/network-files.md).
inline constexpr int kMaxNetworkLayers = 256;
inline constexpr int kMaxLayerWidth = 16384;  ///< maps of a convolution, features of a linear layer
inline constexpr int kMaxKernel = 31;
inline constexpr int kMaxStride = 16;
inline constexpr int kMaxPadding = 15;
inline constexpr std::int64_t kMaxNetworkParameters = 1000000000;  ///< 4 GB of float32 (model.pt's limit)
/// Values of all layer outputs of one image (x 4 bytes: 64 MiB), what training keeps per image.
inline constexpr std::int64_t kMaxActivationsPerImage = std::int64_t{16} << 20;
inline constexpr int kMaxDropoutSitesPerNetwork = 64;
inline constexpr std::size_t kMaxLayerNameBytes = 32;

/// The network a config trains: the reference CNN, the MLP with config.hiddenWidths, or the
/// custom network of config.network with its shapes inferred.
/// The CNN: conv 1->32 3x3 pad 1, max-pool, ReLU; conv 32->64, max-pool, ReLU; fc 3136->128, ReLU;
/// fc 128->10 (max-pool and ReLU commute; pooling first does a quarter of the ReLU work).
/// The MLP: 784 -> hidden widths (ReLU each) -> 10. Dropout sites sit where the papers put them.
/// `activation` is the hidden units' non-linearity (ReLU unless a config says otherwise).
/// The batch arrives centred (x/127.5 - 1); PixelRange::Unit starts with a Rescale to x/255.
NetworkSpec networkSpec(ModelKind model, const std::vector<int>& hiddenWidths = kDefaultHiddenWidths,
                        Activation activation = Activation::Relu, PixelRange pixels = PixelRange::Centred);
NetworkSpec networkSpec(const ExperimentConfig& config);

/// The definition behind a config's network (what its network.json holds): the built-ins as
/// their files give them, without the pixel rescale.
NetworkSpec networkDefinition(const ExperimentConfig& config);

/// Fills in every inferred field of a definition (input channels and features, output shapes,
/// generated names, the classes of the last linear layer) for the definition's own input shape and
/// classes, and checks it: a mismatch names the layer and both shapes ("layer 7 (linear fc1)
/// expects 3136 inputs; the layers before it give 1568"), and the limits above hold. Throws
/// ConfigError.
NetworkSpec inferShapes(const NetworkSpec& definition);

/// A definition checked as far as it is valid, for editors: `inferred` has the shapes of its first
/// `validLayers` layers; `error` is empty when the whole network is valid, otherwise inferShapes()'s
/// message, and `errorLayer` the (0-based) layer it belongs to (-1: the network has no layers).
/// An error about the network's end belongs to its last layer.
struct NetworkCheck {
    NetworkSpec inferred;
    std::size_t validLayers = 0;
    int errorLayer = -1;
    std::string error;
    bool ok() const { return error.empty(); }
};
NetworkCheck checkNetwork(const NetworkSpec& definition);

/// A layer's own settings in words: "32 maps, 3x3, padding 1", "2x2", "128 features", "slope 0.1",
/// "channel"; empty for layers without any.
std::string layerSettingsText(const LayerSpec& layer);

/// Parses a network file's text into a definition and checks it with inferShapes(); errors name
/// `where`, the layer and the field.
NetworkSpec networkFromJson(const std::string& text, const std::string& where);
/// A network file's text (JSON, two-space indented, keys in the documented order).
std::string networkToJson(const NetworkSpec& definition);
/// Reads and checks a network file (at most kMaxJsonFileBytes); errors name the path.
NetworkSpec readNetworkFile(const std::string& path);
/// Writes a network file atomically.
void writeNetworkFile(const std::string& path, const NetworkSpec& definition);

/// The shipped networks (resources/networks), sorted by name.
const std::vector<NetworkSpec>& builtinNetworks();
/// A network named on the command line: a shipped network's name, or the path of a network file.
NetworkSpec findNetwork(const std::string& nameOrPath);
/// A config that trains `definition` (model Custom), with `base`'s other settings.
ExperimentConfig withNetwork(ExperimentConfig base, const NetworkSpec& definition);

/// "conv", "max_pool", ... (the file's "type"); parseLayerKind reads it back (ConfigError).
std::string toString(LayerSpec::Kind kind);
LayerSpec::Kind parseLayerKind(const std::string& text, const std::string& where);
/// The name a layer or site without one gets: "conv2", "fc1", "bn3", "ln1", "drop1" (the
/// `index`-th of its kind).
std::string generatedName(LayerSpec::Kind kind, int index);
/// "linear fc1": a layer's type and name (the type alone for a layer without a name).
std::string layerTitle(const LayerSpec& layer);
/// "layer 7 (linear fc1)": how errors name a layer (1-based index).
std::string layerLabel(const LayerSpec& layer, std::size_t index);
/// The output shape of an inferred layer: "32x14x14" for feature maps, "128" once flat.
std::string shapeText(const LayerSpec& layer);
/// Trainable parameters of an inferred layer (weights and biases; batch and layer norm's scale and
/// shift) and of a network.
std::int64_t layerParameters(const LayerSpec& layer);
std::int64_t parameterCount(const NetworkSpec& spec);
/// Forward FLOPs of one image in one inferred layer (a multiply-add counts 2; convolutions and
/// linear layers only, the rest is memory-bound and small).
double layerForwardFlops(const LayerSpec& layer);

/// The layers with weights (convolutions and fully connected layers), in forward order; the last
/// is the output layer. Batch and layer normalisation are not among them (max-norm and the
/// papers' initialisation do not apply to them).
std::vector<std::string> weightedLayers(const NetworkSpec& spec);

/// The dropout sites of a network, in forward order.
std::vector<DropoutSite> dropoutSites(const NetworkSpec& spec);
/// The index of the first convolution or linear layer after layer `i` (the one DropConnect and
/// Concrete Dropout at site `i` act on); spec.layers.size() when none follows.
std::size_t weightedLayerAfter(const NetworkSpec& spec, std::size_t i);

/// Forward FLOPs of one image (a multiply-add counts 2; convolutions and fully connected layers).
double forwardFlopsPerImage(const NetworkSpec& spec);
/// Training FLOPs of one image: forward, weight gradients and input gradients (none for the first
/// layer, whose input is the image).
double trainFlopsPerImage(const NetworkSpec& spec);

/// Short architecture text: "784-800-800-10" for an MLP, "conv32-conv64-128-10" for the CNN.
std::string describeNetwork(const NetworkSpec& spec);

} // namespace dropoutlab
