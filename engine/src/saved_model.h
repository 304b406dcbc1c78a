#pragma once
// Internal: model.pt written and read with torch (see dropoutlab/saved_model.h).

#include "models.h"

#include <string>
#include <vector>

namespace dropoutlab::detail {

/// Writes `parameters` (in the order of makeModel(config)->parameters()) to `path` atomically.
/// Throws IoError when the disk refuses.
void saveModelFile(const std::string& path, const ExperimentConfig& config, const std::vector<torch::Tensor>& parameters);

/// The network of `config` with the weights of `path`, in eval mode on the CPU. Throws ModelError
/// naming the file when it is missing, not a PyTorch archive, or holds other names or shapes.
std::shared_ptr<NetImpl> loadModelFile(const std::string& path, const ExperimentConfig& config);

} // namespace dropoutlab::detail
