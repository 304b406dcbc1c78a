#pragma once
// Internal: model.pt written and read with torch (see dropoutlab/train/saved_model.h).

#include "models.h"

#include "dropoutlab/core/results.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dropoutlab::detail {

/// Writes `parameters` (in the order of stateTensors(*makeModel(config))) to `path` atomically and
/// returns the file's CRC-32 (result.json keeps it). Throws IoError when the disk refuses.
std::uint32_t saveModelFile(const std::string& path, const ExperimentConfig& config,
                            const std::vector<torch::Tensor>& parameters);

/// The network of `config` with the weights of `path`, in eval mode on the CPU. Throws ModelError
/// naming the file when it is missing, not a PyTorch archive, holds other names or shapes, or
/// (given `crc32`, as recorded when it was saved) has been altered since.
std::shared_ptr<NetImpl> loadModelFile(const std::string& path, const ExperimentConfig& config,
                                       std::optional<std::uint32_t> crc32 = std::nullopt);

/// The network of a run folder with its saved weights: `runDir`/model.pt checked against
/// `config` (the run's, possibly with another dataset or device) and the CRC result.json recorded.
std::shared_ptr<NetImpl> loadRunModel(const std::string& runDir, const RunRecord& run, const ExperimentConfig& config);

} // namespace dropoutlab::detail
