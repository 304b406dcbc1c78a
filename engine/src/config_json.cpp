#include "config_json.h"

#include "dropoutlab/errors.h"
#include "dropoutlab/results.h"

#include <set>

namespace dropoutlab {
namespace detail {
namespace {

using nlohmann::json;

template <typename T>
T valueAs(const json& value, const std::string& where, const std::string& key, const char* expected)
{
    try {
        return value.get<T>();
    } catch (const json::exception&) {
        throw ConfigError(where + ": '" + key + "' is " + value.dump() + "; expected " + expected);
    }
}

double numberAt(const json& value, const std::string& where, const std::string& key)
{
    if (!value.is_number())
        throw ConfigError(where + ": '" + key + "' is " + value.dump() + "; expected a number");
    return value.get<double>();
}

template <typename Int>
Int integerAt(const json& value, const std::string& where, const std::string& key)
{
    if (!value.is_number_integer())
        throw ConfigError(where + ": '" + key + "' is " + value.dump() + "; expected an integer");
    return value.get<Int>();
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
            throw ConfigError(where + ": unknown key '" + item.key() + "'; expected one of " + list);
        }
    }
}

DropoutSetting dropoutFromJson(const json& value, const std::string& where)
{
    DropoutSetting setting;
    if (value.is_number()) {
        setting.rate = value.get<double>();
        return setting;
    }
    checkKeys(value, {"rate", "kind"}, where);
    if (value.contains("rate"))
        setting.rate = numberAt(value["rate"], where, "rate");
    if (value.contains("kind"))
        setting.kind = parseDropoutKind(valueAs<std::string>(value["kind"], where, "kind", "a string"), where);
    return setting;
}

} // namespace

json configToJsonObject(const ExperimentConfig& config)
{
    json dropout = json::object();
    for (const auto& [site, setting] : config.dropout)
        dropout[site] = {{"rate", setting.rate}, {"kind", toString(setting.kind)}};
    return {
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
}

void applyConfigJson(ExperimentConfig& config, const json& object, const std::string& where)
{
    checkKeys(object,
              {"name", "data", "model", "dropout", "epochs", "batch_size", "learning_rate", "momentum", "train_subset",
               "validation_fraction", "seeds", "seed", "device", "threads", "progress_every", "eval_batch_size",
               "early_stopping_patience"},
              where);
    const auto has = [&](const char* key) { return object.contains(key); };
    if (has("name"))
        config.name = valueAs<std::string>(object["name"], where, "name", "a string");
    if (has("data"))
        config.dataDir = valueAs<std::string>(object["data"], where, "data", "a string (dataset folder)");
    if (has("model"))
        config.model = parseModelKind(valueAs<std::string>(object["model"], where, "model", "a string"), where);
    if (has("dropout")) {
        const json& dropout = object["dropout"];
        if (!dropout.is_object())
            throw ConfigError(where + ": 'dropout' must be an object like {\"fc1\": 0.5}");
        config.dropout.clear();
        for (const auto& item : dropout.items())
            config.dropout[item.key()] = dropoutFromJson(item.value(), where + ": dropout site " + item.key());
    }
    if (has("epochs"))
        config.epochs = integerAt<int>(object["epochs"], where, "epochs");
    if (has("batch_size"))
        config.batchSize = integerAt<int>(object["batch_size"], where, "batch_size");
    if (has("learning_rate"))
        config.learningRate = numberAt(object["learning_rate"], where, "learning_rate");
    if (has("momentum"))
        config.momentum = numberAt(object["momentum"], where, "momentum");
    if (has("train_subset"))
        config.trainSubset = integerAt<std::int64_t>(object["train_subset"], where, "train_subset");
    if (has("validation_fraction"))
        config.validationFraction = numberAt(object["validation_fraction"], where, "validation_fraction");
    if (has("seed")) {
        // Shorthand: one seed for initialisation, shuffling and dropout; the split keeps its own.
        const auto seed = integerAt<std::uint64_t>(object["seed"], where, "seed");
        config.seeds.init = config.seeds.shuffle = config.seeds.dropout = seed;
    }
    if (has("seeds")) {
        const json& seeds = object["seeds"];
        const std::string seedsWhere = where + ": seeds";
        checkKeys(seeds, {"init", "split", "shuffle", "dropout"}, seedsWhere);
        if (seeds.contains("init"))
            config.seeds.init = integerAt<std::uint64_t>(seeds["init"], seedsWhere, "init");
        if (seeds.contains("split"))
            config.seeds.split = integerAt<std::uint64_t>(seeds["split"], seedsWhere, "split");
        if (seeds.contains("shuffle"))
            config.seeds.shuffle = integerAt<std::uint64_t>(seeds["shuffle"], seedsWhere, "shuffle");
        if (seeds.contains("dropout"))
            config.seeds.dropout = integerAt<std::uint64_t>(seeds["dropout"], seedsWhere, "dropout");
    }
    if (has("device"))
        config.device = valueAs<std::string>(object["device"], where, "device", "auto, cpu or cuda");
    if (has("threads"))
        config.threads = integerAt<int>(object["threads"], where, "threads");
    if (has("progress_every"))
        config.progressEvery = integerAt<int>(object["progress_every"], where, "progress_every");
    if (has("early_stopping_patience"))
        config.earlyStoppingPatience = integerAt<int>(object["early_stopping_patience"], where, "early_stopping_patience");
    if (has("eval_batch_size"))
        config.evalBatchSize = integerAt<int>(object["eval_batch_size"], where, "eval_batch_size");
}

json parseJsonText(const std::string& text, const std::string& where)
{
    try {
        return json::parse(text);
    } catch (const json::parse_error& error) {
        throw ConfigError(where + ": invalid JSON at byte " + std::to_string(error.byte) + " (" + error.what() + ")");
    }
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
    return configFromJson(readTextFile(path), path);
}

} // namespace dropoutlab
