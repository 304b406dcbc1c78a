#include "dropoutlab/core/network.h"

#include "dropoutlab/core/errors.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace dropoutlab {
namespace {

using Kind = LayerSpec::Kind;

struct KindName {
    Kind kind;
    const char* name;
};

const KindName kKindNames[] = {
    {Kind::Conv, "conv"},         {Kind::MaxPool, "max_pool"}, {Kind::AvgPool, "avg_pool"},
    {Kind::GlobalAvgPool, "global_avg_pool"}, {Kind::BatchNorm, "batch_norm"}, {Kind::LayerNorm, "layer_norm"},
    {Kind::Relu, "relu"},         {Kind::LeakyRelu, "leaky_relu"}, {Kind::Gelu, "gelu"},
    {Kind::Tanh, "tanh"},         {Kind::Sigmoid, "sigmoid"},  {Kind::Selu, "selu"},
    {Kind::Rescale, "rescale"},   {Kind::Flatten, "flatten"},  {Kind::Linear, "linear"},
    {Kind::Dropout, "dropout"},
};

LayerSpec linear(std::string name, int out)
{
    LayerSpec l;
    l.kind = Kind::Linear;
    l.name = std::move(name);
    l.out = out;
    return l;
}

LayerSpec dropout(std::string site, std::string description)
{
    LayerSpec l;
    l.kind = Kind::Dropout;
    l.name = std::move(site);
    l.description = std::move(description);
    return l;
}

const NetworkSpec& shippedNetwork(const std::string& name)
{
    const auto& networks = builtinNetworks();
    const auto it = std::find_if(networks.begin(), networks.end(), [&](const NetworkSpec& n) { return n.name == name; });
    if (it == networks.end())
        throw ConfigError("the shipped network '" + name + "' is missing from this build (resources/networks)");
    return *it;
}

NetworkSpec mlpDefinition(const std::vector<int>& widths)
{
    NetworkSpec n;
    std::string widthText;
    for (const int w : widths)
        widthText += (widthText.empty() ? "" : "-") + std::to_string(w);
    if (widths == kDefaultHiddenWidths) {
        n.name = "mlp";
        n.description = shippedNetwork("mlp").description;
    } else {
        n.name = "mlp-" + widthText;
        n.description = "An MLP: 784 inputs, hidden layers of " + widthText + " ReLU units, the 10-class output.";
    }
    LayerSpec flatten;
    flatten.kind = Kind::Flatten;
    n.layers = {flatten, dropout("input", "On the 784 input pixels.")};
    for (std::size_t i = 0; i < widths.size(); ++i) {
        const std::string index = std::to_string(i + 1);
        n.layers.push_back(linear("fc" + index, widths[i]));
        n.layers.push_back(LayerSpec{});  // ReLU
        n.layers.push_back(dropout("hidden" + index, "After the activation of hidden layer " + index + " (" +
                                                         std::to_string(widths[i]) + " units)."));
    }
    n.layers.push_back(linear("fc" + std::to_string(widths.size() + 1), 0));
    return n;
}

bool isModule(Kind kind)
{
    return kind == Kind::Conv || kind == Kind::Linear || kind == Kind::BatchNorm || kind == Kind::LayerNorm;
}

} // namespace

std::string generatedName(Kind kind, int index)
{
    switch (kind) {
    case Kind::Conv: return "conv" + std::to_string(index);
    case Kind::Linear: return "fc" + std::to_string(index);
    case Kind::BatchNorm: return "bn" + std::to_string(index);
    case Kind::LayerNorm: return "ln" + std::to_string(index);
    default: return "drop" + std::to_string(index);
    }
}

namespace {

std::string mapsText(int channels, int height, int width)
{
    return std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width);
}

/// The shape flowing through inferShapes, and the layer being checked.
struct ShapeCursor {
    int channels;
    int height;
    int width;
    bool flat = false;
    const LayerSpec* layer = nullptr;
    std::size_t index = 0;

    std::string text() const { return flat ? std::to_string(channels) : mapsText(channels, height, width); }
    std::int64_t values() const { return std::int64_t{channels} * height * width; }
    [[noreturn]] void fail(const std::string& what) const { throw ConfigError(layerLabel(*layer, index) + " " + what); }
    void needMaps(const char* what) const
    {
        if (flat)
            fail("needs feature maps (" + std::string(what) + "); the layers before it give " + text() +
                 " flat features: move it before the flatten or global_avg_pool");
    }
};

int windowOutput(const ShapeCursor& at, int size, const char* dimension)
{
    const LayerSpec& l = *at.layer;
    const int span = size + 2 * l.padding - l.kernel;
    if (span < 0)
        at.fail("has a " + std::to_string(l.kernel) + "x" + std::to_string(l.kernel) + " window with padding " +
                std::to_string(l.padding) + "; the layers before it give " + at.text() + " maps, " +
                std::to_string(size) + " " + dimension + ": the window does not fit");
    return span / l.stride + 1;
}

void inferWindow(ShapeCursor& at, LayerSpec& l)
{
    at.needMaps("a window slides over them");
    if (l.kind != Kind::Conv && l.padding * 2 > l.kernel)
        at.fail("has padding " + std::to_string(l.padding) + "; pooling allows at most half the window (" +
                std::to_string(l.kernel / 2) + ")");
    const int height = windowOutput(at, at.height, "high");
    const int width = windowOutput(at, at.width, "wide");
    at.height = height;
    at.width = width;
}

void inferConv(ShapeCursor& at, LayerSpec& l)
{
    at.needMaps("it convolves them");
    if (l.in != 0 && l.in != at.channels)
        at.fail("expects " + std::to_string(l.in) + " input channels; the layers before it give " + at.text());
    l.in = at.channels;
    inferWindow(at, l);
    at.channels = l.out;
}

void inferLinear(ShapeCursor& at, LayerSpec& l, bool last, int classes)
{
    if (!at.flat)
        at.fail("needs flat features; the layers before it give " + at.text() +
                " feature maps: add a flatten (or global_avg_pool) layer before it");
    if (l.in != 0 && l.in != at.channels)
        at.fail("expects " + std::to_string(l.in) + " inputs; the layers before it give " + std::to_string(at.channels));
    if (l.out == 0) {
        if (!last)
            at.fail("has no 'out'; only the last linear layer may leave it out (it gives the " +
                    std::to_string(classes) + " classes)");
        l.out = classes;
    }
    l.in = at.channels;
    at.channels = l.out;
}

void inferStep(ShapeCursor& at, LayerSpec& l, bool lastLinear, int classes)
{
    switch (l.kind) {
    case Kind::Conv: inferConv(at, l); break;
    case Kind::MaxPool:
    case Kind::AvgPool: inferWindow(at, l); break;
    case Kind::GlobalAvgPool:
        at.needMaps("it averages each map");
        at.flat = true;
        at.height = at.width = 1;
        break;
    case Kind::Flatten:
        at.channels = static_cast<int>(std::min<std::int64_t>(at.values(), kMaxActivationsPerImage + 1));
        at.height = at.width = 1;
        at.flat = true;
        break;
    case Kind::BatchNorm: l.in = at.channels; break;
    case Kind::LayerNorm: l.in = static_cast<int>(std::min<std::int64_t>(at.values(), kMaxActivationsPerImage + 1)); break;
    case Kind::Linear: inferLinear(at, l, lastLinear, classes); break;
    case Kind::Dropout:
        l.allowsChannel = !at.flat && at.channels > 1;
        if ((l.dropoutKind == DropoutKind::Channel && !l.allowsChannel) || (l.dropoutKind == DropoutKind::DropBlock && at.flat))
            at.fail("has kind '" + toString(l.dropoutKind) + "', which drops " +
                    (l.dropoutKind == DropoutKind::Channel ? "whole feature maps" : "blocks of feature maps") +
                    "; the layers before it give " + at.text() + (at.flat ? " flat features" : " (one map)") +
                    ": use kind 'element' here");
        break;
    default: break;  // activations and the rescale keep the shape
    }
    l.channels = at.channels;
    l.height = at.height;
    l.width = at.width;
    l.flat = at.flat;
}

void checkLayerFields(const ShapeCursor& at, const LayerSpec& l)
{
    const auto within = [&](int value, int min, int max, const char* field) {
        if (value < min || value > max)
            at.fail("has " + std::string(field) + " " + std::to_string(value) + "; expected " + std::to_string(min) +
                    "-" + std::to_string(max));
    };
    if (l.kind == Kind::Conv || l.kind == Kind::Linear) {
        if (l.out != 0 || l.kind == Kind::Conv)
            within(l.out, 1, kMaxLayerWidth, "out");
        if (l.in != 0)
            within(l.in, 1, kMaxLayerWidth * kMaxKernel * kMaxKernel, "in");
    }
    if (l.kind == Kind::Conv || l.kind == Kind::MaxPool || l.kind == Kind::AvgPool) {
        within(l.kernel, 1, kMaxKernel, "kernel");
        within(l.stride, 1, kMaxStride, "stride");
        within(l.padding, 0, kMaxPadding, "padding");
    }
    if (l.kind == Kind::LeakyRelu && !(l.slope >= 0.0 && l.slope <= 1.0))
        at.fail("has slope " + std::to_string(l.slope) + "; expected 0-1");
}

void nameLayers(NetworkSpec& spec, std::size_t& reached)
{
    std::map<Kind, int> counts;
    std::set<std::string> modules;
    std::set<std::string> sites;
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        LayerSpec& l = spec.layers[i];
        if (!isModule(l.kind) && l.kind != Kind::Dropout)
            continue;
        const int index = ++counts[l.kind];
        reached = i;
        if (l.name.empty())
            l.name = generatedName(l.kind, index);
        auto& names = l.kind == Kind::Dropout ? sites : modules;
        if (!names.insert(l.name).second)
            throw ConfigError(layerLabel(l, i + 1) + ": the name '" + l.name + "' is taken by an earlier " +
                              (l.kind == Kind::Dropout ? "dropout site" : "layer") + "; names must be unique");
    }
    if (sites.size() > static_cast<std::size_t>(kMaxDropoutSitesPerNetwork))
        throw ConfigError("the network has " + std::to_string(sites.size()) + " dropout sites; at most " +
                          std::to_string(kMaxDropoutSitesPerNetwork) + " are allowed");
}

} // namespace

bool LayerSpec::operator==(const LayerSpec& o) const
{
    return kind == o.kind && name == o.name && in == o.in && out == o.out && kernel == o.kernel && stride == o.stride &&
           padding == o.padding && slope == o.slope && scale == o.scale && shift == o.shift &&
           description == o.description && dropoutKind == o.dropoutKind && channels == o.channels &&
           height == o.height && width == o.width && flat == o.flat && allowsChannel == o.allowsChannel;
}

bool NetworkSpec::operator==(const NetworkSpec& o) const
{
    return name == o.name && description == o.description && channels == o.channels && height == o.height &&
           width == o.width && classes == o.classes && layers == o.layers;
}

std::string toString(LayerSpec::Kind kind)
{
    for (const auto& entry : kKindNames)
        if (entry.kind == kind)
            return entry.name;
    return "layer";
}

LayerSpec::Kind parseLayerKind(const std::string& text, const std::string& where)
{
    std::string names;
    for (const auto& entry : kKindNames) {
        if (entry.kind == Kind::Rescale)
            continue;  // the pixel range's, not a file's
        if (text == entry.name)
            return entry.kind;
        names += (names.empty() ? "" : ", ") + std::string(entry.name);
    }
    throw ConfigError(where + ": unknown layer type '" + text + "'; expected one of " + names);
}

std::string layerTitle(const LayerSpec& layer)
{
    return layer.name.empty() ? toString(layer.kind) : toString(layer.kind) + " " + layer.name;
}

std::string layerLabel(const LayerSpec& layer, std::size_t index)
{
    return "layer " + std::to_string(index) + " (" + layerTitle(layer) + ")";
}

std::string shapeText(const LayerSpec& layer)
{
    return layer.flat ? std::to_string(layer.channels) : mapsText(layer.channels, layer.height, layer.width);
}

namespace {

/// inferShapes() on `spec` in place; `reached` follows the layer being checked (0-based), and is
/// the layer count once the layers passed and only the network's end is checked.
void inferInPlace(NetworkSpec& spec, std::size_t& reached)
{
    if (spec.layers.empty())
        throw ConfigError("the network has no layers");
    if (spec.layers.size() > static_cast<std::size_t>(kMaxNetworkLayers))
        throw ConfigError("the network has " + std::to_string(spec.layers.size()) + " layers; at most " +
                          std::to_string(kMaxNetworkLayers) + " are allowed");
    nameLayers(spec, reached);
    std::size_t lastLinear = spec.layers.size();
    for (std::size_t i = 0; i < spec.layers.size(); ++i)
        if (spec.layers[i].kind == Kind::Linear)
            lastLinear = i;
    ShapeCursor at{spec.channels, spec.height, spec.width};
    std::int64_t parameters = 0;
    std::int64_t activations = 0;
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        LayerSpec& l = spec.layers[i];
        reached = i;
        at.layer = &l;
        at.index = i + 1;
        checkLayerFields(at, l);
        inferStep(at, l, i == lastLinear, spec.classes);
        if (at.values() > kMaxActivationsPerImage || l.in > kMaxActivationsPerImage)
            at.fail("gives " + at.text() + " values per image; the network may keep at most " +
                    std::to_string(kMaxActivationsPerImage) + " per layer");
        activations += at.values();
        parameters += layerParameters(l);
        if (activations > kMaxActivationsPerImage)
            at.fail("brings the values kept per image to " + std::to_string(activations) + "; at most " +
                    std::to_string(kMaxActivationsPerImage) + " (64 MiB) are allowed");
        if (parameters > kMaxNetworkParameters)
            at.fail("brings the parameters to " + std::to_string(parameters) + "; at most " +
                    std::to_string(kMaxNetworkParameters) + " are allowed");
    }
    reached = spec.layers.size();
    if (!at.flat || at.channels != spec.classes)
        throw ConfigError("the network ends with " + at.text() + (at.flat ? " features" : " feature maps") +
                          "; it must end with " + std::to_string(spec.classes) +
                          " features, one per class (a last linear layer gives them)");
}

} // namespace

NetworkSpec inferShapes(const NetworkSpec& definition)
{
    NetworkSpec spec = definition;
    std::size_t reached = 0;
    inferInPlace(spec, reached);
    return spec;
}

NetworkCheck checkNetwork(const NetworkSpec& definition)
{
    NetworkCheck check;
    check.inferred = definition;
    std::size_t reached = 0;
    try {
        inferInPlace(check.inferred, reached);
        check.validLayers = check.inferred.layers.size();
    } catch (const ConfigError& e) {
        check.error = e.what();
        check.validLayers = std::min(reached, check.inferred.layers.size());
        check.errorLayer = check.inferred.layers.empty() ? -1
                                                          : static_cast<int>(std::min(reached, check.inferred.layers.size() - 1));
    }
    return check;
}

std::string layerSettingsText(const LayerSpec& l)
{
    const auto window = [&] {
        std::string text = std::to_string(l.kernel) + "x" + std::to_string(l.kernel);
        if (l.stride != 1)
            text += ", stride " + std::to_string(l.stride);
        if (l.padding != 0)
            text += ", padding " + std::to_string(l.padding);
        return text;
    };
    switch (l.kind) {
    case Kind::Conv: return std::to_string(l.out) + " maps, " + window();
    case Kind::MaxPool:
    case Kind::AvgPool: return window();
    case Kind::Linear: return l.out == 0 ? std::string("the classes") : std::to_string(l.out) + " features";
    case Kind::LeakyRelu: {
        std::ostringstream slope;
        slope << "slope " << l.slope;
        return slope.str();
    }
    case Kind::Dropout: return toString(l.dropoutKind);
    case Kind::Rescale: {
        std::ostringstream text;
        text << "x " << l.scale << " + " << l.shift;
        return text.str();
    }
    default: return {};
    }
}

NetworkSpec networkDefinition(const ExperimentConfig& config)
{
    NetworkSpec definition;
    if (config.model == ModelKind::Custom)
        definition = config.network;
    else if (config.model == ModelKind::Mlp)
        definition = mlpDefinition(config.hiddenWidths);  // resources/networks/mlp.json: the default widths
    else
        definition = shippedNetwork("reference-cnn");
    if (config.model != ModelKind::Custom && config.activation == Activation::Sigmoid) {
        for (auto& layer : definition.layers)
            if (layer.kind == Kind::Relu)
                layer.kind = Kind::Sigmoid;
    }
    return definition;
}

NetworkSpec networkSpec(ModelKind model, const std::vector<int>& hiddenWidths, Activation activation, PixelRange pixels)
{
    ExperimentConfig config;
    config.model = model;
    config.hiddenWidths = hiddenWidths;
    config.activation = activation;
    config.pixels = pixels;
    return networkSpec(config);
}

NetworkSpec networkSpec(const ExperimentConfig& config)
{
    NetworkSpec definition = networkDefinition(config);
    definition.channels = config.input.channels;  // every network is built for its data's shape
    definition.height = config.input.height;
    definition.width = config.input.width;
    definition.classes = config.input.classes;
    NetworkSpec spec = inferShapes(definition);
    if (config.pixels == PixelRange::Unit) {
        LayerSpec rescale;
        rescale.kind = Kind::Rescale;
        rescale.scale = 0.5;  // (x/127.5 - 1) / 2 + 0.5 = x/255
        rescale.shift = 0.5;
        rescale.channels = spec.channels;
        rescale.height = spec.height;
        rescale.width = spec.width;
        spec.layers.insert(spec.layers.begin(), rescale);
    }
    return spec;
}

ExperimentConfig withNetwork(ExperimentConfig base, const NetworkSpec& definition)
{
    base.model = ModelKind::Custom;
    base.network = definition;
    base.hiddenWidths = kDefaultHiddenWidths;
    return base;
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

std::size_t weightedLayerAfter(const NetworkSpec& spec, std::size_t i)
{
    for (std::size_t j = i + 1; j < spec.layers.size(); ++j)
        if (spec.layers[j].kind == Kind::Conv || spec.layers[j].kind == Kind::Linear)
            return j;
    return spec.layers.size();
}

std::vector<DropoutSite> dropoutSites(const NetworkSpec& spec)
{
    std::vector<DropoutSite> sites;
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const LayerSpec& l = spec.layers[i];
        if (l.kind != Kind::Dropout)
            continue;
        DropoutSite site{l.name, l.description, l.allowsChannel, l.dropoutKind};
        if (!l.flat && l.channels > 0) {
            site.mapHeight = l.height;
            site.mapWidth = l.width;
        }
        if (const std::size_t j = weightedLayerAfter(spec, i); j < spec.layers.size())
            site.weightedAfter = spec.layers[j].name;
        sites.push_back(site);
    }
    return sites;
}

std::int64_t layerParameters(const LayerSpec& l)
{
    switch (l.kind) {
    case Kind::Conv: return std::int64_t{l.out} * l.in * l.kernel * l.kernel + l.out;
    case Kind::Linear: return std::int64_t{l.out} * l.in + l.out;
    case Kind::BatchNorm:
    case Kind::LayerNorm: return 2 * std::int64_t{l.in};
    default: return 0;
    }
}

std::int64_t parameterCount(const NetworkSpec& spec)
{
    std::int64_t total = 0;
    for (const auto& l : spec.layers)
        total += layerParameters(l);
    return total;
}

double layerForwardFlops(const LayerSpec& l)
{
    if (l.kind == Kind::Conv)
        return 2.0 * l.height * l.width * l.out * (double(l.in) * l.kernel * l.kernel);
    if (l.kind == Kind::Linear)
        return 2.0 * l.in * l.out;
    return 0.0;
}

double forwardFlopsPerImage(const NetworkSpec& spec)
{
    double flops = 0.0;
    for (const auto& l : spec.layers)
        flops += layerForwardFlops(l);
    return flops;
}

double trainFlopsPerImage(const NetworkSpec& spec)
{
    const double forward = forwardFlopsPerImage(spec);
    double firstLayer = 0.0;
    for (const auto& l : spec.layers) {
        if (layerForwardFlops(l) > 0.0) {
            firstLayer = layerForwardFlops(l);
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
