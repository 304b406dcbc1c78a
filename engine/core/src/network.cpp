#include "dropoutlab/core/network.h"

namespace dropoutlab {
namespace {

using Kind = LayerSpec::Kind;

LayerSpec conv(std::string name, int in, int out, int size)
{
    LayerSpec l;
    l.kind = Kind::Conv;
    l.name = std::move(name);
    l.in = in;
    l.out = out;
    l.kernel = 3;
    l.padding = 1;
    l.height = l.width = size;
    return l;
}

LayerSpec pool(int size)
{
    LayerSpec l;
    l.kind = Kind::MaxPool;
    l.height = l.width = size;
    return l;
}

LayerSpec step(Kind kind, int size = 1)
{
    LayerSpec l;
    l.kind = kind;
    l.height = l.width = size;
    return l;
}

LayerSpec linear(std::string name, int in, int out)
{
    LayerSpec l;
    l.kind = Kind::Linear;
    l.name = std::move(name);
    l.in = in;
    l.out = out;
    return l;
}

LayerSpec dropout(std::string site, std::string description, bool channel = false, int size = 1)
{
    LayerSpec l;
    l.kind = Kind::Dropout;
    l.name = std::move(site);
    l.description = std::move(description);
    l.allowsChannel = channel;
    l.height = l.width = size;
    return l;
}

NetworkSpec referenceCnn(Kind act)
{
    NetworkSpec n;
    n.layers = {
        dropout("input", "On the input pixels, before the first convolution.", false, 28),
        conv("conv1", 1, 32, 28),
        pool(14),
        step(act, 14),
        dropout("conv1", "After the first convolution block (32 maps of 14x14).", true, 14),
        conv("conv2", 32, 64, 14),
        pool(7),
        step(act, 7),
        dropout("conv2", "After the second convolution block (64 maps of 7x7).", true, 7),
        step(Kind::Flatten),
        linear("fc1", 64 * 7 * 7, 128),
        step(act),
        dropout("fc1", "After the ReLU of the 128-unit fully connected layer (the published site)."),
        linear("fc2", 128, 10),
    };
    return n;
}

NetworkSpec mlp(const std::vector<int>& widths, Kind act)
{
    NetworkSpec n;
    n.layers = {step(Kind::Flatten), dropout("input", "On the 784 input pixels.")};
    int in = n.channels * n.height * n.width;
    for (std::size_t i = 0; i < widths.size(); ++i) {
        const std::string index = std::to_string(i + 1);
        n.layers.push_back(linear("fc" + index, in, widths[i]));
        n.layers.push_back(step(act));
        n.layers.push_back(dropout("hidden" + index, "After the activation of hidden layer " + index + " (" +
                                                         std::to_string(widths[i]) + " units)."));
        in = widths[i];
    }
    n.layers.push_back(linear("fc" + std::to_string(widths.size() + 1), in, n.classes));
    return n;
}

double layerFlops(const LayerSpec& l)
{
    if (l.kind == Kind::Conv)
        return 2.0 * l.height * l.width * l.out * (double(l.in) * l.kernel * l.kernel);
    if (l.kind == Kind::Linear)
        return 2.0 * l.in * l.out;
    return 0.0;
}

} // namespace

NetworkSpec networkSpec(ModelKind model, const std::vector<int>& hiddenWidths, Activation activation, PixelRange pixels)
{
    const Kind act = activation == Activation::Relu ? Kind::Relu : Kind::Sigmoid;
    NetworkSpec spec = model == ModelKind::Cnn ? referenceCnn(act) : mlp(hiddenWidths, act);
    if (pixels == PixelRange::Unit) {
        LayerSpec rescale = step(Kind::Rescale, spec.height);
        rescale.scale = 0.5;  // (x/127.5 - 1) / 2 + 0.5 = x/255
        rescale.shift = 0.5;
        spec.layers.insert(spec.layers.begin(), rescale);
    }
    return spec;
}

NetworkSpec networkSpec(const ExperimentConfig& config)
{
    return networkSpec(config.model, config.hiddenWidths, config.activation, config.pixels);
}

std::vector<std::string> weightedLayers(const NetworkSpec& spec)
{
    std::vector<std::string> names;
    for (const auto& l : spec.layers) {
        if (l.kind == Kind::Conv || l.kind == Kind::Linear)
            names.push_back(l.name);
    }
    return names;
}

std::vector<DropoutSite> dropoutSites(const NetworkSpec& spec)
{
    std::vector<DropoutSite> sites;
    for (const auto& l : spec.layers) {
        if (l.kind == Kind::Dropout)
            sites.push_back({l.name, l.description, l.allowsChannel});
    }
    return sites;
}

double forwardFlopsPerImage(const NetworkSpec& spec)
{
    double flops = 0.0;
    for (const auto& l : spec.layers)
        flops += layerFlops(l);
    return flops;
}

double trainFlopsPerImage(const NetworkSpec& spec)
{
    const double forward = forwardFlopsPerImage(spec);
    double firstLayer = 0.0;
    for (const auto& l : spec.layers) {
        if (layerFlops(l) > 0.0) {
            firstLayer = layerFlops(l);
            break;
        }
    }
    return forward + forward + (forward - firstLayer);
}

std::string describeNetwork(const NetworkSpec& spec)
{
    std::string text;
    bool first = true;
    for (const auto& l : spec.layers) {
        if (l.kind == Kind::Conv) {
            text += (text.empty() ? "" : "-") + ("conv" + std::to_string(l.out));
        } else if (l.kind == Kind::Linear) {
            if (first && text.empty())
                text = std::to_string(l.in);
            text += "-" + std::to_string(l.out);
        }
        if (l.kind == Kind::Conv || l.kind == Kind::Linear)
            first = false;
    }
    return text;
}

} // namespace dropoutlab
