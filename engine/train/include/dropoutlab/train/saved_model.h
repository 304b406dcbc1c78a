#pragma once
// A run's tested weights, saved as model.pt in its folder, and what can be done with them again.
// model.pt is a PyTorch archive of a dict {parameter name: tensor} (e.g. "conv1.weight"), readable
// by Python's torch.load() as a state_dict; config.json in the same folder rebuilds the network.

#include "dropoutlab/core/experiment_config.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

/// One evaluation of saved weights on a test set.
struct ModelEvaluation {
    double accuracy = 0.0;  ///< fraction
    double loss = 0.0;      ///< mean cross-entropy
    std::int64_t images = 0;
    std::string device;
    int threads = 0;
};

/// Re-tests the weights in `runDir`/model.pt on the test set of `dataDir` (empty: the run's own
/// dataset) on `device` (empty: the run's), with the run's evaluation batch and thread count, as
/// the training tested them. Throws ModelError (model.pt missing, malformed, foreign or not
/// matching config.json), ConfigError/IoError (the run folder), DataError or DeviceError.
ModelEvaluation evaluateSavedModel(const std::string& runDir, const std::string& dataDir = {},
                                   const std::string& device = {});

/// A run's saved network held in memory, for predictions one image at a time (the digit pad, the
/// gallery of errors). Its MC passes draw from their own generator, so they never disturb the
/// dropout stream of a training running meanwhile.
class ModelPredictor {
public:
    /// Loads `runDir`/model.pt against its config.json; throws ModelError, ConfigError, IoError.
    explicit ModelPredictor(const std::string& runDir);
    ~ModelPredictor();
    ModelPredictor(const ModelPredictor&) = delete;
    ModelPredictor& operator=(const ModelPredictor&) = delete;

    struct Prediction {
        std::vector<double> deterministic;  ///< class probabilities, dropout off (weight scaling)
        std::vector<double> mcMean;         ///< mean over the T passes (empty without active dropout)
        std::vector<double> mcStd;          ///< their standard deviation per class
    };
    /// One image of the model's input shape (bytes, planes of one channel after another, as the
    /// dataset holds them: a drawn digit is 28 x 28 grey), normalised as the run's training was.
    Prediction predict(const std::vector<std::uint8_t>& image, int samples, std::uint64_t seed);
    /// The dropout sites with a rate above 0 (empty: MC passes would all be equal).
    const std::vector<std::string>& activeSites() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Reads model.pt against `config` without evaluating: throws ModelError naming `path` when it is
/// not a model of that network (the untrusted-file tests and the fuzz target use it).
void checkModelFile(const std::string& path, const ExperimentConfig& config,
                    std::optional<std::uint32_t> crc32 = std::nullopt);

} // namespace dropoutlab
