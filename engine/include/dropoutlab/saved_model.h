#pragma once
// A run's tested weights, saved as model.pt in its folder, and what can be done with them again.
// model.pt is a PyTorch archive of a dict {parameter name: tensor} (e.g. "conv1.weight"), readable
// by Python's torch.load() as a state_dict; config.json in the same folder rebuilds the network.

#include "dropoutlab/experiment_config.h"

#include <cstdint>
#include <string>

namespace dropoutlab {

/// One evaluation of saved weights on a test set.
struct ModelEvaluation {
    double accuracy = 0.0;  ///< fraction
    double loss = 0.0;      ///< mean cross-entropy
    std::int64_t images = 0;
    std::string device;
    int threads = 0;
};

/// Re-tests the weights in `runDir`/model.pt on the test set of `dataDir` (empty: the run's own
/// dataset) on `device` (empty: the run's), with the run's evaluation batch and thread count, as
/// the training tested them. Throws ModelError (model.pt missing, malformed, foreign or not
/// matching config.json), ConfigError/IoError (the run folder), DataError or DeviceError.
ModelEvaluation evaluateSavedModel(const std::string& runDir, const std::string& dataDir = {},
                                   const std::string& device = {});

/// Reads model.pt against `config` without evaluating: throws ModelError naming `path` when it is
/// not a model of that network (the untrusted-file tests and the fuzz target use it).
void checkModelFile(const std::string& path, const ExperimentConfig& config);

} // namespace dropoutlab
