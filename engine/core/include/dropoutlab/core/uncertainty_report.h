#pragma once
// The result of an MC-dropout analysis and its file form (analysis.json in a run folder, the
// `uncertainty --out` files). Core library: reading it back is checked like every other file.

#include "dropoutlab/core/calibration.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

/// Accuracy after rejecting a fraction of the most uncertain test images.
struct RejectionPoint {
    double rejected = 0.0;  ///< fraction rejected
    double byEntropy = 0.0;
    double byMutualInformation = 0.0;  ///< MC only (the deterministic prediction has none)
};

/// The scores of one kind of prediction (deterministic or MC mean).
struct PredictionScores {
    double accuracy = 0.0;
    double nll = 0.0;
    double brier = 0.0;
    double ece = 0.0;
    std::vector<ReliabilityBin> reliability;
    std::vector<RejectionPoint> rejection;
    std::vector<std::int64_t> entropyIn;   ///< histogram of predictive entropy, test set
    std::vector<std::int64_t> entropyOut;  ///< the same on the out-of-distribution set
    std::optional<double> oodAuroc;        ///< predictive entropy as an OOD detector
    std::optional<double> oodAurocMutualInformation;  ///< MC only
};

struct UncertaintyReport {
    std::string runDir;
    std::string data;
    std::string ood;
    std::string device;
    int threads = 0;
    int samples = 0;
    std::uint64_t seed = 0;
    std::vector<std::string> activeSites;  ///< dropout sites with a rate above 0
    bool stochastic = false;               ///< false: no active site, the T passes would be identical
    std::int64_t images = 0;
    std::int64_t oodImages = 0;
    std::vector<std::string> classNames;   ///< the test data's, one per class (empty in older reports)
    double histogramMax = 0.0;             ///< ln(classes): the entropy histograms' upper edge
    PredictionScores deterministic;
    std::optional<PredictionScores> mc;    ///< absent when not stochastic
    ProbabilityTable deterministicTable;   ///< per test image (for confusion matrices, galleries)
    std::optional<ProbabilityTable> mcTable;
    std::vector<double> mcMutualInformation;  ///< per test image (MC only)
    double seconds = 0.0;                  ///< the passes, without loading
};

/// The report as JSON; with `tables`, also the per-image probability tables (analysis.json).
std::string uncertaintyToJson(const UncertaintyReport& report, bool tables = false);
/// Parses what uncertaintyToJson wrote (with tables); `where` names the file in errors. Throws
/// IoError/ConfigError on anything malformed or inconsistent.
UncertaintyReport uncertaintyFromJson(const std::string& text, const std::string& where);

/// analysis.json in `runDir`.
std::string analysisCachePath(const std::string& runDir);

} // namespace dropoutlab
