#pragma once

#include "dropoutlab/core/experiment_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

/// Settings given on a command line that override every run of a preset or config file.
struct RunOverrides {
    std::optional<std::string> model;
    std::optional<std::string> network;  ///< a shipped network's name or a network file (findNetwork)
    std::optional<std::string> hidden;   ///< MLP hidden widths, "1024,1024,1024"
    std::optional<std::string> dropout;  ///< "fc1=0.5,input=0.2": makes the plan a single run
    std::optional<int> epochs;
    std::optional<int> batchSize;
    std::optional<double> learningRate;
    std::optional<double> momentum;
    std::optional<std::int64_t> trainSubset;
    std::optional<std::uint64_t> seed;   ///< initialisation, shuffling and dropout
    std::optional<std::uint64_t> splitSeed;
    std::optional<std::string> data;
    std::optional<std::string> device;
    std::optional<int> threads;
    std::optional<std::string> name;     ///< only with a single run
    std::optional<int> patience;         ///< early stopping on validation loss (0: off)
    std::optional<std::string> trainEval; ///< dropout-off training sample: "all", "0"/"off" or a count
    /// Any config key as KEY=VALUE (applyConfigSetting), applied last and in order: the
    /// optimiser and regularisation flags (--optimiser, --weight-decay, ...) land here too.
    std::vector<std::string> settings;
};

/// A command-line flag that sets one config key (the CLI and the app offer the same list):
/// `--weight-decay 0.0005` is RunOverrides::settings "weight_decay=0.0005".
struct SettingFlag {
    std::string flag;  ///< without the dashes, e.g. "weight-decay"
    std::string key;   ///< the config key, e.g. "weight_decay"
    std::string help;
};
/// --optimiser, --weight-decay, --lr-schedule, --warmup, --max-norm, --activation.
const std::vector<SettingFlag>& settingFlags();
/// The help text of --set KEY=VALUE.
extern const char* const kSetFlagHelp;

/// Applies the overrides that are set onto one config.
void applyOverrides(ExperimentConfig& config, const RunOverrides& overrides);

/// The runs of a config or preset file (a file with a "runs" list is a preset).
std::vector<ExperimentConfig> loadRunsFile(const std::string& path);

/// The runs a preset (default "reference") or a config/preset file describes, with the
/// overrides applied and every run validated. Throws ConfigError or IoError. `--network` on the
/// default plan without `--dropout` is one run of that network without dropout.
std::vector<ExperimentConfig> planRuns(const std::string& preset, const std::string& configFile,
                                       const RunOverrides& overrides);

} // namespace dropoutlab
