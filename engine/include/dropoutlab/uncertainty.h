#pragma once
// MC dropout (Gal & Ghahramani, 2016): T stochastic passes over the test set with the run's own
// dropout sites active, scored against the deterministic prediction (weight scaling).

#include "dropoutlab/calibration.h"
#include "dropoutlab/cancel_token.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

struct UncertaintyOptions {
    int samples = 50;            ///< T stochastic passes (1-10000)
    std::uint64_t seed = 1;      ///< dropout masks of the passes
    std::string data;            ///< test set; empty: the run's own dataset
    std::string ood;             ///< out-of-distribution test set (e.g. fashion-mnist); empty: none
    std::string device;          ///< empty: the run's
    int batchSize = 0;           ///< images per batch; 0: the run's evaluation batch
    int reliabilityBins = 15;
    int histogramBins = 30;      ///< entropy histograms over [0, ln classes]
};

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
    double histogramMax = 0.0;             ///< ln(classes): the entropy histograms' upper edge
    PredictionScores deterministic;
    std::optional<PredictionScores> mc;    ///< absent when not stochastic
    ProbabilityTable deterministicTable;   ///< per test image (for confusion matrices, galleries)
    std::optional<ProbabilityTable> mcTable;
    std::vector<double> mcMutualInformation;  ///< per test image (MC only)
    double seconds = 0.0;                  ///< the passes, without loading
};

/// Progress: (passes done, passes in all) over the test and OOD sets.
using UncertaintyProgress = std::function<void(std::int64_t done, std::int64_t total)>;

/// Loads the run's model.pt and scores its predictions on the test set (and the OOD set).
/// Throws ModelError, ConfigError, IoError, DataError or DeviceError; returns nullopt when
/// `cancel` was set meanwhile.
std::optional<UncertaintyReport> analyseUncertainty(const std::string& runDir, const UncertaintyOptions& options,
                                                    const CancelToken& cancel = CancelToken(),
                                                    const UncertaintyProgress& progress = {});

/// The report as JSON (without the per-image tables).
std::string uncertaintyToJson(const UncertaintyReport& report);

} // namespace dropoutlab
