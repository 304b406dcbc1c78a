#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

/// How a run ended. `Stopped`: ended early by a sweep's successive halving. `Interrupted` is
/// only ever read back from a folder without result.json.
enum class RunStatus { Completed, Cancelled, Diverged, Failed, Stopped, Interrupted };

/// Metrics of one finished epoch, as the reference defines them.
struct EpochMetrics {
    int epoch = 0;                ///< 1-based
    double trainLoss = 0.0;       ///< mean over the epoch's batches, dropout active
    double trainAccuracy = 0.0;   ///< fraction in [0,1], measured during training (dropout active)
    double valLoss = 0.0;         ///< mean over validation images, eval mode
    double valAccuracy = 0.0;     ///< fraction in [0,1], eval mode
    double seconds = 0.0;         ///< training + validation wall time
    double trainSeconds = 0.0;
    double valSeconds = 0.0;
    /// A fixed sample of the training part evaluated after the epoch with dropout off (eval mode),
    /// as validation is; absent when the run does not measure it (train_eval 0, older runs).
    std::optional<double> trainEvalLoss;
    std::optional<double> trainEvalAccuracy;
    double trainEvalSeconds = 0.0; ///< the dropout-off evaluation of the training sample
    /// The rate in force during this epoch at each site whose rate follows a schedule (none for
    /// constant rates); metrics.jsonl's "dropout_rates".
    std::map<std::string, double> dropoutRates;
};

/// Training minus validation accuracy at an epoch, both measured with dropout off when the
/// epoch has the dropout-off training metric (then `dropoutOff` is set true), else the running
/// training accuracy (dropout on) minus validation.
double trainValGap(const EpochMetrics& metrics, bool* dropoutOff = nullptr);
/// Validation loss minus training loss at an epoch, both with dropout off; absent without the
/// dropout-off training metric. Unlike the accuracy gap it goes on growing once training
/// accuracy reaches 100 %, so it shows overfitting on small tables.
std::optional<double> valTrainLossGap(const EpochMetrics& metrics);
/// "train loss 0.1234 acc 96.50% (dropout off: loss 0.0456 acc 98.90%) | val loss 0.0500 acc 98.70%":
/// the one-line epoch summary of the CLI and the app's headless mode.
std::string epochSummary(const EpochMetrics& metrics);

/// Progress inside an epoch, reported every few batches.
struct BatchProgress {
    int epoch = 0;                ///< 1-based
    int epochs = 0;
    int batch = 0;                ///< batches done in this epoch
    int batchesPerEpoch = 0;
    double loss = 0.0;            ///< running mean of the epoch's batch losses
    double accuracy = 0.0;        ///< running training accuracy of the epoch
    double imagesPerSecond = 0.0;
    double elapsedSeconds = 0.0;  ///< since the run started
};

/// Facts fixed when a run starts.
struct RunInfo {
    std::string device;
    int threads = 0;
    std::int64_t trainImages = 0;
    std::int64_t validationImages = 0;
    std::int64_t testImages = 0;
    int batchesPerEpoch = 0;
};

/// The outcome of a run; finished epochs are kept whatever the status.
struct RunResult {
    RunStatus status = RunStatus::Completed;
    std::string message;                 ///< why it diverged, failed or was cancelled
    std::optional<double> testAccuracy;  ///< fraction; only for completed runs
    std::optional<double> testLoss;
    double bestValAccuracy = 0.0;
    double wallSeconds = 0.0;
    std::string device;
    int threads = 0;
    std::vector<EpochMetrics> epochs;
    int divergedEpoch = 0;               ///< where a non-finite loss appeared (1-based), if diverged
    int divergedBatch = 0;
    bool stoppedEarly = false;           ///< early stopping ended training before the last epoch
    int bestEpoch = 0;                   ///< with early stopping: the epoch whose weights were tested
    std::optional<std::uint32_t> modelCrc32;  ///< CRC-32 of model.pt as saved (absent: none saved)
    /// The data's class names, one per class (folder names, CIFAR's meta file, classes.txt, a
    /// table's labels; "0", "1", ... where the data names none). Empty in older results.
    std::vector<std::string> classNames;
};

/// Adds a finished epoch to a result: its metrics and the best validation accuracy so far. The one
/// place an epoch record grows (the trainer, the run-folder reader and the app use it).
void addEpoch(RunResult& result, const EpochMetrics& metrics);

/// "completed", "cancelled", "diverged", "failed", "stopped", "interrupted".
std::string toString(RunStatus status);
/// Parses a status word; throws ConfigError naming `where` otherwise.
RunStatus parseRunStatus(const std::string& text, const std::string& where);

} // namespace dropoutlab
