#pragma once
// Scores of probabilistic predictions (core library, no torch): what MC dropout is judged by.
// A probability table is row-major, `classes` probabilities per example, each row summing to ~1.

#include <cstdint>
#include <vector>

namespace dropoutlab {

/// Predicted probabilities of `count` examples over `classes` classes, and their true labels.
struct ProbabilityTable {
    int classes = 10;
    std::vector<float> probabilities;  ///< count x classes, row-major
    std::vector<std::int64_t> labels;  ///< count
    std::int64_t count() const { return static_cast<std::int64_t>(labels.size()); }
    const float* row(std::int64_t i) const { return probabilities.data() + i * classes; }
};

/// One bin of a reliability diagram: examples whose confidence (top probability) falls in
/// (lower, upper] (the first bin also holds confidence 0).
struct ReliabilityBin {
    double lower = 0.0;
    double upper = 0.0;
    std::int64_t count = 0;
    double meanConfidence = 0.0;  ///< 0 when empty
    double accuracy = 0.0;        ///< 0 when empty
};

/// Index of the top probability; ties go to the lowest class index (as argmax does).
int predictedClass(const float* row, int classes);
/// Fraction of examples whose top class is the label.
double accuracy(const ProbabilityTable& table);
/// Mean of -ln p(label), with p clamped to at least 1e-12 so that a zero gives a finite penalty.
double negativeLogLikelihood(const ProbabilityTable& table);
/// Mean over examples of sum_c (p_c - [c == label])^2 (in [0, 2]).
double brierScore(const ProbabilityTable& table);
/// `bins` equal-width confidence bins over [0, 1].
std::vector<ReliabilityBin> reliabilityBins(const ProbabilityTable& table, int bins = 15);
/// Expected calibration error: sum over bins of (count / N) * |accuracy - mean confidence|.
double expectedCalibrationError(const std::vector<ReliabilityBin>& bins);

/// Entropy -sum p ln p (nats) of one probability row.
double entropy(const float* row, int classes);

/// Accuracy of the examples kept after rejecting the `fraction` most uncertain ones (highest
/// `uncertainty` first; among equal uncertainties, later examples are rejected first, so the
/// result does not depend on sort stability). `correct[i]` says whether example i is right.
/// Rejecting everything gives 1 (no kept example is wrong).
double accuracyAfterRejection(const std::vector<char>& correct, const std::vector<double>& uncertainty, double fraction);

/// Area under the ROC curve of `score` as a detector of the positives (`outScores`, e.g. out of
/// distribution) against the negatives (`inScores`): the probability that a random positive scores
/// higher than a random negative, ties counting one half. 0.5 when either side is empty.
double auroc(const std::vector<double>& inScores, const std::vector<double>& outScores);

/// Counts of `values` in `bins` equal-width bins over [lo, hi] (values outside are clamped).
std::vector<std::int64_t> histogram(const std::vector<double>& values, double lo, double hi, int bins);

} // namespace dropoutlab
