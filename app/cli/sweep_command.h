#pragma once

#include "dropoutlab/core/run_plan.h"

#include <string>
#include <vector>

namespace dropoutlab::cli {

struct SweepOptions {
    std::string specFile;
    std::string preset;
    std::string configFile;
    std::string run;                ///< the preset's or file's run of this name is the base; empty: the last
    RunOverrides overrides;
    std::vector<std::string> axes;  ///< "fc1=0,0.25,0.5" or "fc1=0:0.5:0.25"
    int repeats = 0;                ///< 0: from the spec (or 1)
    bool varySplit = false;         ///< also vary the split seed per repeat (or as the spec says)
    int halvingEpoch = -1;          ///< -1: from the spec
    std::string shard;              ///< "K/N"; empty: all runs
    std::string outDir;
    int fuse = 1;                   ///< train up to this many runs at once (fused)
    bool dryRun = false;
    bool quiet = false;
};

struct ReportOptions {
    std::string dir;
    std::string csv;
    bool json = false;
    std::vector<std::string> compare;  ///< two point labels, e.g. "fc1=0" "fc1=0.5"
};

/// `dropoutlab-cli sweep`: returns the process exit code.
int sweepCommand(const SweepOptions& options);
/// `dropoutlab-cli report`: returns the process exit code.
int reportCommand(const ReportOptions& options);

} // namespace dropoutlab::cli
