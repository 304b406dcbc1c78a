#pragma once

namespace dropoutlab {
class Error;
}

namespace dropoutlab::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       ///< a run failed at runtime, or results could not be written
inline constexpr int kExitUsage = 2;        ///< bad flags, config or device
inline constexpr int kExitData = 3;         ///< dataset or saved model (model.pt) missing or corrupt
inline constexpr int kExitDiverged = 4;     ///< at least one run diverged
inline constexpr int kExitInterrupted = 130;

/// Prints `error` to stderr and returns its exit code: a data error kExitData, a device error
/// kExitUsage, anything else `otherwise` (what the failing step means at the call site).
int reportError(const Error& error, int otherwise);

} // namespace dropoutlab::cli
