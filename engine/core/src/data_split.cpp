#include "dropoutlab/core/data_split.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

namespace dropoutlab {

SeededShuffler::SeededShuffler(std::uint64_t seed)
    : m_rng(seed)
{
}

std::uint64_t SeededShuffler::below(std::uint64_t bound)
{
    // mt19937_64's output is fixed by the standard, its distributions are not: draw ourselves,
    // rejecting the top partial range to avoid modulo bias.
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    const std::uint64_t limit = kMax - kMax % bound;
    std::uint64_t value = m_rng();
    while (value >= limit)
        value = m_rng();
    return value % bound;
}

void SeededShuffler::shuffle(std::vector<std::int64_t>& values)
{
    for (std::size_t i = values.size(); i > 1; --i)
        std::swap(values[i - 1], values[static_cast<std::size_t>(below(i))]);
}

DataSplit makeSplit(std::int64_t count, double validationFraction, std::uint64_t seed)
{
    if (count < 2)
        throw DataError("cannot split " + std::to_string(count) + " training examples: need at least 2");
    if (!(validationFraction > 0.0 && validationFraction < 1.0))
        throw ConfigError("validation_fraction is " + std::to_string(validationFraction) + "; expected a value between 0 and 1");
    std::vector<std::int64_t> order(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i)
        order[static_cast<std::size_t>(i)] = i;
    SeededShuffler(seed).shuffle(order);
    auto validationCount = static_cast<std::int64_t>(std::llround(static_cast<double>(count) * validationFraction));
    validationCount = std::clamp<std::int64_t>(validationCount, 1, count - 1);
    DataSplit split;
    split.validation.assign(order.begin(), order.begin() + validationCount);
    split.train.assign(order.begin() + validationCount, order.end());
    return split;
}

std::vector<std::int64_t> balancedSubset(const std::vector<std::int64_t>& indices,
                                         const std::vector<std::int32_t>& labels,
                                         std::int64_t size, std::uint64_t seed)
{
    if (size <= 0 || size >= static_cast<std::int64_t>(indices.size()))
        return indices;
    std::vector<std::vector<std::int64_t>> byClass;
    for (const std::int64_t index : indices) {
        const auto label = static_cast<std::size_t>(labels.at(static_cast<std::size_t>(index)));
        if (label >= byClass.size())
            byClass.resize(label + 1);
        byClass[label].push_back(index);
    }
    // A separate stream from the split's, derived from the same seed.
    SeededShuffler shuffler(seed ^ 0x9e3779b97f4a7c15ULL);
    for (auto& members : byClass)
        shuffler.shuffle(members);

    // Round-robin over classes: equal shares where possible, small classes simply run out.
    std::vector<std::int64_t> chosen;
    chosen.reserve(static_cast<std::size_t>(size));
    for (std::size_t round = 0; static_cast<std::int64_t>(chosen.size()) < size; ++round) {
        for (const auto& members : byClass) {
            if (round < members.size() && static_cast<std::int64_t>(chosen.size()) < size)
                chosen.push_back(members[round]);
        }
    }
    shuffler.shuffle(chosen);
    return chosen;
}

} // namespace dropoutlab
