#pragma once
// Reading and writing whole files safely (core library): every file DropoutLab reads goes through
// readTextFile's checks, every file it writes whole through writeFileAtomically.

#include "dropoutlab/core/file_limits.h"

#include <cstdint>
#include <string>

namespace dropoutlab {

/// Writes `contents` to `path` through a per-process temporary file and a rename; throws IoError.
void writeFileAtomically(const std::string& path, const std::string& contents);
/// Reads a whole regular file of at most `maxBytes`; throws IoError naming the file.
std::string readTextFile(const std::string& path, std::uint64_t maxBytes = kMaxJsonFileBytes);

} // namespace dropoutlab
