#pragma once

#include "dropoutlab/core/run_plan.h"

#include <CLI/CLI.hpp>

#include <string>

namespace dropoutlab::cli {

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

/// `dropoutlab-cli run`: returns the process exit code.
int runCommand(const RunOptions& options);

} // namespace dropoutlab::cli
