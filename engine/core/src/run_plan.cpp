#include "dropoutlab/core/run_plan.h"

#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/presets.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/core/network.h"
#include "config_json.h"

namespace dropoutlab {

const std::vector<SettingFlag>& settingFlags()
{
    static const std::vector<SettingFlag> flags = {
        {"optimiser", "optimiser", "sgd, adam or adamw (default sgd)"},
        {"weight-decay", "weight_decay", "L2 penalty added to every gradient (AdamW: decoupled); 0: off"},
        {"lr-schedule", "lr_schedule",
         "constant, step, exponential, cosine or inverse_time (with --set lr_gamma=, lr_step_epochs=, lr_min=)"},
        {"warmup", "warmup_epochs", "Linear learning-rate warm-up over N epochs"},
        {"max-norm", "max_norm",
         "Bound on each hidden unit's incoming weight norm, applied after every step (0: off; "
         "--set max_norm_layers=fc1,fc2 for chosen layers)"},
        {"activation", "activation", "Hidden units: relu or sigmoid"},
    };
    return flags;
}

const char* const kSetFlagHelp =
    "Any config key, KEY=VALUE (repeatable): e.g. nesterov=true, adam_betas=[0.9,0.99], momentum_start=0.5, "
    "momentum_ramp_epochs=500, init=normal, init_std=0.01, dampened_momentum=true, pixels=unit";

void applyOverrides(ExperimentConfig& config, const RunOverrides& o)
{
    if (o.model)
        config.model = parseModelKind(*o.model, "--model");
    if (o.network) {
        if (o.model && config.model != ModelKind::Custom)
            throw ConfigError("--network gives the network; leave out --model " + *o.model);
        config = withNetwork(config, findNetwork(*o.network));
    } else if (o.model && config.model == ModelKind::Custom && config.network.layers.empty()) {
        throw ConfigError("--model custom needs --network FILE");
    }
    if (o.hidden)
        config.hiddenWidths = parseHiddenWidths(*o.hidden, "--hidden");
    if (o.dropout) {
        std::vector<std::string> withoutKind;
        config.dropout = parseDropoutSpec(*o.dropout, &withoutKind);
        for (const auto& site : withoutKind)
            applyDefaultKind(config, site);
    }
    if (o.epochs)
        config.epochs = *o.epochs;
    if (o.batchSize)
        config.batchSize = *o.batchSize;
    if (o.learningRate)
        config.learningRate = *o.learningRate;
    if (o.momentum)
        config.momentum = *o.momentum;
    if (o.trainSubset)
        config.trainSubset = *o.trainSubset;
    if (o.trainEval)
        config.trainEvalImages = parseTrainEvalImages(*o.trainEval, "--train-eval");
    if (o.seed)
        config.seeds.init = config.seeds.shuffle = config.seeds.dropout = *o.seed;
    if (o.splitSeed)
        config.seeds.split = *o.splitSeed;
    if (o.data)
        config.dataDir = *o.data;
    if (o.device)
        config.device = *o.device;
    if (o.threads)
        config.threads = *o.threads;
    if (o.name)
        config.name = *o.name;
    if (o.patience)
        config.earlyStoppingPatience = *o.patience;
    for (const auto& setting : o.settings) {
        const auto eq = setting.find('=');
        if (eq == std::string::npos)
            throw ConfigError("--set '" + setting + "': expected KEY=VALUE, e.g. weight_decay=0.0005");
        const std::string key = setting.substr(0, eq);
        std::string where = "--set " + key;
        for (const auto& flag : settingFlags()) {
            if (flag.key == key)
                where = "--" + flag.flag;  // the flag that put it here (or --set with the same effect)
        }
        applyConfigSetting(config, key, setting.substr(eq + 1), where);
    }
}

std::vector<ExperimentConfig> loadRunsFile(const std::string& path)
{
    const std::string text = readTextFile(path);
    // A preset-style file is an object with a "runs" list; anything else is one config.
    const auto object = detail::parseJsonText(text, path);
    if (object.is_object() && object.contains("runs"))
        return detail::presetFromObject(object, path).runs;
    ExperimentConfig config;
    detail::applyConfigJson(config, object, path);
    return {config};
}

std::vector<ExperimentConfig> planRuns(const std::string& preset, const std::string& configFile,
                                       const RunOverrides& overrides)
{
    std::vector<ExperimentConfig> runs =
        configFile.empty() ? findPreset(preset.empty() ? "reference" : preset).runs : loadRunsFile(configFile);
    if (overrides.dropout) {
        // Explicit rates describe one run; it keeps the first run's other settings.
        runs.resize(1);
        runs[0].name = "dropout " + *overrides.dropout;
    }
    // A network of its own on the default plan: the reference pair's sites are not its sites, so
    // it trains once without dropout unless --dropout names its sites.
    const bool ownNetworkAlone = overrides.network && !overrides.dropout && preset.empty() && configFile.empty();
    if (ownNetworkAlone) {
        runs.resize(1);
        runs[0].dropout.clear();
    }
    if (overrides.name && runs.size() > 1)
        throw ConfigError("--name names a single run, but this plan has " + std::to_string(runs.size()) + " runs");
    for (auto& run : runs) {
        applyOverrides(run, overrides);
        if (ownNetworkAlone && !overrides.name)
            run.name = networkName(run) + " no dropout";
        validateConfig(run);
    }
    return runs;
}

} // namespace dropoutlab
