#include "config_json.h"

#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"

#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/network.h"
#include "network_file.h"

#include <cmath>
#include <sstream>

namespace dropoutlab {
namespace detail {
using nlohmann::json;

namespace {

constexpr auto kMaxDropoutSites = static_cast<std::size_t>(kMaxDropoutSitesPerNetwork);

DropoutSetting dropoutFromJson(const json& value, const std::string& where)
{
    DropoutSetting setting;
    if (value.is_number()) {
        setting.rate = numberValue(value, where, "rate");
        return setting;
    }
    checkKeys(value, {"rate", "kind", "block_size", "schedule", "start_rate", "ramp_epochs"}, where);
    if (value.contains("rate"))
        setting.rate = numberValue(value["rate"], where, "rate");
    if (value.contains("kind"))
        setting.kind = parseDropoutKind(stringValue(value["kind"], where, "kind", 32), where);
    if (value.contains("block_size"))
        setting.blockSize = static_cast<int>(integerValue(value["block_size"], where, "block_size", 1, kMaxBlockSize));
    if (value.contains("schedule"))
        setting.schedule = parseRateSchedule(stringValue(value["schedule"], where, "schedule", 32), where);
    if (value.contains("start_rate"))
        setting.startRate = numberValue(value["start_rate"], where, "start_rate");
    if (value.contains("ramp_epochs"))
        setting.rampEpochs = static_cast<int>(integerValue(value["ramp_epochs"], where, "ramp_epochs", 1, kMaxScheduleEpochs));
    return setting;
}

std::vector<int> hiddenWidthsFromJson(const json& widths, const std::string& where)
{
    if (!widths.is_array() || widths.empty() || widths.size() > static_cast<std::size_t>(kMaxHiddenLayers))
        throw ConfigError(where + ": 'hidden_widths' must be a list of 1-" + std::to_string(kMaxHiddenLayers) +
                          " layer widths, e.g. [1024, 1024, 1024]");
    std::vector<int> result;
    for (const auto& width : widths)
        result.push_back(static_cast<int>(integerValue(width, where, "hidden_widths", 1, kMaxHiddenWidth)));
    return result;
}

std::map<std::string, DropoutSetting> dropoutMapFromJson(const json& dropout, const std::string& where)
{
    if (!dropout.is_object())
        throw ConfigError(where + ": 'dropout' must be an object like {\"fc1\": 0.5}");
    if (dropout.size() > kMaxDropoutSites)
        throw ConfigError(where + ": 'dropout' lists " + std::to_string(dropout.size()) +
                          " sites; a model has at most " + std::to_string(kMaxDropoutSites));
    std::map<std::string, DropoutSetting> result;
    for (const auto& item : dropout.items())
        result[item.key()] = dropoutFromJson(item.value(), where + ": dropout site " + item.key());
    return result;
}

void applySeedsJson(Seeds& seeds, const json& object, const std::string& where)
{
    checkKeys(object, {"init", "split", "shuffle", "dropout"}, where);
    if (object.contains("init"))
        seeds.init = unsignedValue(object["init"], where, "init");
    if (object.contains("split"))
        seeds.split = unsignedValue(object["split"], where, "split");
    if (object.contains("shuffle"))
        seeds.shuffle = unsignedValue(object["shuffle"], where, "shuffle");
    if (object.contains("dropout"))
        seeds.dropout = unsignedValue(object["dropout"], where, "dropout");
}

json inputToJson(const DataShape& input)
{
    return {{"channels", input.channels}, {"height", input.height}, {"width", input.width}, {"classes", input.classes}};
}

DataShape inputFromJson(const json& object, const std::string& where)
{
    if (!object.is_object())
        throw ConfigError(where + ": 'input' must be an object with channels, height, width and classes");
    checkKeys(object, {"channels", "height", "width", "classes"}, where + ": input");
    DataShape input;
    const auto field = [&](const char* key, int& value, int low, int high) {
        if (object.contains(key))
            value = static_cast<int>(integerValue(object[key], where, std::string("input.") + key, low, high));
    };
    field("channels", input.channels, 1, 3);
    field("height", input.height, 1, kMaxImageSide);
    field("width", input.width, 1, kMaxImageSide);
    field("classes", input.classes, kMinClasses, kMaxClasses);
    return input;
}

} // namespace

json configToJsonObject(const ExperimentConfig& config)
{
    json dropout = json::object();
    for (const auto& [site, setting] : config.dropout) {
        json entry = {{"rate", setting.rate}, {"kind", toString(setting.kind)}};
        if (setting.kind == DropoutKind::DropBlock)
            entry["block_size"] = setting.blockSize;
        if (setting.schedule != RateSchedule::Constant) {
            entry["schedule"] = toString(setting.schedule);
            entry["ramp_epochs"] = setting.rampEpochs;
            if (setting.schedule == RateSchedule::Ramp)
                entry["start_rate"] = setting.startRate;
        }
        dropout[site] = entry;
    }
    json object = {
        {"name", config.name},
        {"data", pathToJson(config.dataDir)},
        {"model", toString(config.model)},
        {"dropout", dropout},
        {"epochs", config.epochs},
        {"batch_size", config.batchSize},
        {"learning_rate", config.learningRate},
        {"momentum", config.momentum},
        {"train_subset", config.trainSubset},
        {"validation_fraction", config.validationFraction},
        {"seeds",
         {{"init", config.seeds.init},
          {"split", config.seeds.split},
          {"shuffle", config.seeds.shuffle},
          {"dropout", config.seeds.dropout}}},
        {"device", config.device},
        {"threads", config.threads},
        {"progress_every", config.progressEvery},
        {"eval_batch_size", config.evalBatchSize},
        {"early_stopping_patience", config.earlyStoppingPatience},
    };
    if (config.input != DataShape{})  // MNIST's shape is the default; other data's is kept
        object["input"] = inputToJson(config.input);
    if (config.trainEvalImages == kTrainEvalAll)
        object["train_eval"] = "all";
    else
        object["train_eval"] = config.trainEvalImages;
    if (!config.normalisation.empty()) {
        json means = json::array(), stds = json::array();
        for (const auto& c : config.normalisation) {
            means.push_back(c.mean);
            stds.push_back(c.std);
        }
        object["normalisation"] = {{"mean", means}, {"std", stds}};
    }
    if (config.model == ModelKind::Mlp)
        object["hidden_widths"] = config.hiddenWidths;
    if (config.model == ModelKind::Custom)
        object["network"] = networkToObject<json>(config.network);
    object["activation"] = toString(config.activation);
    object["pixels"] = toString(config.pixels);
    object["init"] = toString(config.init);
    object["init_std"] = config.initStd;
    object["optimiser"] = toString(config.optimiser);
    object["nesterov"] = config.nesterov;
    object["dampened_momentum"] = config.dampenedMomentum;
    object["adam_betas"] = {config.adamBeta1, config.adamBeta2};
    object["adam_eps"] = config.adamEps;
    object["weight_decay"] = config.weightDecay;
    object["lr_schedule"] = toString(config.lrSchedule);
    object["lr_step_epochs"] = config.lrStepEpochs;
    object["lr_gamma"] = config.lrGamma;
    object["lr_min"] = config.lrMin;
    object["warmup_epochs"] = config.warmupEpochs;
    object["momentum_start"] = config.momentumStart;
    object["momentum_ramp_epochs"] = config.momentumRampEpochs;
    object["max_norm"] = config.maxNorm;
    object["max_norm_layers"] = config.maxNormLayers;
    return object;
}

/// {"mean": [m1, ...], "std": [s1, ...]}: one pair per channel, or one for all.
std::vector<ChannelStatistics> normalisationFromJson(const json& object, const std::string& where)
{
    const std::string expected = where + ": 'normalisation' must be {\"mean\": [...], \"std\": [...]} with one number per channel (or one for all)";
    if (!object.is_object())
        throw ConfigError(expected);
    checkKeys(object, {"mean", "std"}, where + ": normalisation");
    if (!object.contains("mean") || !object.contains("std") || !object["mean"].is_array() || !object["std"].is_array() ||
        object["mean"].size() != object["std"].size() || object["mean"].empty() ||
        object["mean"].size() > static_cast<std::size_t>(kMaxImageSide))
        throw ConfigError(expected);
    std::vector<ChannelStatistics> out;
    for (std::size_t i = 0; i < object["mean"].size(); ++i)
        out.push_back({numberValue(object["mean"][i], where, "normalisation.mean", -1e6, 1e6),
                       numberValue(object["std"][i], where, "normalisation.std", 1e-12, 1e6)});
    return out;
}

void applyConfigJson(ExperimentConfig& config, const json& object, const std::string& where)
{
    checkKeys(object,
              {"name", "data", "input", "model", "network", "hidden_widths", "dropout", "epochs", "batch_size", "learning_rate", "momentum", "train_subset",
               "validation_fraction", "seeds", "seed", "device", "threads", "progress_every", "eval_batch_size",
               "early_stopping_patience", "train_eval", "normalisation", "activation", "pixels", "init", "init_std", "optimiser", "nesterov",
               "dampened_momentum", "adam_betas", "adam_eps", "weight_decay", "lr_schedule", "lr_step_epochs", "lr_gamma",
               "lr_min", "warmup_epochs", "momentum_start", "momentum_ramp_epochs", "max_norm", "max_norm_layers"},
              where);
    const auto has = [&](const char* key) { return object.contains(key); };
    if (has("name"))
        config.name = stringValue(object["name"], where, "name", kMaxNameBytes);
    if (has("data"))
        config.dataDir = pathValue(object["data"], where, "data");
    if (has("input"))
        config.input = inputFromJson(object["input"], where);
    if (has("model"))
        config.model = parseModelKind(stringValue(object["model"], where, "model", 32), where);
    if (has("network")) {
        if (has("model") && config.model != ModelKind::Custom)
            throw ConfigError(where + ": 'network' gives a custom network, but 'model' is \"" + toString(config.model) +
                              "\"; leave 'model' out or make it \"custom\"");
        const json& network = object["network"];
        // A shipped network's name or a file's path, or the layers themselves.
        config.network = network.is_string()
                             ? findNetwork(stringValue(network, where, "network", kMaxPathBytes))
                             : networkFromObject(network, where + ": network");
        config.model = ModelKind::Custom;
    } else if (has("model") && config.model == ModelKind::Custom && config.network.layers.empty()) {
        throw ConfigError(where + ": 'model' is \"custom\", but no 'network' gives its layers");
    }
    if (has("hidden_widths"))
        config.hiddenWidths = hiddenWidthsFromJson(object["hidden_widths"], where);
    if (has("dropout")) {
        config.dropout = dropoutMapFromJson(object["dropout"], where);
        // A site given as a bare rate takes the network's default kind for it.
        for (const auto& item : object["dropout"].items())
            if (item.value().is_number())
                applyDefaultKind(config, item.key());
    }
    if (has("epochs"))
        config.epochs = static_cast<int>(integerValue(object["epochs"], where, "epochs", 1, kMaxEpochs));
    if (has("batch_size"))
        config.batchSize = static_cast<int>(integerValue(object["batch_size"], where, "batch_size", 1, kMaxBatchSize));
    if (has("learning_rate"))
        config.learningRate = numberValue(object["learning_rate"], where, "learning_rate");
    if (has("momentum"))
        config.momentum = numberValue(object["momentum"], where, "momentum");
    if (has("train_subset"))
        config.trainSubset = integerValue(object["train_subset"], where, "train_subset", 0, std::numeric_limits<std::int64_t>::max());
    if (has("validation_fraction"))
        config.validationFraction = numberValue(object["validation_fraction"], where, "validation_fraction");
    if (has("seed")) {
        // Shorthand: one seed for initialisation, shuffling and dropout; the split keeps its own.
        const auto seed = unsignedValue(object["seed"], where, "seed");
        config.seeds.init = config.seeds.shuffle = config.seeds.dropout = seed;
    }
    if (has("seeds"))
        applySeedsJson(config.seeds, object["seeds"], where + ": seeds");
    if (has("device"))
        config.device = stringValue(object["device"], where, "device", 32);
    if (has("threads"))
        config.threads = static_cast<int>(integerValue(object["threads"], where, "threads", 0, kMaxThreads));
    if (has("progress_every"))
        config.progressEvery = static_cast<int>(integerValue(object["progress_every"], where, "progress_every", 1, kMaxProgressEvery));
    if (has("early_stopping_patience"))
        config.earlyStoppingPatience = static_cast<int>(integerValue(object["early_stopping_patience"], where, "early_stopping_patience", 0, kMaxEpochs));
    if (has("train_eval")) {
        const json& value = object["train_eval"];
        config.trainEvalImages = value.is_string()
                                     ? parseTrainEvalImages(stringValue(value, where, "train_eval", 16), where + ": 'train_eval'")
                                     : integerValue(value, where, "train_eval", 0, std::numeric_limits<std::int64_t>::max());
    }
    if (has("normalisation"))
        config.normalisation = normalisationFromJson(object["normalisation"], where);
    if (has("eval_batch_size"))
        config.evalBatchSize = static_cast<int>(integerValue(object["eval_batch_size"], where, "eval_batch_size", 1, kMaxBatchSize));
    applyOptimiserJson(config, object, where);
}

void applyOptimiserJson(ExperimentConfig& config, const json& object, const std::string& where)
{
    const auto has = [&](const char* key) { return object.contains(key); };
    const auto epochsValue = [&](const char* key, int min) {
        return static_cast<int>(integerValue(object[key], where, key, min, kMaxScheduleEpochs));
    };
    if (has("activation"))
        config.activation = parseActivation(stringValue(object["activation"], where, "activation", 32), where);
    if (has("pixels"))
        config.pixels = parsePixelRange(stringValue(object["pixels"], where, "pixels", 32), where);
    if (has("init"))
        config.init = parseInitScheme(stringValue(object["init"], where, "init", 32), where);
    if (has("init_std"))
        config.initStd = numberValue(object["init_std"], where, "init_std", 0.0, 100.0);
    if (has("optimiser"))
        config.optimiser = parseOptimiserKind(stringValue(object["optimiser"], where, "optimiser", 32), where);
    if (has("nesterov"))
        config.nesterov = boolValue(object["nesterov"], where, "nesterov");
    if (has("dampened_momentum"))
        config.dampenedMomentum = boolValue(object["dampened_momentum"], where, "dampened_momentum");
    if (has("adam_betas")) {
        const json& betas = object["adam_betas"];
        if (!betas.is_array() || betas.size() != 2)
            throw ConfigError(where + ": 'adam_betas' must be a list of two numbers, e.g. [0.9, 0.999]");
        config.adamBeta1 = numberValue(betas[0], where, "adam_betas[0]", 0.0, 1.0);
        config.adamBeta2 = numberValue(betas[1], where, "adam_betas[1]", 0.0, 1.0);
    }
    if (has("adam_eps"))
        config.adamEps = numberValue(object["adam_eps"], where, "adam_eps", 0.0, 1.0);
    if (has("weight_decay"))
        config.weightDecay = numberValue(object["weight_decay"], where, "weight_decay", 0.0, 1e3);
    if (has("lr_schedule"))
        config.lrSchedule = parseLrSchedule(stringValue(object["lr_schedule"], where, "lr_schedule", 32), where);
    if (has("lr_step_epochs"))
        config.lrStepEpochs = epochsValue("lr_step_epochs", 1);
    if (has("lr_gamma"))
        config.lrGamma = numberValue(object["lr_gamma"], where, "lr_gamma", 0.0, 1.0);
    if (has("lr_min"))
        config.lrMin = numberValue(object["lr_min"], where, "lr_min", 0.0);
    if (has("warmup_epochs"))
        config.warmupEpochs = epochsValue("warmup_epochs", 0);
    if (has("momentum_start"))
        config.momentumStart = numberValue(object["momentum_start"], where, "momentum_start", 0.0, 1.0);
    if (has("momentum_ramp_epochs"))
        config.momentumRampEpochs = epochsValue("momentum_ramp_epochs", 0);
    if (has("max_norm"))
        config.maxNorm = numberValue(object["max_norm"], where, "max_norm", 0.0, 1e6);
    if (has("max_norm_layers")) {
        const json& layers = object["max_norm_layers"];
        config.maxNormLayers.clear();
        if (layers.is_string()) {
            // "fc1,fc2" (the command line's form)
            std::stringstream items(stringValue(layers, where, "max_norm_layers", 256));
            std::string item;
            while (std::getline(items, item, ','))
                if (!item.empty())
                    config.maxNormLayers.push_back(item);
        } else if (layers.is_array() && layers.size() <= 64) {
            for (const auto& layer : layers)
                config.maxNormLayers.push_back(stringValue(layer, where, "max_norm_layers", 64));
        } else {
            throw ConfigError(where + ": 'max_norm_layers' must be a list of layer names, e.g. [\"fc1\", \"fc2\"]");
        }
    }
}

namespace {

std::string describe(const json& value)
{
    // Error messages quote the value, but never a whole nested document.
    std::string text = value.is_structured() ? std::string(value.type_name()) : dumpJson(value);
    if (text.size() > 80)
        text = text.substr(0, 77) + "...";
    return text;
}

/// Builds the document from nlohmann's SAX events and enforces DropoutLab's limits on the way:
/// nesting depth, string length and duplicate keys. Every event costs O(1) (amortised), so a
/// file is parsed in time linear in its size whatever its shape. (nlohmann's callback parser,
/// `json::parse(text, callback)`, rescans the parent container after every closed object,
/// which made an array of n objects cost n^2.)
class LimitedDomBuilder {
public:
    explicit LimitedDomBuilder(json& root) : m_root(root) {}

    bool null() { return place(json(nullptr)); }
    bool boolean(bool value) { return place(json(value)); }
    bool number_integer(json::number_integer_t value) { return place(json(value)); }
    bool number_unsigned(json::number_unsigned_t value) { return place(json(value)); }
    bool number_float(json::number_float_t value, const json::string_t& /*text*/) { return place(json(value)); }
    bool string(json::string_t& value)
    {
        if (!checkLength(value))
            return false;
        return place(json(std::move(value)));
    }
    bool binary(json::binary_t& /*value*/) { return fail("binary values are not JSON"); }

    bool start_object(std::size_t /*count*/)
    {
        if (!place(json::object()))
            return false;
        return open();
    }
    bool key(json::string_t& name)
    {
        if (!checkLength(name))
            return false;
        json& object = *m_stack.back();
        if (object.contains(name))
            return fail("the key " + quoted(name) + " appears twice in one object");
        m_key = std::move(name);
        return true;
    }
    bool end_object() { return close(); }
    bool start_array(std::size_t /*count*/)
    {
        if (!place(json::array()))
            return false;
        return open();
    }
    bool end_array() { return close(); }

    template <class Exception>
    bool parse_error(std::size_t byte, const std::string& /*token*/, const Exception& error)
    {
        if constexpr (std::is_same_v<Exception, json::parse_error>)
            m_problem = "invalid JSON at byte " + std::to_string(byte) + " (" + error.what() + ")";
        else // e.g. a number beyond double's range such as 1e400
            m_problem = "invalid JSON (" + std::string(error.what()) + ")";
        return false;
    }

    const std::string& problem() const { return m_problem; }

private:
    bool place(json&& value)
    {
        if (!m_problem.empty())
            return false;
        if (m_stack.empty()) {
            m_root = std::move(value);
            m_last = &m_root;
        } else if (m_stack.back()->is_array()) {
            m_stack.back()->push_back(std::move(value));
            m_last = &m_stack.back()->back();
        } else {
            m_last = &((*m_stack.back())[m_key] = std::move(value));
        }
        return true;
    }
    bool open()
    {
        if (static_cast<int>(m_stack.size()) >= kMaxJsonDepth)
            return fail("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        m_stack.push_back(m_last);
        return true;
    }
    bool close()
    {
        m_stack.pop_back();
        return true;
    }
    bool checkLength(const std::string& text)
    {
        if (text.size() <= kMaxJsonStringBytes)
            return true;
        return fail("a string of " + std::to_string(text.size()) + " bytes; expected at most " +
                    std::to_string(kMaxJsonStringBytes));
    }
    bool fail(std::string problem)
    {
        if (m_problem.empty())
            m_problem = std::move(problem);
        return false;
    }
    /// The key in quotes, control bytes escaped and invalid UTF-8 replaced, cut at 64 bytes.
    static std::string quoted(const std::string& name)
    {
        const std::string shown = name.size() > 64 ? name.substr(0, 61) + "..." : name;
        return dumpJson(json(shown));
    }

    json& m_root;
    std::vector<json*> m_stack;
    json* m_last = nullptr;
    std::string m_key;
    std::string m_problem;
};

} // namespace

json parseJsonText(const std::string& text, const std::string& where)
{
    if (text.size() > kMaxJsonFileBytes)
        throw ConfigError(where + ": " + std::to_string(text.size()) + " bytes; expected at most " +
                          std::to_string(kMaxJsonFileBytes));
    json document;
    LimitedDomBuilder builder(document);
    const bool parsed = json::sax_parse(text, &builder);
    if (!parsed || !builder.problem().empty())
        throw ConfigError(where + ": " + (builder.problem().empty() ? std::string("invalid JSON") : builder.problem()));
    return document;
}

void checkKeys(const json& object, const std::set<std::string>& known, const std::string& where)
{
    if (!object.is_object())
        throw ConfigError(where + ": expected a JSON object, found " + std::string(object.type_name()));
    for (const auto& item : object.items()) {
        if (known.count(item.key()) == 0) {
            std::string list;
            for (const auto& name : known)
                list += (list.empty() ? "" : ", ") + name;
            const std::string key = item.key().size() > 64 ? item.key().substr(0, 61) + "..." : item.key();
            throw ConfigError(where + ": unknown key '" + key + "'; expected one of " + list);
        }
    }
}

double numberValue(const json& value, const std::string& where, const std::string& key, double min, double max)
{
    if (!value.is_number())
        throw ConfigError(where + ": '" + key + "' is " + describe(value) + "; expected a number");
    const double number = value.get<double>();
    if (!std::isfinite(number) || number < min || number > max) {
        std::ostringstream range;
        range << "; expected a number from " << min << " to " << max;
        throw ConfigError(where + ": '" + key + "' is " + describe(value) + range.str());
    }
    return number;
}

std::int64_t integerValue(const json& value, const std::string& where, const std::string& key, std::int64_t min,
                          std::int64_t max)
{
    const auto fail = [&] {
        throw ConfigError(where + ": '" + key + "' is " + describe(value) + "; expected an integer from " +
                          std::to_string(min) + " to " + std::to_string(max));
    };
    if (!value.is_number_integer())
        fail();
    if (value.is_number_unsigned()) {
        const auto number = value.get<std::uint64_t>();
        if (max < 0 || number > static_cast<std::uint64_t>(max) ||
            static_cast<std::int64_t>(number) < min)
            fail();
        return static_cast<std::int64_t>(number);
    }
    const auto number = value.get<std::int64_t>();
    if (number < min || number > max)
        fail();
    return number;
}

std::uint64_t unsignedValue(const json& value, const std::string& where, const std::string& key)
{
    if (!value.is_number_unsigned())
        throw ConfigError(where + ": '" + key + "' is " + describe(value) + "; expected an integer from 0 to " +
                          std::to_string(std::numeric_limits<std::uint64_t>::max()));
    return value.get<std::uint64_t>();
}

std::string stringValue(const json& value, const std::string& where, const std::string& key, std::size_t maxBytes)
{
    if (!value.is_string())
        throw ConfigError(where + ": '" + key + "' is " + describe(value) + "; expected a string");
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > maxBytes)
        throw ConfigError(where + ": '" + key + "' is " + std::to_string(text.size()) + " bytes long; expected at most " +
                          std::to_string(maxBytes));
    return text;
}

std::string dumpJson(const json& value, int indent)
{
    return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

bool isUtf8(const std::string& text)
{
    try {
        (void)json(text).dump();  // nlohmann refuses invalid UTF-8 when it writes a string
        return true;
    } catch (const json::type_error&) {
        return false;
    }
}

json pathToJson(const std::string& path)
{
    if (isUtf8(path))
        return path;
    static const char* const digits = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * path.size());
    for (const unsigned char byte : path) {
        hex += digits[byte >> 4];
        hex += digits[byte & 15];
    }
    return json{{"bytes_hex", hex}};
}

std::string pathValue(const json& value, const std::string& where, const std::string& key)
{
    if (!value.is_object())
        return stringValue(value, where, key, kMaxPathBytes);
    checkKeys(value, {"bytes_hex"}, where + ": '" + key + "'");
    const std::string hex = stringValue(value["bytes_hex"], where, key + ".bytes_hex", 2 * kMaxPathBytes);
    auto nibble = [&](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        throw ConfigError(where + ": '" + key + ".bytes_hex' has a character that is not a hex digit; expected "
                          "two hex digits per byte of the path");
    };
    if (hex.size() % 2 != 0)
        throw ConfigError(where + ": '" + key + ".bytes_hex' has an odd number of hex digits; expected two per byte");
    std::string path;
    path.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2)
        path += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
    if (path.find('\0') != std::string::npos)
        throw ConfigError(where + ": '" + key + ".bytes_hex' holds a NUL byte; a path cannot");
    return path;
}

bool boolValue(const json& value, const std::string& where, const std::string& key)
{
    if (!value.is_boolean())
        throw ConfigError(where + ": '" + key + "' is " + describe(value) + "; expected true or false");
    return value.get<bool>();
}

} // namespace detail

std::string configToJson(const ExperimentConfig& config)
{
    return detail::dumpJson(detail::configToJsonObject(config), 2) + "\n";
}

ExperimentConfig configFromJson(const std::string& text, const std::string& where)
{
    ExperimentConfig config;
    detail::applyConfigJson(config, detail::parseJsonText(text, where), where);
    return config;
}

void applyConfigSetting(ExperimentConfig& config, const std::string& key, const std::string& value,
                        const std::string& where)
{
    if (key.empty() || key.size() > 64)
        throw ConfigError(where + ": expected KEY=VALUE with a config key, e.g. weight_decay=0.0005");
    nlohmann::json parsed;
    try {
        parsed = detail::parseJsonText(value, where);
    } catch (const std::exception&) {
        parsed = value;  // not JSON: a plain word such as cosine
    }
    if (key == "seeds" || key == "dropout")
        throw ConfigError(where + ": '" + key + "' has its own options (--seed, --split-seed, --dropout)");
    detail::applyConfigJson(config, nlohmann::json{{key, parsed}}, where);
}

ExperimentConfig loadConfigFile(const std::string& path)
{
    ExperimentConfig config = configFromJson(readTextFile(path, kMaxJsonFileBytes), path);
    detail::validateIn(path, [&] { validateConfig(config); });
    return config;
}

} // namespace dropoutlab
