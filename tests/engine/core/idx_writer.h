#pragma once
// Test helper: writes IDX files, valid or deliberately broken.

#include <cstdint>
#include <string>
#include <vector>

namespace dropoutlab::test {

/// Raw bytes of an IDX file with the given magic word and dimensions, followed by `payload`.
std::vector<std::uint8_t> idxBytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                                   const std::vector<std::uint8_t>& payload);

/// Writes bytes to `path`, gzip-compressed when `gzip` is true.
void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes, bool gzip);

/// Writes a complete, valid dataset of `trainCount`/`testCount` random 28x28 images into `dir`.
void writeDataset(const std::string& dir, std::uint32_t trainCount, std::uint32_t testCount, bool gzip);

} // namespace dropoutlab::test
