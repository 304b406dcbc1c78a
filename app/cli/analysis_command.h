#pragma once
// Commands that work on a finished run's saved model: evaluate (and uncertainty).

#include <cstdint>
#include <string>

namespace dropoutlab::cli {

struct EvaluateOptions {
    std::string runDir;
    std::string data;    ///< empty: the run's own dataset
    std::string device;  ///< empty: the run's
    bool json = false;
};

/// `dropoutlab-cli evaluate RUN_DIR`: re-tests model.pt and compares with result.json.
int evaluateCommand(const EvaluateOptions& options);

struct UncertaintyCommandOptions {
    std::string runDir;
    int samples = 50;
    std::uint64_t seed = 1;
    std::string data;
    std::string ood;
    std::string device;
    int batchSize = 0;
    std::string outDir;  ///< uncertainty.json and CSV tables written here
    bool json = false;
    bool quiet = false;
};

/// `dropoutlab-cli uncertainty RUN_DIR`: MC dropout against the deterministic prediction.
int uncertaintyCommand(const UncertaintyCommandOptions& options);

} // namespace dropoutlab::cli
