#include "dropoutlab/core/calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace dropoutlab {

int predictedClass(const float* row, int classes)
{
    int best = 0;
    for (int c = 1; c < classes; ++c) {
        if (row[c] > row[best])
            best = c;
    }
    return best;
}

double accuracy(const ProbabilityTable& table)
{
    if (table.count() == 0)
        return 0.0;
    std::int64_t right = 0;
    for (std::int64_t i = 0; i < table.count(); ++i)
        right += predictedClass(table.row(i), table.classes) == table.labels[static_cast<std::size_t>(i)];
    return static_cast<double>(right) / static_cast<double>(table.count());
}

double negativeLogLikelihood(const ProbabilityTable& table)
{
    if (table.count() == 0)
        return 0.0;
    double sum = 0.0;
    for (std::int64_t i = 0; i < table.count(); ++i) {
        const double p = table.row(i)[table.labels[static_cast<std::size_t>(i)]];
        sum -= std::log(std::max(p, 1e-12));
    }
    return sum / static_cast<double>(table.count());
}

double brierScore(const ProbabilityTable& table)
{
    if (table.count() == 0)
        return 0.0;
    double sum = 0.0;
    for (std::int64_t i = 0; i < table.count(); ++i) {
        const float* row = table.row(i);
        for (int c = 0; c < table.classes; ++c) {
            const double target = c == table.labels[static_cast<std::size_t>(i)] ? 1.0 : 0.0;
            sum += (row[c] - target) * (row[c] - target);
        }
    }
    return sum / static_cast<double>(table.count());
}

std::vector<ReliabilityBin> reliabilityBins(const ProbabilityTable& table, int bins)
{
    std::vector<ReliabilityBin> result(static_cast<std::size_t>(std::max(bins, 1)));
    std::vector<double> confidenceSum(result.size(), 0.0);
    std::vector<std::int64_t> right(result.size(), 0);
    for (std::size_t b = 0; b < result.size(); ++b) {
        result[b].lower = static_cast<double>(b) / static_cast<double>(result.size());
        result[b].upper = static_cast<double>(b + 1) / static_cast<double>(result.size());
    }
    for (std::int64_t i = 0; i < table.count(); ++i) {
        const float* row = table.row(i);
        const int predicted = predictedClass(row, table.classes);
        const double confidence = row[predicted];
        // Bin b holds (b/B, (b+1)/B]; confidence 0 goes to the first bin.
        auto b = static_cast<std::int64_t>(std::ceil(confidence * static_cast<double>(result.size()))) - 1;
        b = std::clamp<std::int64_t>(b, 0, static_cast<std::int64_t>(result.size()) - 1);
        const auto k = static_cast<std::size_t>(b);
        ++result[k].count;
        confidenceSum[k] += confidence;
        right[k] += predicted == table.labels[static_cast<std::size_t>(i)];
    }
    for (std::size_t b = 0; b < result.size(); ++b) {
        if (result[b].count == 0)
            continue;
        result[b].meanConfidence = confidenceSum[b] / static_cast<double>(result[b].count);
        result[b].accuracy = static_cast<double>(right[b]) / static_cast<double>(result[b].count);
    }
    return result;
}

double expectedCalibrationError(const std::vector<ReliabilityBin>& bins)
{
    std::int64_t total = 0;
    for (const auto& bin : bins)
        total += bin.count;
    if (total == 0)
        return 0.0;
    double ece = 0.0;
    for (const auto& bin : bins)
        ece += static_cast<double>(bin.count) / static_cast<double>(total) * std::abs(bin.accuracy - bin.meanConfidence);
    return ece;
}

double entropy(const float* row, int classes)
{
    double h = 0.0;
    for (int c = 0; c < classes; ++c) {
        if (row[c] > 0.0f)
            h -= row[c] * std::log(static_cast<double>(row[c]));
    }
    return std::max(h, 0.0);
}

double accuracyAfterRejection(const std::vector<char>& correct, const std::vector<double>& uncertainty, double fraction)
{
    const std::size_t n = correct.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    // Most certain first; equal uncertainties keep the earlier example first.
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return uncertainty[a] != uncertainty[b] ? uncertainty[a] < uncertainty[b] : a < b;
    });
    const auto rejected = static_cast<std::size_t>(std::llround(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(n)));
    const std::size_t kept = n - std::min(rejected, n);
    if (kept == 0)
        return 1.0;
    std::size_t right = 0;
    for (std::size_t i = 0; i < kept; ++i)
        right += correct[order[i]] != 0;
    return static_cast<double>(right) / static_cast<double>(kept);
}

double auroc(const std::vector<double>& inScores, const std::vector<double>& outScores)
{
    if (inScores.empty() || outScores.empty())
        return 0.5;
    // Mann-Whitney U from the ranks of the pooled scores (ties get their mean rank).
    struct Item {
        double score;
        bool positive;
    };
    std::vector<Item> items;
    items.reserve(inScores.size() + outScores.size());
    for (double s : inScores)
        items.push_back({s, false});
    for (double s : outScores)
        items.push_back({s, true});
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.score < b.score; });
    double positiveRankSum = 0.0;
    for (std::size_t i = 0; i < items.size();) {
        std::size_t j = i;
        while (j < items.size() && items[j].score == items[i].score)
            ++j;
        const double meanRank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
        for (std::size_t k = i; k < j; ++k) {
            if (items[k].positive)
                positiveRankSum += meanRank;
        }
        i = j;
    }
    const double positives = static_cast<double>(outScores.size());
    const double negatives = static_cast<double>(inScores.size());
    return (positiveRankSum - positives * (positives + 1.0) / 2.0) / (positives * negatives);
}

std::vector<std::int64_t> histogram(const std::vector<double>& values, double lo, double hi, int bins)
{
    std::vector<std::int64_t> counts(static_cast<std::size_t>(std::max(bins, 1)), 0);
    const double width = (hi - lo) / static_cast<double>(counts.size());
    for (double v : values) {
        auto b = width > 0 ? static_cast<std::int64_t>(std::floor((v - lo) / width)) : 0;
        b = std::clamp<std::int64_t>(b, 0, static_cast<std::int64_t>(counts.size()) - 1);
        ++counts[static_cast<std::size_t>(b)];
    }
    return counts;
}

} // namespace dropoutlab
