#include "dropoutlab/train/experiment.h"

#include "dropoutlab/core/data_split.h"
#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "models.h"
#include "training_session.h"
#include "dropoutlab/train/allocator.h"
#include "kernels/step_graph.h"
#include "fused_trainer.h"
#include "saved_model.h"
#include "optimiser.h"

#include <algorithm>
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

DeviceSet toDevice(const DatasetBytes& data, bool test, const std::vector<ChannelStatistics>& norm,
                   const torch::Device& device)
{
    const auto& images = test ? data.testImages : data.trainImages;
    const auto& labels = test ? data.testLabels : data.trainLabels;
    const auto count = static_cast<std::int64_t>(labels.size());
    const DataShape& shape = data.shape;
    // On the CPU the images stay in the cached dataset's bytes (no copy: the session holds the
    // dataset alive); on a GPU they are copied once, as uint8.
    const std::vector<std::int64_t> sizes{count, shape.channels, shape.height, shape.width};
    const auto& values = test ? data.testValues : data.trainValues;
    auto imageTensor = data.isTable() ? torch::from_blob(const_cast<float*>(values.data()), sizes, torch::kFloat)
                                      : torch::from_blob(const_cast<std::uint8_t*>(images.data()), sizes, torch::kUInt8);
    auto labelTensor = torch::from_blob(const_cast<std::int32_t*>(labels.data()), {count}, torch::kInt);
    if (device.is_cuda())
        imageTensor = imageTensor.to(device, /*non_blocking=*/false, /*copy=*/true);
    DeviceSet set = normalisationSet(norm, data.isTable(), device);
    set.images = imageTensor;
    set.labels = labelTensor.to(device, torch::kLong);
    return set;
}

DeviceSet normalisationSet(const std::vector<ChannelStatistics>& norm, bool table, const torch::Device& device)
{
    DeviceSet set;
    const bool reference = !table && std::all_of(norm.begin(), norm.end(), [](const ChannelStatistics& c) {
        return c.mean == 127.5 && c.std == 127.5;
    });
    if (reference)
        return set;  // normalise() then takes the reference experiment's path, x / 127.5 - 1
    std::vector<float> scale, shift;
    for (const auto& c : norm) {
        scale.push_back(static_cast<float>(1.0 / c.std));
        shift.push_back(static_cast<float>(-c.mean / c.std));
    }
    // Per channel of an image; per feature (the last dimension) of a table.
    const auto n = static_cast<std::int64_t>(norm.size());
    const std::vector<std::int64_t> shape4 = table ? std::vector<std::int64_t>{1, 1, 1, n} : std::vector<std::int64_t>{1, n, 1, 1};
    set.scale = torch::tensor(scale).reshape(shape4).to(device);
    set.shift = torch::tensor(shift).reshape(shape4).to(device);
    return set;
}

void requireShape(const DatasetBytes& data, const ExperimentConfig& config, const std::string& where)
{
    if (data.shape != config.input)
        throw DataError((where.empty() ? std::string("the installed MNIST") : where) + ": holds images of " +
                        shapeText(data.shape) + " in " + std::to_string(data.shape.classes) +
                        " classes; the model was trained on " + shapeText(config.input) + " in " +
                        std::to_string(config.input.classes) + " classes");
}

namespace {

/// The run's split of the training file and the (subset of the) training part it trains on.
struct RunParts {
    DataSplit split;
    std::vector<std::int64_t> trainIndices;
};

RunParts runParts(const ExperimentConfig& config, const DatasetBytes& data)
{
    RunParts parts{makeSplit(data.trainCount(), config.validationFraction, config.seeds.split), {}};
    parts.trainIndices = balancedSubset(parts.split.train, data.trainLabels, config.trainSubset, config.seeds.split);
    return parts;
}

} // namespace

std::vector<ChannelStatistics> normalisationOf(const ExperimentConfig& config, const DatasetBytes& data)
{
    if (!config.normalisation.empty() || data.format == DataFormat::Idx)  // fixed statistics: no split needed
        return runNormalisation(data, {}, config.normalisation);
    return runNormalisation(data, runParts(config, data).trainIndices);
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

torch::Tensor normalise(const torch::Tensor& bytes, const DeviceSet& set)
{
    if (!set.scale.defined())
        return normalise(bytes);
    if (bytes.scalar_type() == torch::kFloat)  // a table's values: a view of the dataset, never changed
        return bytes.mul(set.scale).add_(set.shift);
    return bytes.to(torch::kFloat).mul_(set.scale).add_(set.shift);
}

std::pair<torch::Tensor, torch::Tensor> evaluationBatch(const DeviceSet& set, const torch::Tensor& indices,
                                                        std::int64_t start, std::int64_t size)
{
    if (!indices.defined())
        return {set.images.narrow(0, start, size), set.labels.narrow(0, start, size)};
    const auto batch = indices.narrow(0, start, size);
    return {set.images.index_select(0, batch), set.labels.index_select(0, batch)};
}

std::vector<std::int64_t> trainEvalSample(const ExperimentConfig& config, const std::vector<std::int64_t>& trainIndices,
                                          const std::vector<std::int32_t>& labels)
{
    if (config.trainEvalImages == 0)
        return {};
    // Its own stream, derived from the split seed: the same runs of a comparison share the sample.
    constexpr std::uint64_t kSampleStream = 0x7e57a11ULL;
    auto sample = balancedSubset(trainIndices, labels, config.trainEvalImages == kTrainEvalAll ? 0 : config.trainEvalImages,
                                 config.seeds.split ^ kSampleStream);
    std::sort(sample.begin(), sample.end());
    return sample;
}

void prepareThread(const ExperimentConfig& config)
{
    // A new thread starts with LibTorch's default pool (which can be 1): set it explicitly every time.
    at::init_num_threads();
    torch::set_num_threads(resolvedThreadCount(config));
    tuneAllocator();
}

RunData prepareRun(const ExperimentConfig& config, const torch::Device& device)
{
    prepareThread(config);
    RunData run;
    run.bytes = cachedDataset(resolveDataDir(config.dataDir));
    RunParts parts = runParts(config, *run.bytes);
    const DataSplit& split = parts.split;
    run.trainIndices = std::move(parts.trainIndices);
    run.validationCount = static_cast<std::int64_t>(split.validation.size());
    const DatasetBytes& b = *run.bytes;
    const auto norm = runNormalisation(b, run.trainIndices, config.normalisation);
    run.train = toDevice(b, false, norm, device);
    run.test = toDevice(b, true, norm, device);
    run.validationIndices = indexTensor(split.validation, device);
    if (const auto sample = trainEvalSample(config, run.trainIndices, b.trainLabels); !sample.empty())
        run.trainEvalIndices = indexTensor(sample, device);
    return run;
}

namespace {

/// One network and its optimiser.
class SingleLearner final : public Learner {
public:
    /// Evaluation only: no optimiser. The weights take the layout training uses (a loaded model
    /// comes in LibTorch's default one), so that evaluation runs the same kernels as in training
    /// (Winograd wants channels-last weights) and gives the same numbers.
    explicit SingleLearner(std::shared_ptr<NetImpl> model) : m_model(std::move(model)) { useConvolutionLayout(*m_model); }

    SingleLearner(const ExperimentConfig& config, const torch::Device& device, std::int64_t trainingSize)
        : m_trainingSize(trainingSize)
    {
        torch::manual_seed(config.seeds.init);
        m_model = makeModel(config);
        try {
            m_model->to(device);
            useConvolutionLayout(*m_model);
        } catch (const c10::Error& error) {
            throw DeviceError("cannot place the model on " + describeDevice(device) + ": " +
                              failureMessage(error, device));
        }
        m_model->train();
        m_optimizer = std::make_unique<TrainingOptimiser>(config, m_model->parameters(),
                                                          maxNormConstraints(*m_model, config));
    }

    void trainStep(const torch::Tensor& images, const torch::Tensor& labels, torch::Tensor& lossSum,
                   torch::Tensor& correct) override
    {
        if (!m_optimizer)
            throw std::logic_error("an evaluation-only learner cannot train");
        const auto logits = m_model->forward(images);
        const auto loss = torch::nn::functional::cross_entropy(logits, labels);
        m_optimizer->zeroGrad();
        // Concrete Dropout's regularisers join the objective; the loss recorded stays the data's.
        const auto concrete = m_model->concreteLoss(m_trainingSize);
        (concrete.defined() ? loss + concrete.sum() : loss).backward();
        m_optimizer->step();
        lossSum += loss.detach();
        correct += logits.detach().argmax(1).eq(labels).sum();
    }

    void evaluateBatch(const torch::Tensor& images, const torch::Tensor& labels, torch::Tensor& lossSum,
                       torch::Tensor& correct) override
    {
        const auto logits = m_model->forward(images);
        lossSum += torch::nn::functional::cross_entropy(
                       logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .to(torch::kDouble);
        correct += logits.argmax(1).eq(labels).sum();
    }

    void setTraining(bool training) override { m_model->train(training); }
    void beginEpoch(int epoch) override
    {
        if (m_optimizer)
            m_optimizer->beginEpoch(epoch);
        m_model->setEpoch(epoch);  // scheduled dropout rates
    }
    std::vector<torch::Tensor> parameters() override { return stateTensors(*m_model); }
    std::vector<torch::Tensor> memberParameters(int /*k*/) override { return stateTensors(*m_model); }
    std::map<std::string, double> learnedRates(int /*k*/) const override { return m_model->learnedRates(); }

private:
    std::shared_ptr<NetImpl> m_model;
    std::unique_ptr<TrainingOptimiser> m_optimizer;
    std::int64_t m_trainingSize = 0;
};

} // namespace

std::unique_ptr<Learner> makeEvaluationLearner(std::shared_ptr<NetImpl> model)
{
    return std::make_unique<SingleLearner>(std::move(model));
}

Evaluation evaluateLearner(Learner& learner, std::int64_t members, const DeviceSet& set, const torch::Tensor& indices,
                           int batchSize, const CancelToken* cancel)
{
    torch::NoGradGuard noGrad;
    learner.setTraining(false);
    const std::int64_t count = indices.defined() ? indices.size(0) : set.labels.size(0);
    const auto options = torch::TensorOptions().device(set.labels.device());
    auto lossSum = torch::zeros({members}, options.dtype(torch::kDouble));
    auto correct = torch::zeros({members}, options.dtype(torch::kLong));
    for (std::int64_t start = 0; start < count; start += batchSize) {
        if (cancel && cancel->isCancelled()) {
            learner.setTraining(true);
            return {{}, {}, true};
        }
        const std::int64_t size = std::min<std::int64_t>(batchSize, count - start);
        const auto [images, labels] = evaluationBatch(set, indices, start, size);
        learner.evaluateBatch(normalise(images, set), labels, lossSum, correct);
    }
    learner.setTraining(true);
    Evaluation e;
    const auto losses = lossSum.cpu();
    const auto hits = correct.cpu();
    for (std::int64_t i = 0; i < members; ++i) {
        e.loss.push_back(losses[i].item<double>() / static_cast<double>(count));
        e.accuracy.push_back(static_cast<double>(hits[i].item<std::int64_t>()) / static_cast<double>(count));
    }
    return e;
}

namespace {

std::uint64_t shuffleSeedOf(const std::vector<ExperimentConfig>& members)
{
    if (members.empty())
        throw ConfigError("a training needs at least one run");
    return members.front().seeds.shuffle;
}

double fraction(std::int64_t part, std::int64_t whole)
{
    return static_cast<double>(part) / static_cast<double>(whole);
}

} // namespace

TrainingSession::TrainingSession(const ExperimentConfig& config, ExperimentObserver& observer,
                                 const CancelToken& cancel)
    : m_observers{&observer}, m_progress(observer), m_cancel(cancel), m_start(Clock::now()), m_device(torch::kCPU),
      m_shuffler(config.seeds.shuffle)
{
    start({config});
}

TrainingSession::TrainingSession(std::vector<ExperimentConfig> members, std::vector<ExperimentObserver*> observers,
                                 ExperimentObserver& progress, const CancelToken& cancel)
    : m_observers(std::move(observers)), m_progress(progress), m_cancel(cancel), m_start(Clock::now()),
      m_device(torch::kCPU), m_shuffler(shuffleSeedOf(members))
{
    if (m_observers.size() != members.size())
        throw ConfigError("a fused group needs one observer per member");
    start(std::move(members));
}

void TrainingSession::start(std::vector<ExperimentConfig> members)
{
    const TrainingTurn turn;
    for (const auto& member : members) {
        validateConfig(member);
        if (members.size() > 1 && !canFuse(members.front(), member))
            throw ConfigError("run '" + member.name + "' differs from '" + members.front().name +
                              "' in more than dropout rates and seeds, so it cannot be fused with it");
    }
    m_configs = std::move(members);
    const ExperimentConfig& first = m_configs.front();
    const auto k = static_cast<std::int64_t>(m_configs.size());
    m_device = resolveDevice(first.device);
    m_stepGraph = std::make_unique<StepGraph>(m_device, stepIsReplayable(first));
    const int threads = resolvedThreadCount(first);
    try {
        m_run = prepareRun(first, m_device);
    } catch (const c10::Error& error) {
        // e.g. the dataset does not fit the GPU's memory
        throw DeviceError("cannot load the data onto " + describeDevice(m_device) + ": " +
                          failureMessage(error, m_device));
    }
    for (auto& member : m_configs)  // the networks are built for the data's shape
        member.input = m_run.bytes->shape;
    const auto trainCount = static_cast<std::int64_t>(m_run.trainIndices.size());
    m_batchesPerEpoch = static_cast<int>((trainCount + first.batchSize - 1) / first.batchSize);
    m_results.assign(m_configs.size(), RunResult{});
    m_ended.assign(m_configs.size(), 0);
    for (auto& r : m_results) {
        r.device = describeDevice(m_device);
        r.threads = threads;
        r.classNames = m_run.bytes->classNames;
    }
    const RunInfo info{m_results.front().device, threads, trainCount, m_run.validationCount,
                       m_run.bytes->testCount(), m_batchesPerEpoch};
    for (auto* observer : m_observers)
        observer->onStart(info);
    const std::string graphs = m_stepGraph->enabled() ? "; steps replayed as CUDA graphs" : "";
    if (k == 1) {
        m_progress.onLog("training " + networkName(first) + " (dropout: " + dropoutSummary(first) + ") on " +
                         info.device + " with " + std::to_string(threads) + " thread(s): " +
                         std::to_string(trainCount) + " training, " + std::to_string(m_run.validationCount) +
                         " validation, " + std::to_string(info.testImages) + " test images; " +
                         optimiserSummary(first) + graphs);
    } else {
        m_progress.onLog("training " + std::to_string(k) + " " + networkName(first) + " models fused on " +
                         info.device + graphs);
    }

    m_learner = k == 1 ? std::unique_ptr<Learner>(std::make_unique<SingleLearner>(
                             first, m_device, static_cast<std::int64_t>(m_run.trainIndices.size())))
                       : makeFusedLearner(m_configs, m_device);
    const auto options = torch::TensorOptions().device(m_device);
    m_lossSum = torch::zeros({k}, options.dtype(torch::kDouble));
    m_correct = torch::zeros({k}, options.dtype(torch::kLong));
    m_lossRead.assign(m_configs.size(), 0.0);
    m_correctRead.assign(m_configs.size(), 0);
    m_batchIndices = torch::empty({first.batchSize}, options.dtype(torch::kLong));
    // Members draw their dropout masks from one stream: the first member's dropout seed.
    torch::manual_seed(first.seeds.dropout);
    m_rngState = at::globalContext().defaultGenerator(m_device).get_state();
}

TrainingSession::~TrainingSession() = default;

bool TrainingSession::hasEnded() const
{
    return std::all_of(m_ended.begin(), m_ended.end(), [](char ended) { return ended != 0; });
}

bool TrainingSession::runEpoch()
{
    if (hasEnded())
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

bool TrainingSession::checkFinite(int epoch, int batch, bool approximate)
{
    const auto losses = m_lossSum.cpu();
    const auto hits = m_correct.cpu();
    bool anyAlive = false;
    for (std::size_t k = 0; k < m_configs.size(); ++k) {
        m_lossRead[k] = losses[static_cast<std::int64_t>(k)].item<double>();
        m_correctRead[k] = hits[static_cast<std::int64_t>(k)].item<std::int64_t>();
        if (!alive(k))
            continue;
        if (std::isfinite(m_lossRead[k])) {
            anyAlive = true;
            continue;
        }
        // Its weights no longer mean anything; fused members beside it go on unaffected.
        m_results[k].divergedEpoch = epoch;
        m_results[k].divergedBatch = batch;
        endMember(k, RunStatus::Diverged,
                  "loss became non-finite at epoch " + std::to_string(epoch) + ", batch " + std::to_string(batch) +
                      (approximate ? " or shortly before" : "") + " (try a smaller learning rate)");
    }
    return anyAlive;
}

void TrainingSession::reportProgress(int epoch, int done, std::int64_t seen, Clock::time_point epochStart)
{
    double loss = 0.0;
    std::int64_t correct = 0;
    int counted = 0;
    for (std::size_t k = 0; k < m_configs.size(); ++k) {
        if (!alive(k))
            continue;
        loss += m_lossRead[k];
        correct += m_correctRead[k];
        ++counted;
    }
    if (counted == 0)
        return;
    const double elapsed = secondsSince(epochStart);
    const std::int64_t images = seen * counted;
    m_progress.onBatch({epoch, m_configs.front().epochs, done, m_batchesPerEpoch, loss / counted / done,
                        fraction(correct, images), elapsed > 0 ? static_cast<double>(images) / elapsed : 0.0,
                        secondsSince(m_start)});
}

bool TrainingSession::trainOneEpoch()
{
    const ExperimentConfig& first = m_configs.front();
    const int epoch = m_epochsDone + 1;
    try {
        const auto epochStart = Clock::now();
        injectOomIfAsked(epoch, m_device);
        m_learner->beginEpoch(epoch);
        const auto streamScope = m_stepGraph->streamScope();
        m_shuffler.shuffle(m_run.trainIndices);
        const torch::Tensor order = indexTensor(m_run.trainIndices, m_device);
        const auto trainCount = static_cast<std::int64_t>(m_run.trainIndices.size());
        // Sums stay on the device; the host reads them only at checks. On the CPU that is every
        // batch (free); on a GPU a read is a synchronisation, so it happens at progress reports only.
        const int checkEvery = m_device.is_cuda() ? first.progressEvery : 1;
        m_lossSum.zero_();
        m_correct.zero_();
        std::int64_t seen = 0;
        for (int batch = 0; batch < m_batchesPerEpoch; ++batch) {
            if (m_cancel.isCancelled())
                return endAll(RunStatus::Cancelled, "cancelled during epoch " + std::to_string(epoch));
            const std::int64_t offset = std::int64_t{batch} * first.batchSize;
            torch::Tensor indices = order.narrow(0, offset, std::min<std::int64_t>(first.batchSize, trainCount - offset));
            const bool fullBatch = indices.size(0) == first.batchSize;
            if (m_stepGraph->enabled() && fullBatch) {
                m_batchIndices.copy_(indices);
                indices = m_batchIndices;
            }
            m_stepGraph->step(
                [&] {
                    m_learner->trainStep(normalise(m_run.train.images.index_select(0, indices), m_run.train),
                                         m_run.train.labels.index_select(0, indices), m_lossSum, m_correct);
                },
                fullBatch);
            seen += indices.size(0);
            const int done = batch + 1;
            const bool report = done % first.progressEvery == 0 || done == m_batchesPerEpoch;
            if ((report || done % checkEvery == 0) && !checkFinite(epoch, done, checkEvery > 1))
                return false;
            if (report)
                reportProgress(epoch, done, seen, epochStart);
        }
        if (const auto reason = m_stepGraph->takeFallbackReason(); !reason.empty())
            m_progress.onLog(reason);

        return finishEpoch(epoch, seen, epochStart);
    } catch (const std::exception& error) {
        return endAll(RunStatus::Failed, failureMessage(error, m_device) + " (epoch " + std::to_string(epoch) + ")");
    }
}

bool TrainingSession::finishEpoch(int epoch, std::int64_t seen, Clock::time_point epochStart)
{
    const ExperimentConfig& first = m_configs.front();
    const double trainSeconds = secondsSince(epochStart);
    const auto validationStart = Clock::now();
    const Evaluation validation = evaluate(m_run.train, m_run.validationIndices);
    if (validation.cancelled)
        return endAll(RunStatus::Cancelled, "cancelled during validation of epoch " + std::to_string(epoch));
    const double valSeconds = secondsSince(validationStart);
    const auto trainEvalStart = Clock::now();
    Evaluation trainEval;
    if (m_run.trainEvalIndices.defined()) {
        trainEval = evaluate(m_run.train, m_run.trainEvalIndices);
        if (trainEval.cancelled)
            return endAll(RunStatus::Cancelled, "cancelled during the dropout-off training evaluation of epoch " +
                                                    std::to_string(epoch));
    }
    const double trainEvalSeconds = secondsSince(trainEvalStart);
    m_epochsDone = epoch;
    bool stopEarly = false;
    for (std::size_t k = 0; k < m_configs.size(); ++k) {
        if (!alive(k))
            continue;
        EpochMetrics metrics;
        metrics.epoch = epoch;
        metrics.trainLoss = m_lossRead[k] / m_batchesPerEpoch;
        metrics.trainAccuracy = fraction(m_correctRead[k], seen);
        metrics.trainSeconds = trainSeconds;
        metrics.valLoss = validation.loss[k];
        metrics.valAccuracy = validation.accuracy[k];
        metrics.valSeconds = valSeconds;
        if (!trainEval.loss.empty()) {
            metrics.trainEvalLoss = trainEval.loss[k];
            metrics.trainEvalAccuracy = trainEval.accuracy[k];
            metrics.trainEvalSeconds = trainEvalSeconds;
        }
        for (const auto& [site, setting] : m_configs[k].dropout)
            if (setting.schedule != RateSchedule::Constant)
                metrics.dropoutRates[site] = scheduledRate(setting, epoch);
        for (const auto& [site, rate] : m_learner->learnedRates(static_cast<int>(k)))
            metrics.dropoutRates[site] = rate;
        metrics.seconds = secondsSince(epochStart);
        if (!std::isfinite(metrics.valLoss)) {
            m_results[k].divergedEpoch = epoch;
            endMember(k, RunStatus::Diverged,
                      "validation loss became non-finite at epoch " + std::to_string(epoch) +
                          " (try a smaller learning rate)");
            continue;
        }
        addEpoch(m_results[k], metrics);
        m_observers[k]->onEpoch(metrics);
        stopEarly = stopEarly || checkEarlyStopping(metrics);
    }
    return !hasEnded() && !stopEarly && epoch < first.epochs;
}

Evaluation TrainingSession::evaluate(const DeviceSet& set, const torch::Tensor& indices)
{
    return evaluateLearner(*m_learner, static_cast<std::int64_t>(m_configs.size()), set, indices,
                           m_configs.front().evalBatchSize, &m_cancel);
}

bool TrainingSession::checkEarlyStopping(const EpochMetrics& metrics)
{
    const ExperimentConfig& config = m_configs.front();
    if (config.earlyStoppingPatience <= 0)
        return false;  // fused members never have it (canFuse)
    RunResult& result = m_results.front();
    if (m_bestEpoch == 0 || metrics.valLoss < m_bestValLoss) {
        m_bestValLoss = metrics.valLoss;
        m_bestEpoch = metrics.epoch;
        // Keep the best weights in memory; the test accuracy is measured with them.
        m_bestWeights.clear();
        for (const auto& tensor : m_learner->parameters())
            m_bestWeights.push_back(tensor.detach().clone());
        return false;
    }
    if (metrics.epoch - m_bestEpoch < config.earlyStoppingPatience || metrics.epoch >= config.epochs)
        return false;
    result.bestEpoch = m_bestEpoch;
    result.stoppedEarly = true;
    result.message = "early stopping after epoch " + std::to_string(metrics.epoch) +
                     ": validation loss did not improve for " + std::to_string(config.earlyStoppingPatience) +
                     " epochs; test accuracy of epoch " + std::to_string(m_bestEpoch);
    return true;
}

void TrainingSession::endMember(std::size_t k, RunStatus status, std::string message)
{
    m_results[k].status = status;
    m_results[k].message = std::move(message);
    m_results[k].wallSeconds = secondsSince(m_start);
    m_ended[k] = 1;
}

bool TrainingSession::endAll(RunStatus status, const std::string& message)
{
    for (std::size_t k = 0; k < m_configs.size(); ++k) {
        if (alive(k))
            endMember(k, status, message);
    }
    return false;
}

RunResult TrainingSession::stop(RunStatus status, std::string message)
{
    endAll(status, message);
    return m_results.front();
}

RunResult TrainingSession::finish()
{
    return finishAll().front();
}

std::vector<RunResult> TrainingSession::finishAll()
{
    if (hasEnded())
        return m_results;
    const TrainingTurn turn;
    try {
        if (!m_bestWeights.empty()) {
            torch::NoGradGuard noGrad;
            const auto parameters = m_learner->parameters();
            for (std::size_t i = 0; i < parameters.size(); ++i)
                parameters[i].copy_(m_bestWeights[i]);
            m_results.front().bestEpoch = m_bestEpoch;
        }
        const Evaluation testing = evaluate(m_run.test, torch::Tensor());
        if (testing.cancelled) {
            endAll(RunStatus::Cancelled, "cancelled during the test evaluation");
            return m_results;
        }
        for (std::size_t k = 0; k < m_configs.size(); ++k) {
            if (!alive(k))
                continue;
            m_results[k].testAccuracy = testing.accuracy[k];
            m_results[k].testLoss = testing.loss[k];
            endMember(k, RunStatus::Completed, m_results[k].message);  // the message (early stopping) stays
        }
    } catch (const std::exception& error) {
        endAll(RunStatus::Failed, failureMessage(error, m_device) + " (test evaluation)");
    }
    saveModels();
    return m_results;
}

void TrainingSession::saveModels()
{
    for (std::size_t k = 0; k < m_configs.size(); ++k) {
        const std::string path = m_observers[k]->modelFile();
        if (path.empty() || m_results[k].status != RunStatus::Completed)
            continue;
        try {
            m_results[k].modelCrc32 = saveModelFile(path, m_configs[k], m_learner->memberParameters(static_cast<int>(k)));
        } catch (const std::exception& error) {
            // The run and its figures stand; only the weights could not be kept.
            m_observers[k]->onLog("warning: the trained weights could not be saved to " + path + ": " + error.what());
        }
    }
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
