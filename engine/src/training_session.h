#pragma once
// Internal: one run's training state, advanced an epoch at a time, so that a sweep can
// interleave runs (successive halving) and a run can stop early.

#include "dropoutlab/data_split.h"
#include "dropoutlab/dataset.h"
#include "dropoutlab/experiment.h"
#include "models.h"

#include <chrono>
#include <memory>

namespace dropoutlab::detail {

/// Images (uint8, N x 1 x 28 x 28) and labels (int64) on the training device.
struct DeviceSet {
    torch::Tensor images;
    torch::Tensor labels;
};

class TrainingSession {
public:
    /// Loads data and builds the model; throws ConfigError, DataError or DeviceError.
    TrainingSession(const ExperimentConfig& config, ExperimentObserver& observer, const CancelToken& cancel);
    ~TrainingSession();
    TrainingSession(const TrainingSession&) = delete;
    TrainingSession& operator=(const TrainingSession&) = delete;

    /// Trains and validates one more epoch. False when no epoch should follow (all done,
    /// early stopping, cancelled, diverged or failed).
    bool runEpoch();
    /// Ends the run now with `status` (e.g. Stopped by successive halving), without a test score.
    RunResult stop(RunStatus status, std::string message);
    /// Measures test accuracy (with the best epoch's weights under early stopping) unless the run
    /// already ended otherwise, and returns the result.
    RunResult finish();

    int epochsDone() const { return static_cast<int>(m_result.epochs.size()); }
    bool hasEnded() const { return m_ended; }
    const RunResult& result() const { return m_result; }

private:
    bool trainOneEpoch();
    bool checkEarlyStopping(const EpochMetrics& metrics);
    bool end(RunStatus status, std::string message);
    std::int64_t trainCount() const;

    ExperimentConfig m_config;
    ExperimentObserver& m_observer;
    const CancelToken& m_cancel;
    std::chrono::steady_clock::time_point m_start;
    torch::Device m_device;
    std::shared_ptr<const DatasetBytes> m_data;
    std::vector<std::int64_t> m_trainIndices;
    DeviceSet m_train;
    DeviceSet m_test;
    torch::Tensor m_validationIndices;
    int m_batchesPerEpoch = 0;
    std::shared_ptr<NetImpl> m_model;
    std::unique_ptr<torch::optim::SGD> m_optimizer;
    SeededShuffler m_shuffler;
    torch::Tensor m_rngState;
    RunResult m_result;
    bool m_ended = false;
    double m_bestValLoss = 0.0;
    int m_bestEpoch = 0;
    std::vector<torch::Tensor> m_bestWeights;
};

} // namespace dropoutlab::detail
