#pragma once
// MC dropout (Gal & Ghahramani, 2016): T stochastic passes over the test set with the run's own
// dropout sites active, scored against the deterministic prediction (weight scaling).

#include "dropoutlab/core/calibration.h"
#include "dropoutlab/core/uncertainty_report.h"
#include "dropoutlab/core/cancel_token.h"

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

/// Progress: (passes done, passes in all) over the test and OOD sets.
using UncertaintyProgress = std::function<void(std::int64_t done, std::int64_t total)>;

/// Loads the run's model.pt and scores its predictions on the test set (and the OOD set).
/// Throws ModelError, ConfigError, IoError, DataError or DeviceError; returns nullopt when
/// `cancel` was set meanwhile.
std::optional<UncertaintyReport> analyseUncertainty(const std::string& runDir, const UncertaintyOptions& options,
                                                    const CancelToken& cancel = CancelToken(),
                                                    const UncertaintyProgress& progress = {});

/// analyseUncertainty with analysis.json in the run folder as a cache: a readable report made
/// with the same samples, seed, data and OOD set, newer than model.pt, is read back instead
/// (`fromCache` says which). A fresh report is written there (a folder that refuses it is no
/// error: the report is returned anyway).
std::optional<UncertaintyReport> analyseUncertaintyCached(const std::string& runDir, const UncertaintyOptions& options,
                                                          const CancelToken& cancel, const UncertaintyProgress& progress,
                                                          bool* fromCache = nullptr);


} // namespace dropoutlab
