#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace dropoutlab {

/// Indices into the training file, split into a training and a validation part.
struct DataSplit {
    std::vector<std::int64_t> train;
    std::vector<std::int64_t> validation;
};

/// Seeded random split of `count` examples; the same seed always gives the same split.
DataSplit makeSplit(std::int64_t count, double validationFraction, std::uint64_t seed);

/// A seeded, class-balanced subset of `indices` with `size` elements (per-class shares as equal
/// as the data allows). `labels` are indexed by the values in `indices`. Returns `indices`
/// unchanged when size is 0 or not smaller than indices.size().
std::vector<std::int64_t> balancedSubset(const std::vector<std::int64_t>& indices,
                                         const std::vector<std::int32_t>& labels,
                                         std::int64_t size, std::uint64_t seed);

/// Fisher-Yates shuffle driven by a 64-bit Mersenne Twister, identical on every platform.
class SeededShuffler {
public:
    explicit SeededShuffler(std::uint64_t seed);
    void shuffle(std::vector<std::int64_t>& values);
    /// Uniform integer in [0, bound), bound > 0.
    std::uint64_t below(std::uint64_t bound);

private:
    std::mt19937_64 m_rng;
};

} // namespace dropoutlab
