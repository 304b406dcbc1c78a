// Network files: the JSON form of a network definition (docs/network-files.md).
#include "network_file.h"

#include "builtin_presets.h"
#include "config_json.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/network.h"

#include <algorithm>
#include <filesystem>

namespace dropoutlab {
namespace detail {
namespace {

using Kind = LayerSpec::Kind;
using nlohmann::json;

constexpr const char* kFormat = "dropoutlab-network";
constexpr int kVersion = 1;

/// The keys a layer of each type may have, besides "type".
std::set<std::string> layerKeys(Kind kind)
{
    switch (kind) {
    case Kind::Conv: return {"type", "name", "in", "out", "kernel", "stride", "padding"};
    case Kind::MaxPool:
    case Kind::AvgPool: return {"type", "kernel", "stride", "padding"};
    case Kind::BatchNorm:
    case Kind::LayerNorm: return {"type", "name"};
    case Kind::LeakyRelu: return {"type", "slope"};
    case Kind::Linear: return {"type", "name", "in", "out"};
    case Kind::Dropout: return {"type", "name", "kind", "description"};
    default: return {"type"};
    }
}

std::string layerName(const json& value, const std::string& where)
{
    const std::string name = stringValue(value, where, "name", kMaxLayerNameBytes);
    const bool valid = !name.empty() && std::isalpha(static_cast<unsigned char>(name[0])) &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                       });
    if (!valid)
        throw ConfigError(where + ": 'name' is \"" + name + "\"; expected a letter, then letters, digits, '_' or '-' (at most " +
                          std::to_string(kMaxLayerNameBytes) + " bytes)");
    return name;
}

LayerSpec layerFromJson(const json& object, const std::string& where)
{
    if (!object.is_object() || !object.contains("type"))
        throw ConfigError(where + ": expected an object with a \"type\", e.g. {\"type\": \"relu\"}");
    LayerSpec l;
    l.kind = parseLayerKind(stringValue(object["type"], where, "type", 32), where);
    checkKeys(object, layerKeys(l.kind), where + " (" + toString(l.kind) + ")");
    const auto integer = [&](const char* key, int min, int max) {
        return static_cast<int>(integerValue(object[key], where, key, min, max));
    };
    if (object.contains("name"))
        l.name = layerName(object["name"], where);
    if (object.contains("in"))
        l.in = integer("in", 1, kMaxLayerWidth * kMaxKernel * kMaxKernel);
    if (object.contains("out"))
        l.out = integer("out", 1, kMaxLayerWidth);
    else if (l.kind == Kind::Conv)
        throw ConfigError(where + " (conv): 'out' (the number of feature maps) is missing");
    if (l.kind == Kind::MaxPool || l.kind == Kind::AvgPool)
        l.kernel = 2;
    if (object.contains("kernel"))
        l.kernel = integer("kernel", 1, kMaxKernel);
    else if (l.kind == Kind::Conv)
        throw ConfigError(where + " (conv): 'kernel' is missing");
    if (l.kind == Kind::MaxPool || l.kind == Kind::AvgPool)
        l.stride = l.kernel;
    if (object.contains("stride"))
        l.stride = integer("stride", 1, kMaxStride);
    if (object.contains("padding"))
        l.padding = integer("padding", 0, kMaxPadding);
    if (object.contains("slope"))
        l.slope = numberValue(object["slope"], where, "slope", 0.0, 1.0);
    if (object.contains("kind"))
        l.dropoutKind = parseDropoutKind(stringValue(object["kind"], where, "kind", 32), where);
    if (object.contains("description"))
        l.description = stringValue(object["description"], where, "description", kMaxNameBytes * 4);
    return l;
}

template <typename Json>
Json layerToJson(const LayerSpec& l)
{
    Json object;
    object["type"] = toString(l.kind);
    const auto keys = layerKeys(l.kind);
    if (keys.count("name") && !l.name.empty())
        object["name"] = l.name;
    if (keys.count("in") && l.in != 0)
        object["in"] = l.in;
    if (keys.count("out") && l.out != 0)  // a last linear layer without "out" gives the classes
        object["out"] = l.out;
    if (keys.count("kernel"))
        object["kernel"] = l.kernel;
    if (keys.count("stride") && (l.kind == Kind::Conv ? l.stride != 1 : l.stride != l.kernel))
        object["stride"] = l.stride;
    if (keys.count("padding") && l.padding != 0)
        object["padding"] = l.padding;
    if (l.kind == Kind::LeakyRelu)
        object["slope"] = l.slope;
    if (l.kind == Kind::Dropout && l.dropoutKind != DropoutKind::Element)
        object["kind"] = toString(l.dropoutKind);
    if (l.kind == Kind::Dropout && !l.description.empty())
        object["description"] = l.description;
    return object;
}

} // namespace

NetworkSpec networkFromObject(const json& object, const std::string& where)
{
    checkKeys(object, {"format", "version", "name", "description", "layers"}, where);
    if (object.contains("format") && stringValue(object["format"], where, "format", 64) != kFormat)
        throw ConfigError(where + ": 'format' is not \"" + std::string(kFormat) + "\"; this is not a network file");
    if (object.contains("version") && integerValue(object["version"], where, "version", 0, 1000000) != kVersion)
        throw ConfigError(where + ": network file version " + dumpJson(object["version"]) +
                          " is newer than this DropoutLab reads (" + std::to_string(kVersion) + ")");
    NetworkSpec definition;
    if (object.contains("name"))
        definition.name = stringValue(object["name"], where, "name", kMaxNameBytes);
    if (object.contains("description"))
        definition.description = stringValue(object["description"], where, "description", kMaxNameBytes * 4);
    const json& layers = object.contains("layers") ? object["layers"] : json();
    if (!layers.is_array() || layers.empty())
        throw ConfigError(where + ": 'layers' must be a non-empty list of layers, e.g. [{\"type\": \"flatten\"}, "
                                  "{\"type\": \"linear\", \"name\": \"fc1\"}]");
    if (layers.size() > static_cast<std::size_t>(kMaxNetworkLayers))
        throw ConfigError(where + ": 'layers' lists " + std::to_string(layers.size()) + " layers; at most " +
                          std::to_string(kMaxNetworkLayers) + " are allowed");
    for (std::size_t i = 0; i < layers.size(); ++i)
        definition.layers.push_back(layerFromJson(layers[i], where + ": layer " + std::to_string(i + 1)));
    NetworkSpec inferred;
    validateIn(where, [&] { inferred = inferShapes(definition); });
    for (std::size_t i = 0; i < definition.layers.size(); ++i)
        definition.layers[i].name = inferred.layers[i].name;  // generated names become the file's
    return definition;
}

template <typename Json>
Json networkToObject(const NetworkSpec& definition)
{
    Json object;
    object["format"] = kFormat;
    object["version"] = kVersion;
    object["name"] = definition.name;
    if (!definition.description.empty())
        object["description"] = definition.description;
    Json layers = Json::array();
    for (const auto& layer : definition.layers)
        layers.push_back(layerToJson<Json>(layer));
    object["layers"] = std::move(layers);
    return object;
}

template json networkToObject<json>(const NetworkSpec&);

} // namespace detail

NetworkSpec networkFromJson(const std::string& text, const std::string& where)
{
    return detail::networkFromObject(detail::parseJsonText(text, where), where);
}

std::string networkToJson(const NetworkSpec& definition)
{
    // One layer per line: readable and diff-friendly.
    const auto object = detail::networkToObject<nlohmann::ordered_json>(definition);
    std::string text = "{\n";
    for (auto it = object.begin(); it != object.end(); ++it) {
        text += "  " + nlohmann::ordered_json(it.key()).dump() + ": ";
        if (it.key() == "layers") {
            text += "[\n";
            for (std::size_t i = 0; i < it.value().size(); ++i)
                text += "    " + it.value()[i].dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                        (i + 1 < it.value().size() ? ",\n" : "\n");
            text += "  ]";
        } else {
            text += it.value().dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
        }
        text += std::next(it) == object.end() ? "\n" : ",\n";
    }
    return text + "}\n";
}

NetworkSpec readNetworkFile(const std::string& path)
{
    return networkFromJson(readTextFile(path, kMaxJsonFileBytes), path);
}

void writeNetworkFile(const std::string& path, const NetworkSpec& definition)
{
    writeFileAtomically(path, networkToJson(definition));
}

const std::vector<NetworkSpec>& builtinNetworks()
{
    static const std::vector<NetworkSpec> networks = [] {
        std::vector<NetworkSpec> list;
        for (const auto& file : detail::builtinNetworkFiles())
            list.push_back(networkFromJson(file.json, std::string("resources/networks/") + file.name + ".json"));
        std::sort(list.begin(), list.end(), [](const NetworkSpec& a, const NetworkSpec& b) { return a.name < b.name; });
        return list;
    }();
    return networks;
}

NetworkSpec findNetwork(const std::string& nameOrPath)
{
    for (const auto& network : builtinNetworks())
        if (network.name == nameOrPath)
            return network;
    std::error_code ec;
    if (std::filesystem::exists(nameOrPath, ec) || nameOrPath.find('/') != std::string::npos ||
        nameOrPath.find(".json") != std::string::npos)
        return readNetworkFile(nameOrPath);
    std::string names;
    for (const auto& network : builtinNetworks())
        names += (names.empty() ? "" : ", ") + network.name;
    throw ConfigError("--network: '" + nameOrPath + "' is neither a shipped network (" + names +
                      ") nor an existing network file");
}

} // namespace dropoutlab
