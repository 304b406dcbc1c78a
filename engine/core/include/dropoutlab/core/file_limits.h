#pragma once
// Limits on the files DropoutLab reads. Users share run folders and sweep specs, so every file
// is untrusted: a file beyond a limit is refused with an error naming the file and the limit,
// before anything large is allocated.

#include <cstddef>
#include <cstdint>

namespace dropoutlab {

/// config.json, sweep specs, presets, result.json.
inline constexpr std::uint64_t kMaxJsonFileBytes = std::uint64_t{16} << 20;
/// metrics.jsonl (one short line per epoch).
inline constexpr std::uint64_t kMaxMetricsFileBytes = std::uint64_t{64} << 20;
/// Nesting of JSON arrays and objects (DropoutLab's own files use at most 4).
inline constexpr int kMaxJsonDepth = 32;
/// Any JSON string or key, in bytes.
inline constexpr std::size_t kMaxJsonStringBytes = 64 * 1024;
/// Run and sweep names.
inline constexpr std::size_t kMaxNameBytes = 256;
/// Folder paths stored in configs.
inline constexpr std::size_t kMaxPathBytes = 4096;
/// The largest learning rate a config accepts: training runs in float, and larger rates only
/// overflow.
inline constexpr double kMaxLearningRate = 1e6;
/// Epoch records in one run (the largest epoch count a config accepts).
inline constexpr int kMaxEpochs = 10000;
/// model.pt: the largest network (an MLP of 4 x 16384 units) needs ~3.3 GB of float32 weights.
inline constexpr std::uint64_t kMaxModelFileBytes = std::uint64_t{4} << 30;
/// The file a run's tested weights are saved in, inside its run folder.
inline constexpr const char* kModelFileName = "model.pt";
/// The network file a run folder keeps beside config.json.
inline constexpr const char* kNetworkFileName = "network.json";
/// Run folders in one workspace or sweep.
inline constexpr std::size_t kMaxWorkspaceRuns = 100000;

} // namespace dropoutlab
