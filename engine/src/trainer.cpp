#include "dropoutlab/experiment.h"

#include "dropoutlab/data_split.h"
#include "dropoutlab/dataset.h"
#include "dropoutlab/errors.h"
#include "models.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <thread>

namespace dropoutlab {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Keeps the last loaded dataset: the runs of a preset or a queue usually share one.
std::shared_ptr<const DatasetBytes> cachedDataset(const std::string& dir)
{
    static std::mutex mutex;
    static std::string cachedKey;
    static std::shared_ptr<const DatasetBytes> cached;

    const DatasetFiles files = locateDataset(dir);
    std::error_code ec;
    std::string key;
    for (const auto& path : {files.trainImages, files.trainLabels, files.testImages, files.testLabels}) {
        const auto stamp = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
        key += path + '|' + std::to_string(stamp) + '|' + std::to_string(std::filesystem::file_size(path, ec)) + ';';
    }
    std::lock_guard lock(mutex);
    if (cached && key == cachedKey)
        return cached;
    cached = std::make_shared<const DatasetBytes>(loadDataset(dir));
    cachedKey = key;
    return cached;
}

torch::Device resolveDevice(const std::string& requested)
{
    if (requested == "cpu")
        return torch::kCPU;
    const bool cuda = cudaAvailable();
    if (requested == "cuda" && !cuda)
        throw DeviceError("device 'cuda' was requested, but this LibTorch build has no CUDA support or sees no GPU; "
                          "use --device cpu or auto");
    return cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

std::string describeDevice(const torch::Device& device)
{
    return device.is_cuda() ? "cuda:" + std::to_string(device.index()) : "cpu";
}

/// Images (uint8, N x 1 x 28 x 28) and labels (int64) on the training device.
struct DeviceSet {
    torch::Tensor images;
    torch::Tensor labels;
};

DeviceSet toDevice(const std::vector<std::uint8_t>& images, const std::vector<std::uint8_t>& labels, std::int64_t rows,
                   std::int64_t cols, const torch::Device& device)
{
    const auto count = static_cast<std::int64_t>(labels.size());
    // from_blob does not copy; .to()/.clone() gives the tensor its own storage (the bytes stay uint8).
    auto imageTensor = torch::from_blob(const_cast<std::uint8_t*>(images.data()), {count, 1, rows, cols}, torch::kUInt8);
    auto labelTensor = torch::from_blob(const_cast<std::uint8_t*>(labels.data()), {count}, torch::kUInt8);
    return {imageTensor.to(device, /*non_blocking=*/false, /*copy=*/true), labelTensor.to(device, torch::kLong)};
}

torch::Tensor indexTensor(const std::vector<std::int64_t>& indices, const torch::Device& device)
{
    return torch::from_blob(const_cast<std::int64_t*>(indices.data()), {static_cast<std::int64_t>(indices.size())},
                            torch::kLong)
        .to(device, /*non_blocking=*/false, /*copy=*/true);
}

/// Pixels to [0,1], then normalised with mean 0.5 and std 0.5: x / 127.5 - 1.
torch::Tensor normalise(const torch::Tensor& bytes)
{
    return bytes.to(torch::kFloat).mul_(1.0 / 127.5).sub_(1.0);
}

struct Evaluation {
    double loss = 0.0;
    double accuracy = 0.0;
    bool cancelled = false;
};

/// Mean loss and accuracy in eval mode over `indices` (or the whole set when undefined).
Evaluation evaluate(detail::NetImpl& model, const DeviceSet& set, const torch::Tensor& indices, int batchSize,
                    const CancelToken& cancel)
{
    torch::NoGradGuard noGrad;
    model.eval();
    const std::int64_t count = indices.defined() ? indices.size(0) : set.labels.size(0);
    auto lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(set.labels.device()));
    auto correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kLong).device(set.labels.device()));
    for (std::int64_t start = 0; start < count; start += batchSize) {
        if (cancel.isCancelled())
            return {0.0, 0.0, true};
        const std::int64_t size = std::min<std::int64_t>(batchSize, count - start);
        torch::Tensor images;
        torch::Tensor labels;
        if (indices.defined()) {
            const auto batch = indices.narrow(0, start, size);
            images = set.images.index_select(0, batch);
            labels = set.labels.index_select(0, batch);
        } else {
            images = set.images.narrow(0, start, size);
            labels = set.labels.narrow(0, start, size);
        }
        const auto logits = model.forward(normalise(images));
        lossSum += torch::nn::functional::cross_entropy(
                       logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .to(torch::kDouble);
        correct += logits.argmax(1).eq(labels).sum();
    }
    model.train();
    return {lossSum.item<double>() / static_cast<double>(count),
            static_cast<double>(correct.item<std::int64_t>()) / static_cast<double>(count), false};
}

struct EpochOutcome {
    bool cancelled = false;
    bool diverged = false;
    int batch = 0;
    double lossSum = 0.0;
    std::int64_t correct = 0;
    std::int64_t seen = 0;
    int batches = 0;
};

} // namespace

bool cudaAvailable()
{
    return torch::cuda::is_available();
}

int resolvedThreadCount(const ExperimentConfig& config)
{
    if (config.threads > 0)
        return config.threads;
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

RunResult runExperiment(const ExperimentConfig& config, ExperimentObserver& observer, const CancelToken& cancel)
{
    const auto runStart = Clock::now();
    validateConfig(config);
    const torch::Device device = resolveDevice(config.device);
    // A new thread starts with LibTorch's default pool (which can be 1): set it explicitly every time.
    at::init_num_threads();
    const int threads = resolvedThreadCount(config);
    torch::set_num_threads(threads);

    const auto data = cachedDataset(resolveDataDir(config.dataDir));
    const DataSplit split = makeSplit(data->trainCount(), config.validationFraction, config.seeds.split);
    std::vector<std::int64_t> trainIndices =
        balancedSubset(split.train, data->trainLabels, config.trainSubset, config.seeds.split);

    const DeviceSet train = toDevice(data->trainImages, data->trainLabels, data->rows, data->cols, device);
    const DeviceSet test = toDevice(data->testImages, data->testLabels, data->rows, data->cols, device);
    const torch::Tensor validationIndices = indexTensor(split.validation, device);

    const auto trainCount = static_cast<std::int64_t>(trainIndices.size());
    const int batchesPerEpoch = static_cast<int>((trainCount + config.batchSize - 1) / config.batchSize);

    RunResult result;
    result.device = describeDevice(device);
    result.threads = threads;
    observer.onStart({result.device, threads, trainCount, static_cast<std::int64_t>(split.validation.size()),
                      data->testCount(), batchesPerEpoch});
    observer.onLog("training " + toString(config.model) + " (dropout: " + dropoutSummary(config) + ") on " +
                   result.device + " with " + std::to_string(threads) + " thread(s): " + std::to_string(trainCount) +
                   " training, " + std::to_string(split.validation.size()) + " validation, " +
                   std::to_string(data->testCount()) + " test images");

    torch::manual_seed(config.seeds.init);
    auto model = detail::makeModel(config);
    model->to(device);
    model->train();
    torch::optim::SGD optimizer(model->parameters(),
                                torch::optim::SGDOptions(config.learningRate).momentum(config.momentum));
    torch::manual_seed(config.seeds.dropout);
    SeededShuffler shuffler(config.seeds.shuffle);

    auto finish = [&](RunStatus status, std::string message) {
        result.status = status;
        result.message = std::move(message);
        result.wallSeconds = secondsSince(runStart);
        return result;
    };

    try {
        for (int epoch = 1; epoch <= config.epochs; ++epoch) {
            const auto epochStart = Clock::now();
            shuffler.shuffle(trainIndices);
            const torch::Tensor order = indexTensor(trainIndices, device);
            EpochOutcome outcome;
            for (int batch = 0; batch < batchesPerEpoch; ++batch) {
                if (cancel.isCancelled()) {
                    outcome.cancelled = true;
                    break;
                }
                const std::int64_t start = std::int64_t{batch} * config.batchSize;
                const auto indices = order.narrow(0, start, std::min<std::int64_t>(config.batchSize, trainCount - start));
                const auto labels = train.labels.index_select(0, indices);
                const auto logits = model->forward(normalise(train.images.index_select(0, indices)));
                const auto loss = torch::nn::functional::cross_entropy(logits, labels);
                optimizer.zero_grad();
                loss.backward();

                const double lossValue = loss.item<double>();
                if (!std::isfinite(lossValue)) {
                    outcome.diverged = true;
                    outcome.batch = batch + 1;
                    break;
                }
                optimizer.step();
                outcome.lossSum += lossValue;
                outcome.correct += logits.argmax(1).eq(labels).sum().item<std::int64_t>();
                outcome.seen += indices.size(0);
                outcome.batches = batch + 1;

                if (outcome.batches % config.progressEvery == 0 || outcome.batches == batchesPerEpoch) {
                    const double elapsed = secondsSince(epochStart);
                    observer.onBatch({epoch, config.epochs, outcome.batches, batchesPerEpoch,
                                      outcome.lossSum / outcome.batches,
                                      static_cast<double>(outcome.correct) / static_cast<double>(outcome.seen),
                                      elapsed > 0 ? static_cast<double>(outcome.seen) / elapsed : 0.0,
                                      secondsSince(runStart)});
                }
            }
            if (outcome.cancelled)
                return finish(RunStatus::Cancelled, "cancelled during epoch " + std::to_string(epoch));
            if (outcome.diverged) {
                result.divergedEpoch = epoch;
                result.divergedBatch = outcome.batch;
                return finish(RunStatus::Diverged, "loss became non-finite at epoch " + std::to_string(epoch) +
                                                       ", batch " + std::to_string(outcome.batch) +
                                                       " (try a smaller learning rate)");
            }

            EpochMetrics metrics;
            metrics.epoch = epoch;
            metrics.trainLoss = outcome.lossSum / outcome.batches;
            metrics.trainAccuracy = static_cast<double>(outcome.correct) / static_cast<double>(outcome.seen);
            metrics.trainSeconds = secondsSince(epochStart);
            const auto validationStart = Clock::now();
            const Evaluation validation = evaluate(*model, train, validationIndices, config.evalBatchSize, cancel);
            if (validation.cancelled)
                return finish(RunStatus::Cancelled, "cancelled during validation of epoch " + std::to_string(epoch));
            metrics.valLoss = validation.loss;
            metrics.valAccuracy = validation.accuracy;
            metrics.valSeconds = secondsSince(validationStart);
            metrics.seconds = secondsSince(epochStart);
            result.bestValAccuracy = std::max(result.bestValAccuracy, metrics.valAccuracy);
            result.epochs.push_back(metrics);
            observer.onEpoch(metrics);
        }

        const Evaluation testing = evaluate(*model, test, torch::Tensor(), config.evalBatchSize, cancel);
        if (testing.cancelled)
            return finish(RunStatus::Cancelled, "cancelled during the test evaluation");
        result.testAccuracy = testing.accuracy;
        result.testLoss = testing.loss;
        return finish(RunStatus::Completed, {});
    } catch (const c10::Error& error) {
        return finish(RunStatus::Failed, error.what_without_backtrace());
    } catch (const std::exception& error) {
        return finish(RunStatus::Failed, error.what());
    }
}

} // namespace dropoutlab
