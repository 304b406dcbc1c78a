#pragma once

namespace dropoutlab::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       ///< a run failed at runtime, or results could not be written
inline constexpr int kExitUsage = 2;        ///< bad flags, config or device
inline constexpr int kExitData = 3;         ///< dataset missing or corrupt
inline constexpr int kExitDiverged = 4;     ///< at least one run diverged
inline constexpr int kExitInterrupted = 130;

} // namespace dropoutlab::cli
