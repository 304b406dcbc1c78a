#pragma once
// The layers a network is made of. A network file (docs/network-files.md) lists them; the shipped
// networks (resources/networks) and the configs that train them hold the same description.

#include <string>
#include <vector>

namespace dropoutlab {

/// The forms of dropout a site can take (docs/dropout-kinds.md):
enum class DropoutKind {
    Element,      ///< Bernoulli: zeroes single activations, scales the rest by 1/(1-p)
    Channel,      ///< zeroes whole feature maps (Dropout2d; sites on feature maps only)
    Gaussian,     ///< multiplies by N(1, p/(1-p)) noise (Srivastava et al. 2014, section 10)
    Alpha,        ///< alpha dropout for SELU networks: keeps mean and variance (Klambauer et al. 2017)
    DropConnect,  ///< masks the following weighted layer's weights, not its inputs (Wan et al. 2013)
    DropBlock,    ///< zeroes block_size x block_size regions of each feature map (Ghiasi et al. 2018)
    Concrete,     ///< a rate the network learns, from `rate` at the start (Gal, Hron and Kendall 2017)
};

/// One step of a network, in forward order. A network file gives the fields marked (file); the
/// rest are inferred from the input shape (inferShapes, network.h).
struct LayerSpec {
    enum class Kind {
        Conv,           ///< 2-D convolution `name`: `out` maps, `kernel` x `kernel`, `stride`, `padding` (file)
        MaxPool,        ///< max-pooling, `kernel` x `kernel`, `stride` (file; stride defaults to kernel)
        AvgPool,        ///< average pooling, as MaxPool
        GlobalAvgPool,  ///< the mean of each feature map: maps to one feature vector per image
        BatchNorm,      ///< batch normalisation `name` over channels (maps) or features (flat)
        LayerNorm,      ///< layer normalisation `name` over all features of one image
        Relu,
        LeakyRelu,      ///< max(x, slope x), `slope` (file, default 0.01)
        Gelu,
        Tanh,
        Sigmoid,        ///< the logistic function (hidden units of the early dropout papers)
        Selu,
        Rescale,        ///< x * scale + shift (pixel ranges other than the reference's; not in files)
        Flatten,        ///< feature maps to one feature vector per image
        Linear,         ///< fully connected layer `name`, `out` features (file; the last: the classes)
        Dropout,        ///< dropout site `name` (rate from the run's config, kind `dropoutKind` by default)
    };
    Kind kind = Kind::Relu;
    std::string name;  ///< (file) conv, batch_norm, layer_norm, linear and dropout; generated when absent
    int in = 0;        ///< (file, optional: checked) input channels (conv) or features (linear); inferred
    int out = 0;       ///< (file) conv maps or linear features; 0 on the last linear: the classes
    int kernel = 0;    ///< (file) conv and pools
    int stride = 1;    ///< (file) conv and pools
    int padding = 0;   ///< (file) conv and pools
    double slope = 0.01;  ///< (file) LeakyRelu
    double scale = 1.0;   ///< Rescale
    double shift = 0.0;
    std::string description;                       ///< (file) Dropout: one sentence for tooltips and help
    DropoutKind dropoutKind = DropoutKind::Element;  ///< (file) Dropout: the kind a run uses unless it names one
    // Inferred: the shape of this step's output.
    int channels = 0;  ///< feature maps, or features once flat
    int height = 1;    ///< 1 x 1 once flat
    int width = 1;
    bool flat = false;
    bool allowsChannel = false;  ///< Dropout on feature maps: whole maps may be dropped

    bool operator==(const LayerSpec& other) const;
};

/// A network: its name, input shape, steps and classes. As a network file holds it (a
/// definition), only the layers' file fields are set; inferShapes() fills in the rest.
struct NetworkSpec {
    std::string name;         ///< e.g. "reference-cnn"
    std::string description;  ///< one sentence for lists and tooltips
    int channels = 1;
    int height = 28;
    int width = 28;
    int classes = 10;
    std::vector<LayerSpec> layers;

    bool operator==(const NetworkSpec& other) const;
};

} // namespace dropoutlab
