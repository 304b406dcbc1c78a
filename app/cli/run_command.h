#pragma once

#include "dropoutlab/experiment_config.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace dropoutlab::cli {

/// Flags that override every run of a preset or config file.
struct RunOverrides {
    std::optional<std::string> model;
    std::optional<std::string> dropout;
    std::optional<int> epochs;
    std::optional<int> batchSize;
    std::optional<double> learningRate;
    std::optional<double> momentum;
    std::optional<std::int64_t> trainSubset;
    std::optional<std::uint64_t> seed;
    std::optional<std::uint64_t> splitSeed;
    std::optional<std::string> data;
    std::optional<std::string> device;
    std::optional<int> threads;
    std::optional<std::string> name;
};

struct RunOptions {
    std::string preset;
    std::string configFile;
    RunOverrides overrides;
    std::string outDir = "dropoutlab-runs";
    bool json = false;
    bool quiet = false;
};

/// Adds the override flags to a (sub)command; shared by every command that builds runs.
void addOverrideFlags(CLI::App& command, RunOverrides& overrides);

/// The runs a preset or config file describes, with the overrides applied and validated.
/// Throws ConfigError.
std::vector<ExperimentConfig> buildRuns(const std::string& preset, const std::string& configFile,
                                        const RunOverrides& overrides);

/// `dropoutlab-cli run`: returns the process exit code.
int runCommand(const RunOptions& options);

} // namespace dropoutlab::cli
