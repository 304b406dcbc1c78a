#include "dropoutlab/run_plan.h"

#include "dropoutlab/file_io.h"
#include "dropoutlab/errors.h"
#include "dropoutlab/presets.h"
#include "dropoutlab/results.h"
#include "config_json.h"

namespace dropoutlab {

void applyOverrides(ExperimentConfig& config, const RunOverrides& o)
{
    if (o.model)
        config.model = parseModelKind(*o.model, "--model");
    if (o.hidden)
        config.hiddenWidths = parseHiddenWidths(*o.hidden, "--hidden");
    if (o.dropout)
        config.dropout = parseDropoutSpec(*o.dropout);
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
        applyConfigSetting(config, setting.substr(0, eq), setting.substr(eq + 1), "--set " + setting.substr(0, eq));
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
    if (overrides.name && runs.size() > 1)
        throw ConfigError("--name names a single run, but this plan has " + std::to_string(runs.size()) + " runs");
    for (auto& run : runs) {
        applyOverrides(run, overrides);
        validateConfig(run);
    }
    return runs;
}

} // namespace dropoutlab
