#include "dropoutlab/experiment.h"

#include "dropoutlab/data_split.h"
#include "dropoutlab/dataset.h"
#include "dropoutlab/errors.h"
#include "models.h"
#include "training_session.h"
#include "allocator_tuning.h"
#include "step_graph.h"

#include <chrono>
#include <cstdlib>
#include <new>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <thread>

namespace dropoutlab {
namespace detail {
namespace {

std::mutex turnMutex;
std::thread::id turnOwner;
int turnDepth = 0;

} // namespace

TrainingTurn::TrainingTurn()
{
    std::lock_guard lock(turnMutex);
    if (turnDepth > 0 && turnOwner != std::this_thread::get_id())
        throw DeviceError("another training is running in this process; DropoutLab trains one run (or one fused "
                          "group) at a time per process, because torch's random generators and thread count are "
                          "process-wide: start another process to train in parallel (e.g. sweep shards)");
    turnOwner = std::this_thread::get_id();
    ++turnDepth;
}

TrainingTurn::~TrainingTurn()
{
    std::lock_guard lock(turnMutex);
    --turnDepth;
}

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string failureMessage(const std::exception& error, const torch::Device& device)
{
    const auto* torchError = dynamic_cast<const c10::Error*>(&error);
    std::string text = torchError ? torchError->what_without_backtrace() : error.what();
    const auto cut = text.find('\n');
    if (cut != std::string::npos)
        text = text.substr(0, cut);  // torch appends C++ frames and hints on later lines
    const bool outOfMemory = dynamic_cast<const c10::OutOfMemoryError*>(&error) ||
                             dynamic_cast<const std::bad_alloc*>(&error) ||
                             text.find("out of memory") != std::string::npos ||
                             text.find("not enough memory") != std::string::npos ||
                             text.find("can't allocate memory") != std::string::npos;
    if (!outOfMemory)
        return text;
    return "out of memory on " + describeDevice(device) + " (" + text +
           "); try a smaller batch size or evaluation batch, fewer runs fused at once, or another device";
}

int faultOomEpoch()
{
    const char* value = std::getenv("DROPOUTLAB_FAULT_OOM_AT_EPOCH");
    return value ? std::atoi(value) : 0;
}

void injectOomIfAsked(int epoch, const torch::Device& device)
{
    if (epoch != faultOomEpoch())
        return;
    // A real request to the real allocator, so the whole failure path is the one users meet.
    const auto tensor = torch::empty({std::int64_t{1} << 50}, torch::TensorOptions().dtype(torch::kUInt8).device(device));
    (void)tensor;
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

DeviceSet toDevice(const std::vector<std::uint8_t>& images, const std::vector<std::uint8_t>& labels, std::int64_t rows,
                   std::int64_t cols, const torch::Device& device)
{
    const auto count = static_cast<std::int64_t>(labels.size());
    // On the CPU the images stay in the cached dataset's bytes (no copy: the session holds the
    // dataset alive); on a GPU they are copied once, as uint8.
    auto imageTensor = torch::from_blob(const_cast<std::uint8_t*>(images.data()), {count, 1, rows, cols}, torch::kUInt8);
    auto labelTensor = torch::from_blob(const_cast<std::uint8_t*>(labels.data()), {count}, torch::kUInt8);
    if (device.is_cuda())
        imageTensor = imageTensor.to(device, /*non_blocking=*/false, /*copy=*/true);
    return {imageTensor, labelTensor.to(device, torch::kLong)};
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

namespace {

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
        const auto [images, labels] = evaluationBatch(set, indices, start, size);
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

} // namespace

std::pair<torch::Tensor, torch::Tensor> evaluationBatch(const DeviceSet& set, const torch::Tensor& indices,
                                                        std::int64_t start, std::int64_t size)
{
    if (!indices.defined())
        return {set.images.narrow(0, start, size), set.labels.narrow(0, start, size)};
    const auto batch = indices.narrow(0, start, size);
    return {set.images.index_select(0, batch), set.labels.index_select(0, batch)};
}

RunData prepareRun(const ExperimentConfig& config, const torch::Device& device)
{
    // A new thread starts with LibTorch's default pool (which can be 1): set it explicitly every time.
    at::init_num_threads();
    torch::set_num_threads(resolvedThreadCount(config));
    tuneAllocator();
    RunData run;
    run.bytes = cachedDataset(resolveDataDir(config.dataDir));
    const DataSplit split = makeSplit(run.bytes->trainCount(), config.validationFraction, config.seeds.split);
    run.trainIndices = balancedSubset(split.train, run.bytes->trainLabels, config.trainSubset, config.seeds.split);
    run.validationCount = static_cast<std::int64_t>(split.validation.size());
    const DatasetBytes& b = *run.bytes;
    run.train = toDevice(b.trainImages, b.trainLabels, b.rows, b.cols, device);
    run.test = toDevice(b.testImages, b.testLabels, b.rows, b.cols, device);
    run.validationIndices = indexTensor(split.validation, device);
    return run;
}

TrainingSession::TrainingSession(const ExperimentConfig& config, ExperimentObserver& observer,
                                 const CancelToken& cancel)
    : m_config(config), m_observer(observer), m_cancel(cancel), m_start(Clock::now()),
      m_device(torch::kCPU), m_shuffler(config.seeds.shuffle)
{
    const TrainingTurn turn;
    validateConfig(config);
    m_device = resolveDevice(config.device);
    m_stepGraph = std::make_unique<StepGraph>(m_device);
    const int threads = resolvedThreadCount(config);
    try {
        m_run = prepareRun(config, m_device);
    } catch (const c10::Error& error) {
        // e.g. the dataset does not fit the GPU's memory
        throw DeviceError("cannot load the data onto " + describeDevice(m_device) + ": " +
                          failureMessage(error, m_device));
    }
    m_batchesPerEpoch = static_cast<int>((trainCount() + config.batchSize - 1) / config.batchSize);

    m_result.device = describeDevice(m_device);
    m_result.threads = threads;
    observer.onStart({m_result.device, threads, trainCount(), m_run.validationCount,
                      m_run.bytes->testCount(), m_batchesPerEpoch});
    observer.onLog("training " + toString(config.model) + " (dropout: " + dropoutSummary(config) + ") on " +
                   m_result.device + " with " + std::to_string(threads) + " thread(s): " +
                   std::to_string(trainCount()) + " training, " + std::to_string(m_run.validationCount) +
                   " validation, " + std::to_string(m_run.bytes->testCount()) + " test images" +
                   (m_stepGraph->enabled() ? "; steps replayed as CUDA graphs" : ""));

    torch::manual_seed(config.seeds.init);
    m_model = makeModel(config);
    try {
        m_model->to(m_device);
    } catch (const c10::Error& error) {
        throw DeviceError("cannot place the model on " + describeDevice(m_device) + ": " +
                          failureMessage(error, m_device));
    }
    m_model->train();
    m_optimizer = std::make_unique<torch::optim::SGD>(
        m_model->parameters(), torch::optim::SGDOptions(config.learningRate).momentum(config.momentum));
    const auto options = torch::TensorOptions().device(m_device);
    m_lossSum = torch::zeros({}, options.dtype(torch::kDouble));
    m_correct = torch::zeros({}, options.dtype(torch::kLong));
    m_batchIndices = torch::empty({config.batchSize}, options.dtype(torch::kLong));
    torch::manual_seed(config.seeds.dropout);
    m_rngState = at::globalContext().defaultGenerator(m_device).get_state();
}

TrainingSession::~TrainingSession() = default;

std::int64_t TrainingSession::trainCount() const
{
    return static_cast<std::int64_t>(m_run.trainIndices.size());
}

bool TrainingSession::runEpoch()
{
    if (m_ended)
        return false;
    const TrainingTurn turn;
    // Sessions of a sweep take turns: each keeps its own dropout random stream (dropout masks
    // come from the generator of the device that trains).
    auto generator = at::globalContext().defaultGenerator(m_device);
    generator.set_state(m_rngState);
    const bool more = trainOneEpoch();
    m_rngState = generator.get_state();
    return more;
}

bool TrainingSession::trainOneEpoch()
{
    const int epoch = static_cast<int>(m_result.epochs.size()) + 1;
    try {
        const auto epochStart = Clock::now();
        injectOomIfAsked(epoch, m_device);
        const auto streamScope = m_stepGraph->streamScope();
        m_shuffler.shuffle(m_run.trainIndices);
        const torch::Tensor order = indexTensor(m_run.trainIndices, m_device);
        // Sums stay on the device; the host reads them only at checks. On the CPU that is every
        // batch (free); on a GPU a read is a synchronisation, so it happens at progress reports only.
        const int checkEvery = m_device.is_cuda() ? m_config.progressEvery : 1;
        m_lossSum.zero_();
        m_correct.zero_();
        double lossSum = 0.0;
        std::int64_t correct = 0;
        std::int64_t seen = 0;
        for (int batch = 0; batch < m_batchesPerEpoch; ++batch) {
            if (m_cancel.isCancelled())
                return end(RunStatus::Cancelled, "cancelled during epoch " + std::to_string(epoch));
            const std::int64_t start = std::int64_t{batch} * m_config.batchSize;
            torch::Tensor indices = order.narrow(0, start, std::min<std::int64_t>(m_config.batchSize, trainCount() - start));
            const bool fullBatch = indices.size(0) == m_config.batchSize;
            if (m_stepGraph->enabled() && fullBatch) {
                m_batchIndices.copy_(indices);
                indices = m_batchIndices;
            }
            m_stepGraph->step([&] { trainStep(indices); }, fullBatch);
            seen += indices.size(0);
            const int done = batch + 1;
            const bool report = done % m_config.progressEvery == 0 || done == m_batchesPerEpoch;
            if (report || done % checkEvery == 0) {
                lossSum = m_lossSum.item<double>();
                if (!std::isfinite(lossSum)) {
                    m_result.divergedEpoch = epoch;
                    m_result.divergedBatch = done;
                    return end(RunStatus::Diverged, "loss became non-finite at epoch " + std::to_string(epoch) +
                                                        ", batch " + std::to_string(done) +
                                                        (checkEvery > 1 ? " or shortly before" : "") +
                                                        " (try a smaller learning rate)");
                }
                correct = m_correct.item<std::int64_t>();
            }
            if (report) {
                const double elapsed = secondsSince(epochStart);
                m_observer.onBatch({epoch, m_config.epochs, done, m_batchesPerEpoch, lossSum / done,
                                    static_cast<double>(correct) / static_cast<double>(seen),
                                    elapsed > 0 ? static_cast<double>(seen) / elapsed : 0.0, secondsSince(m_start)});
            }
        }

        if (const auto reason = m_stepGraph->takeFallbackReason(); !reason.empty())
            m_observer.onLog(reason);
        EpochMetrics metrics;
        metrics.epoch = epoch;
        metrics.trainLoss = lossSum / m_batchesPerEpoch;
        metrics.trainAccuracy = static_cast<double>(correct) / static_cast<double>(seen);
        metrics.trainSeconds = secondsSince(epochStart);
        const auto validationStart = Clock::now();
        const Evaluation validation = evaluate(*m_model, m_run.train, m_run.validationIndices, m_config.evalBatchSize, m_cancel);
        if (validation.cancelled)
            return end(RunStatus::Cancelled, "cancelled during validation of epoch " + std::to_string(epoch));
        metrics.valLoss = validation.loss;
        metrics.valAccuracy = validation.accuracy;
        metrics.valSeconds = secondsSince(validationStart);
        metrics.seconds = secondsSince(epochStart);
        m_result.bestValAccuracy = std::max(m_result.bestValAccuracy, metrics.valAccuracy);
        m_result.epochs.push_back(metrics);
        m_observer.onEpoch(metrics);
        return !checkEarlyStopping(metrics) && epoch < m_config.epochs;
    } catch (const std::exception& error) {
        return end(RunStatus::Failed, failureMessage(error, m_device) + " (epoch " + std::to_string(epoch) + ")");
    }
}

void TrainingSession::trainStep(const torch::Tensor& indices)
{
    const auto labels = m_run.train.labels.index_select(0, indices);
    const auto logits = m_model->forward(normalise(m_run.train.images.index_select(0, indices)));
    const auto loss = torch::nn::functional::cross_entropy(logits, labels);
    m_optimizer->zero_grad();
    loss.backward();
    m_optimizer->step();
    m_lossSum += loss.detach();
    m_correct += logits.detach().argmax(1).eq(labels).sum();
}

bool TrainingSession::checkEarlyStopping(const EpochMetrics& metrics)
{
    if (m_config.earlyStoppingPatience <= 0)
        return false;
    if (m_bestEpoch == 0 || metrics.valLoss < m_bestValLoss) {
        m_bestValLoss = metrics.valLoss;
        m_bestEpoch = metrics.epoch;
        // Keep the best weights in memory; the test accuracy is measured with them.
        m_bestWeights.clear();
        for (const auto& tensor : m_model->parameters())
            m_bestWeights.push_back(tensor.detach().clone());
        return false;
    }
    if (metrics.epoch - m_bestEpoch < m_config.earlyStoppingPatience || metrics.epoch >= m_config.epochs)
        return false;
    m_result.bestEpoch = m_bestEpoch;
    m_result.stoppedEarly = true;
    m_result.message = "early stopping after epoch " + std::to_string(metrics.epoch) + ": validation loss did not improve for " +
                       std::to_string(m_config.earlyStoppingPatience) + " epochs; test accuracy of epoch " +
                       std::to_string(m_bestEpoch);
    return true;
}

bool TrainingSession::end(RunStatus status, std::string message)
{
    m_ended = true;
    m_result.status = status;
    m_result.message = std::move(message);
    m_result.wallSeconds = secondsSince(m_start);
    return false;
}

RunResult TrainingSession::stop(RunStatus status, std::string message)
{
    if (!m_ended)
        end(status, std::move(message));
    return m_result;
}

RunResult TrainingSession::finish()
{
    if (m_ended)
        return m_result;
    const TrainingTurn turn;
    try {
        if (!m_bestWeights.empty()) {
            torch::NoGradGuard noGrad;
            const auto parameters = m_model->parameters();
            for (std::size_t i = 0; i < parameters.size(); ++i)
                parameters[i].copy_(m_bestWeights[i]);
            m_result.bestEpoch = m_bestEpoch;
        }
        const Evaluation testing = evaluate(*m_model, m_run.test, torch::Tensor(), m_config.evalBatchSize, m_cancel);
        if (testing.cancelled) {
            end(RunStatus::Cancelled, "cancelled during the test evaluation");
            return m_result;
        }
        m_result.testAccuracy = testing.accuracy;
        m_result.testLoss = testing.loss;
        const std::string note = m_result.message;
        end(RunStatus::Completed, note);
    } catch (const std::exception& error) {
        end(RunStatus::Failed, failureMessage(error, m_device) + " (test evaluation)");
    }
    return m_result;
}

} // namespace detail

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
    detail::TrainingSession session(config, observer, cancel);
    while (session.runEpoch()) {
    }
    return session.finish();
}

} // namespace dropoutlab
