#include "config_json.h"

#include "dropoutlab/file_io.h"
#include "dropoutlab/errors.h"
#include "dropoutlab/results.h"

#include "dropoutlab/file_limits.h"

#include <cmath>
#include <sstream>

namespace dropoutlab {
namespace detail {
using nlohmann::json;

namespace {

constexpr std::size_t kMaxDropoutSites = 16;

DropoutSetting dropoutFromJson(const json& value, const std::string& where)
{
    DropoutSetting setting;
    if (value.is_number()) {
        setting.rate = numberValue(value, where, "rate");
        return setting;
    }
    checkKeys(value, {"rate", "kind"}, where);
    if (value.contains("rate"))
        setting.rate = numberValue(value["rate"], where, "rate");
    if (value.contains("kind"))
        setting.kind = parseDropoutKind(stringValue(value["kind"], where, "kind", 32), where);
    return setting;
}

} // namespace

json configToJsonObject(const ExperimentConfig& config)
{
    json dropout = json::object();
    for (const auto& [site, setting] : config.dropout)
        dropout[site] = {{"rate", setting.rate}, {"kind", toString(setting.kind)}};
    json object = {
        {"name", config.name},
        {"data", config.dataDir},
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
    if (config.model == ModelKind::Mlp)
        object["hidden_widths"] = config.hiddenWidths;
    return object;
}

void applyConfigJson(ExperimentConfig& config, const json& object, const std::string& where)
{
    checkKeys(object,
              {"name", "data", "model", "hidden_widths", "dropout", "epochs", "batch_size", "learning_rate", "momentum", "train_subset",
               "validation_fraction", "seeds", "seed", "device", "threads", "progress_every", "eval_batch_size",
               "early_stopping_patience"},
              where);
    const auto has = [&](const char* key) { return object.contains(key); };
    if (has("name"))
        config.name = stringValue(object["name"], where, "name", kMaxNameBytes);
    if (has("data"))
        config.dataDir = stringValue(object["data"], where, "data", kMaxPathBytes);
    if (has("model"))
        config.model = parseModelKind(stringValue(object["model"], where, "model", 32), where);
    if (has("hidden_widths")) {
        const json& widths = object["hidden_widths"];
        if (!widths.is_array() || widths.empty() || widths.size() > static_cast<std::size_t>(kMaxHiddenLayers))
            throw ConfigError(where + ": 'hidden_widths' must be a list of 1-" + std::to_string(kMaxHiddenLayers) +
                              " layer widths, e.g. [1024, 1024, 1024]");
        config.hiddenWidths.clear();
        for (const auto& width : widths)
            config.hiddenWidths.push_back(
                static_cast<int>(integerValue(width, where, "hidden_widths", 1, kMaxHiddenWidth)));
    }
    if (has("dropout")) {
        const json& dropout = object["dropout"];
        if (!dropout.is_object())
            throw ConfigError(where + ": 'dropout' must be an object like {\"fc1\": 0.5}");
        if (dropout.size() > kMaxDropoutSites)
            throw ConfigError(where + ": 'dropout' lists " + std::to_string(dropout.size()) +
                              " sites; a model has at most " + std::to_string(kMaxDropoutSites));
        config.dropout.clear();
        for (const auto& item : dropout.items())
            config.dropout[item.key()] = dropoutFromJson(item.value(), where + ": dropout site " + item.key());
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
    if (has("seeds")) {
        const json& seeds = object["seeds"];
        const std::string seedsWhere = where + ": seeds";
        checkKeys(seeds, {"init", "split", "shuffle", "dropout"}, seedsWhere);
        if (seeds.contains("init"))
            config.seeds.init = unsignedValue(seeds["init"], seedsWhere, "init");
        if (seeds.contains("split"))
            config.seeds.split = unsignedValue(seeds["split"], seedsWhere, "split");
        if (seeds.contains("shuffle"))
            config.seeds.shuffle = unsignedValue(seeds["shuffle"], seedsWhere, "shuffle");
        if (seeds.contains("dropout"))
            config.seeds.dropout = unsignedValue(seeds["dropout"], seedsWhere, "dropout");
    }
    if (has("device"))
        config.device = stringValue(object["device"], where, "device", 32);
    if (has("threads"))
        config.threads = static_cast<int>(integerValue(object["threads"], where, "threads", 0, kMaxThreads));
    if (has("progress_every"))
        config.progressEvery = static_cast<int>(integerValue(object["progress_every"], where, "progress_every", 1, kMaxProgressEvery));
    if (has("early_stopping_patience"))
        config.earlyStoppingPatience = static_cast<int>(integerValue(object["early_stopping_patience"], where, "early_stopping_patience", 0, kMaxEpochs));
    if (has("eval_batch_size"))
        config.evalBatchSize = static_cast<int>(integerValue(object["eval_batch_size"], where, "eval_batch_size", 1, kMaxBatchSize));
}

namespace {

/// Thrown from the parser callback to stop at the first limit exceeded.
struct LimitExceeded {
    std::string problem;
};

std::string describe(const json& value)
{
    // Error messages quote the value, but never a whole nested document.
    std::string text = value.is_structured() ? std::string(value.type_name()) : value.dump();
    if (text.size() > 80)
        text = text.substr(0, 77) + "...";
    return text;
}

} // namespace

json parseJsonText(const std::string& text, const std::string& where)
{
    if (text.size() > kMaxJsonFileBytes)
        throw ConfigError(where + ": " + std::to_string(text.size()) + " bytes; expected at most " +
                          std::to_string(kMaxJsonFileBytes));
    const auto limits = [](int depth, json::parse_event_t event, json& parsed) {
        if (depth > kMaxJsonDepth)
            throw LimitExceeded{"nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
        if ((event == json::parse_event_t::key || event == json::parse_event_t::value) && parsed.is_string() &&
            parsed.get_ref<const std::string&>().size() > kMaxJsonStringBytes)
            throw LimitExceeded{"a string of " + std::to_string(parsed.get_ref<const std::string&>().size()) +
                                " bytes; expected at most " + std::to_string(kMaxJsonStringBytes)};
        return true;
    };
    try {
        return json::parse(text, limits);
    } catch (const LimitExceeded& limit) {
        throw ConfigError(where + ": " + limit.problem);
    } catch (const json::parse_error& error) {
        throw ConfigError(where + ": invalid JSON at byte " + std::to_string(error.byte) + " (" + error.what() + ")");
    } catch (const json::exception& error) {
        // e.g. a number beyond double's range such as 1e400
        throw ConfigError(where + ": invalid JSON (" + std::string(error.what()) + ")");
    }
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

bool boolValue(const json& value, const std::string& where, const std::string& key)
{
    if (!value.is_boolean())
        throw ConfigError(where + ": '" + key + "' is " + describe(value) + "; expected true or false");
    return value.get<bool>();
}

} // namespace detail

std::string configToJson(const ExperimentConfig& config)
{
    return detail::configToJsonObject(config).dump(2) + "\n";
}

ExperimentConfig configFromJson(const std::string& text, const std::string& where)
{
    ExperimentConfig config;
    detail::applyConfigJson(config, detail::parseJsonText(text, where), where);
    return config;
}

ExperimentConfig loadConfigFile(const std::string& path)
{
    ExperimentConfig config = configFromJson(readTextFile(path, kMaxJsonFileBytes), path);
    detail::validateIn(path, [&] { validateConfig(config); });
    return config;
}

} // namespace dropoutlab
