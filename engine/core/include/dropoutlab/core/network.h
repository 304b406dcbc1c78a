#pragma once
// The one description of each network. The trained model, the fused K-member group, the analytic
// FLOP count and the list of dropout sites are all derived from it: adding a dropout site or
// changing a width is one edit in network.cpp.

#include "dropoutlab/core/experiment_config.h"

#include <string>
#include <vector>

namespace dropoutlab {

/// One step of a network, in forward order.
struct LayerSpec {
    enum class Kind {
        Conv,     ///< 2-D convolution `name`, `in` -> `out` channels, `kernel` x `kernel`, `padding`
        MaxPool,  ///< 2x2 max-pooling, stride 2
        Relu,
        Sigmoid,  ///< the logistic function (hidden units of the early dropout papers)
        Rescale,  ///< x * scale + shift (pixel ranges other than the reference's)
        Flatten,  ///< feature maps to one feature vector per image
        Linear,   ///< fully connected layer `name`, `in` -> `out` features
        Dropout,  ///< dropout site `name` (rate and kind come from the run's config)
    };
    Kind kind = Kind::Relu;
    std::string name;
    int in = 0;
    int out = 0;
    int kernel = 0;
    int padding = 0;
    double scale = 1.0;  ///< Rescale
    double shift = 0.0;
    int height = 1;  ///< spatial size of this step's output (1 x 1 once flattened)
    int width = 1;
    std::string description;     ///< Dropout: one sentence for tooltips and help
    bool allowsChannel = false;  ///< Dropout on feature maps: whole maps may be dropped
};

/// A network: input shape, steps, classes.
struct NetworkSpec {
    int channels = 1;
    int height = 28;
    int width = 28;
    int classes = 10;
    std::vector<LayerSpec> layers;
};

/// The network a config trains: the reference CNN, or the MLP with config.hiddenWidths.
/// The CNN: conv 1->32 3x3 pad 1, max-pool, ReLU; conv 32->64, max-pool, ReLU; fc 3136->128, ReLU;
/// fc 128->10 (max-pool and ReLU commute; pooling first does a quarter of the ReLU work).
/// The MLP: 784 -> hidden widths (ReLU each) -> 10. Dropout sites sit where the papers put them.
/// `activation` is the hidden units' non-linearity (ReLU unless a config says otherwise).
/// The batch arrives centred (x/127.5 - 1); PixelRange::Unit starts with a Rescale to x/255.
NetworkSpec networkSpec(ModelKind model, const std::vector<int>& hiddenWidths = kDefaultHiddenWidths,
                        Activation activation = Activation::Relu, PixelRange pixels = PixelRange::Centred);
NetworkSpec networkSpec(const ExperimentConfig& config);

/// The layers with weights (convolutions and fully connected layers), in forward order; the last
/// is the output layer.
std::vector<std::string> weightedLayers(const NetworkSpec& spec);

/// The dropout sites of a network, in forward order.
std::vector<DropoutSite> dropoutSites(const NetworkSpec& spec);

/// Forward FLOPs of one image (a multiply-add counts 2; convolutions and fully connected layers).
double forwardFlopsPerImage(const NetworkSpec& spec);
/// Training FLOPs of one image: forward, weight gradients and input gradients (none for the first
/// layer, whose input is the image).
double trainFlopsPerImage(const NetworkSpec& spec);

/// Short architecture text: "784-800-800-10" for an MLP, "conv32-conv64-128-10" for the CNN.
std::string describeNetwork(const NetworkSpec& spec);

} // namespace dropoutlab
