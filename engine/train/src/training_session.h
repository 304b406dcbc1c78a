#pragma once
// Internal: one run's training state, advanced an epoch at a time, so that a sweep can
// interleave runs (successive halving) and a run can stop early.

#include "dropoutlab/core/data_split.h"
#include "dropoutlab/core/dataset.h"
#include "dropoutlab/train/experiment.h"
#include "models.h"
#include "kernels/step_graph.h"

#include <chrono>
#include <memory>

namespace dropoutlab::detail {

/// Images (uint8, N x C x H x W) and labels (int64) on the training device, and how its images
/// are normalised: x * scale + shift per channel ([1, C, 1, 1] floats; undefined: x / 127.5 - 1,
/// the reference experiment's, bit for bit).
struct DeviceSet {
    torch::Tensor images;
    torch::Tensor labels;
    torch::Tensor scale;
    torch::Tensor shift;
};

using Clock = std::chrono::steady_clock;

// Shared by the single-run session and the fused trainer.
double secondsSince(Clock::time_point start);
/// "cpu" / "cuda" / "auto" to a device; throws DeviceError when CUDA is asked for and absent.
torch::Device resolveDevice(const std::string& requested);
std::string describeDevice(const torch::Device& device);
/// The training (or test) part of `data` on `device`, normalised with `norm` (runNormalisation's).
DeviceSet toDevice(const DatasetBytes& data, bool test, const std::vector<ChannelStatistics>& norm,
                   const torch::Device& device);
/// A set holding only the scale and shift that normalise with `norm` (none for the reference
/// normalisation, 127.5 / 127.5, which normalise() applies as x / 127.5 - 1).
DeviceSet normalisationSet(const std::vector<ChannelStatistics>& norm, bool table, const torch::Device& device);
/// Throws DataError when `data` (at `where`) is not of the shape and classes `config`'s model was
/// made for.
void requireShape(const DatasetBytes& data, const ExperimentConfig& config, const std::string& where);
/// The normalisation of the run `config` trains from `data` (its training part's statistics).
std::vector<ChannelStatistics> normalisationOf(const ExperimentConfig& config, const DatasetBytes& data);
torch::Tensor indexTensor(const std::vector<std::int64_t>& indices, const torch::Device& device);
/// Pixels to [0,1], then normalised with mean 0.5 and std 0.5: x / 127.5 - 1.
torch::Tensor normalise(const torch::Tensor& bytes);
/// Pixels normalised as `set`'s are.
torch::Tensor normalise(const torch::Tensor& bytes, const DeviceSet& set);

/// The message a failed run records: torch's text without its backtrace; running out of memory
/// (host or GPU) says so, names the device and suggests what to change.
std::string failureMessage(const std::exception& error, const torch::Device& device);
/// Test hook for the out-of-memory path: DROPOUTLAB_FAULT_OOM_AT_EPOCH=N makes epoch N request an
/// allocation no machine has (1 PiB) from the real allocator of `device`. 0 when unset.
int faultOomEpoch();
void injectOomIfAsked(int epoch, const torch::Device& device);

/// A run's data on its device: the split and the (subset of the) training indices.
struct RunData {
    std::shared_ptr<const DatasetBytes> bytes;  ///< keeps the CPU tensors' memory alive
    std::vector<std::int64_t> trainIndices;
    std::int64_t validationCount = 0;
    DeviceSet train;
    DeviceSet test;
    torch::Tensor validationIndices;
    /// The training sample evaluated with dropout off after each epoch; undefined when off.
    torch::Tensor trainEvalIndices;
};
/// The fixed, seeded, class-balanced sample of `trainIndices` (sorted) that config's train_eval
/// asks for; empty when it is 0.
std::vector<std::int64_t> trainEvalSample(const ExperimentConfig& config, const std::vector<std::int64_t>& trainIndices,
                                          const std::vector<std::int32_t>& labels);
/// Sets this thread's LibTorch thread count (config's) and tunes the allocator: before any torch
/// work of a run (training, re-testing, MC dropout).
void prepareThread(const ExperimentConfig& config);
/// Sets this thread's LibTorch thread count and the allocator, then loads the run's data.
/// Throws DataError.
RunData prepareRun(const ExperimentConfig& config, const torch::Device& device);
/// One evaluation batch: rows [start, start + size) of `indices`, or of the whole set when
/// `indices` is undefined. Returns images (uint8) and labels.
std::pair<torch::Tensor, torch::Tensor> evaluationBatch(const DeviceSet& set, const torch::Tensor& indices,
                                                        std::int64_t start, std::int64_t size);

/// Torch's random generators and its thread count are process-wide, and training sets both (the
/// seeds of a run, its dropout stream, its threads). So one training runs at a time in a process:
/// a turn is held while a session or fused group is built, trains an epoch or is tested. Another
/// thread asking meanwhile gets a DeviceError; the thread that holds the turn may nest. Sessions of
/// a sweep take turns on one thread (each keeps its own dropout stream, see runEpoch()).
class TrainingTurn {
public:
    TrainingTurn();
    ~TrainingTurn();
    TrainingTurn(const TrainingTurn&) = delete;
    TrainingTurn& operator=(const TrainingTurn&) = delete;
};

/// What the training loop trains: one network, or K networks stacked into one pass (fused).
/// Sums are per member ([K]): loss sums in double, correct counts in int64.
class Learner {
public:
    virtual ~Learner() = default;
    /// Forward, loss, backward and optimiser step on a batch; adds each member's mean loss over
    /// the batch to `lossSum` and its correct predictions to `correct`.
    virtual void trainStep(const torch::Tensor& images, const torch::Tensor& labels, torch::Tensor& lossSum,
                           torch::Tensor& correct) = 0;
    /// Eval mode, no gradients: adds each member's summed loss and correct count over a batch.
    virtual void evaluateBatch(const torch::Tensor& images, const torch::Tensor& labels, torch::Tensor& lossSum,
                               torch::Tensor& correct) = 0;
    virtual void setTraining(bool training) = 0;
    /// Sets the optimiser's learning rate and momentum for `epoch` (1-based).
    virtual void beginEpoch(int epoch) = 0;
    /// The weights, and a single network's buffers (batch norm's statistics): what early stopping
    /// keeps and restores.
    virtual std::vector<torch::Tensor> parameters() = 0;
    /// Member k's weights (and buffers) in the order and shapes of its own network (stateTensors()).
    virtual std::vector<torch::Tensor> memberParameters(int k) = 0;
    /// Member k's learned dropout rates (Concrete Dropout sites), by site.
    virtual std::map<std::string, double> learnedRates(int /*k*/) const { return {}; }
};

/// Each member's mean loss and accuracy over an evaluated set.
struct Evaluation {
    std::vector<double> loss;
    std::vector<double> accuracy;
    bool cancelled = false;
};

/// Eval mode, no gradients: evaluates the `members` members of `learner` on rows `indices` of
/// `set` (all rows when undefined) in batches of `batchSize`, checking `cancel` (if any) per batch.
Evaluation evaluateLearner(Learner& learner, std::int64_t members, const DeviceSet& set, const torch::Tensor& indices,
                           int batchSize, const CancelToken* cancel);

/// A learner that only evaluates `model` (saved weights re-tested).
std::unique_ptr<Learner> makeEvaluationLearner(std::shared_ptr<NetImpl> model);

/// The training loop, once for single and fused runs: a session trains K >= 1 members on the
/// same batches, an epoch at a time, so that a sweep can interleave runs (successive halving)
/// and a run can stop early. Each member has its own result; a member whose loss becomes
/// non-finite ends as diverged while the others go on.
class TrainingSession {
public:
    /// One run. Loads data and builds the model; throws ConfigError, DataError or DeviceError.
    TrainingSession(const ExperimentConfig& config, ExperimentObserver& observer, const CancelToken& cancel);
    /// K runs fused into one pass (they must differ only in dropout rates and seeds, see canFuse):
    /// `observers[k]` receives member k's start and epochs, `progress` the group's batch progress.
    TrainingSession(std::vector<ExperimentConfig> members, std::vector<ExperimentObserver*> observers,
                    ExperimentObserver& progress, const CancelToken& cancel);
    ~TrainingSession();
    TrainingSession(const TrainingSession&) = delete;
    TrainingSession& operator=(const TrainingSession&) = delete;

    /// Trains and validates one more epoch. False when no epoch should follow (all done,
    /// early stopping, cancelled, diverged or failed).
    bool runEpoch();
    /// Ends the run now with `status` (e.g. Stopped by successive halving), without a test score.
    RunResult stop(RunStatus status, std::string message);
    /// Measures test accuracy (with the best epoch's weights under early stopping) unless the run
    /// already ended otherwise, and returns the result (of a single run).
    RunResult finish();
    /// The same for every member.
    std::vector<RunResult> finishAll();

    int epochsDone() const { return m_epochsDone; }
    bool hasEnded() const;
    const RunResult& result() const { return m_results.front(); }
    Learner& learner() { return *m_learner; }

private:
    void start(std::vector<ExperimentConfig> members);
    bool trainOneEpoch();
    /// Validates, records each member's epoch and decides whether another follows.
    bool finishEpoch(int epoch, std::int64_t seen, Clock::time_point epochStart);
    /// Reads the sums and ends members whose loss is no longer finite; false when none is left.
    bool checkFinite(int epoch, int batch, bool approximate);
    void reportProgress(int epoch, int done, std::int64_t seen, Clock::time_point epochStart);
    Evaluation evaluate(const DeviceSet& set, const torch::Tensor& indices);
    bool checkEarlyStopping(const EpochMetrics& metrics);
    /// Ends member k now with `status` and `message` (its epochs so far are kept).
    void endMember(std::size_t k, RunStatus status, std::string message);
    /// Ends every member still running; returns false (no epoch follows).
    bool endAll(RunStatus status, const std::string& message);
    /// Saves each completed member's tested weights where its observer asks (model.pt).
    void saveModels();
    bool alive(std::size_t k) const { return !m_ended[k]; }

    std::vector<ExperimentConfig> m_configs;
    std::vector<ExperimentObserver*> m_observers;
    ExperimentObserver& m_progress;
    const CancelToken& m_cancel;
    std::chrono::steady_clock::time_point m_start;
    torch::Device m_device;
    RunData m_run;
    int m_batchesPerEpoch = 0;
    int m_epochsDone = 0;
    std::unique_ptr<Learner> m_learner;
    SeededShuffler m_shuffler;
    torch::Tensor m_rngState;
    std::vector<RunResult> m_results;
    std::vector<char> m_ended;
    // Read from the device at checks: each member's loss sum and correct count so far this epoch.
    std::vector<double> m_lossRead;
    std::vector<std::int64_t> m_correctRead;
    double m_bestValLoss = 0.0;
    int m_bestEpoch = 0;
    std::vector<torch::Tensor> m_bestWeights;
    // A recorded step reads and writes the same tensors every time: the batch's indices are
    // copied into m_batchIndices and the epoch's sums live in fixed tensors, zeroed per epoch.
    std::unique_ptr<StepGraph> m_stepGraph;
    torch::Tensor m_batchIndices;
    torch::Tensor m_lossSum;
    torch::Tensor m_correct;
};

/// Builds the learner of K fused members (fused_trainer.cpp), seeded as their separate runs.
std::unique_ptr<Learner> makeFusedLearner(const std::vector<ExperimentConfig>& members, const torch::Device& device);

} // namespace dropoutlab::detail
