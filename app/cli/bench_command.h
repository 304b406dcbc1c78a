#pragma once

#include "dropoutlab/core/experiment_config.h"

#include <string>
#include <vector>

namespace dropoutlab::cli {

struct BenchOptions {
    std::vector<std::string> models{"cnn", "mlp"};
    /// Network files or shipped names: measured (instead of the models) beside the same network in
    /// PyTorch (scripts/torch-peer/bench_network.py with python3-torch, where there is one).
    std::vector<std::string> networks;
    int steps = 100;
    int threads = 0;
    int evalBatch = ExperimentConfig{}.evalBatchSize;
    std::string device = "auto";
    bool readers = false;  ///< time every JSON reader on worst-case files at the size limit instead
};

/// `dropoutlab-cli bench`: prints the figures; returns the process exit code.
int benchCommand(const BenchOptions& options);

} // namespace dropoutlab::cli
