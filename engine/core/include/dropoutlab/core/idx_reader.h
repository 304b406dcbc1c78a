#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dropoutlab {

/// An IDX array of unsigned bytes (the only element type MNIST-style files use).
struct IdxArray {
    std::vector<std::int64_t> dims;
    std::vector<std::uint8_t> data;  ///< row-major, product(dims) bytes
};

/// Largest array the reader accepts; a header claiming more is rejected before any allocation.
inline constexpr std::uint64_t kMaxIdxBytes = std::uint64_t{1} << 31;

/// Reads a raw or gzip-compressed IDX file holding unsigned bytes with `expectedRank` dimensions
/// (or `expectedRank` to `maxRank`). Throws DataError naming the file and the problem (missing,
/// magic, rank, size, truncation).
IdxArray readIdxFile(const std::string& path, int expectedRank, int maxRank = 0);

} // namespace dropoutlab
