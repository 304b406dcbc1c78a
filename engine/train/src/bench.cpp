#include "dropoutlab/train/bench.h"

#include "dropoutlab/train/experiment.h"
#include "dropoutlab/core/network.h"
#include "dropoutlab/train/allocator.h"
#include "models.h"
#include "kernels/step_graph.h"
#include "optimiser.h"
#include "training_session.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>

namespace dropoutlab {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since)
{
    return std::chrono::duration<double>(Clock::now() - since).count();
}

double sgemmGflops(const torch::Device& device)
{
    constexpr std::int64_t n = 1024;
    const auto a = torch::randn({n, n}, torch::TensorOptions().device(device));
    const auto b = torch::randn({n, n}, torch::TensorOptions().device(device));
    auto c = torch::mm(a, b);  // warm-up
    int repeats = 0;
    const auto start = Clock::now();
    while (seconds(start) < 1.0 || repeats < 5) {
        c = torch::mm(a, b);
        ++repeats;
    }
    (void)c.sum().item<float>();  // waits for a GPU
    return 2.0 * n * n * n * repeats / seconds(start) / 1e9;
}

double peakRssMb()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

void sync(const torch::Tensor& t)
{
    (void)t.sum().item<float>();  // waits for a GPU
}

/// MNIST-shaped random bytes on the device, drawn as batches: speed does not depend on the pixels.
class RandomBatches {
public:
    explicit RandomBatches(const torch::Device& device)
        : m_device(device),
          m_images(torch::randint(0, 256, {kPool, 1, 28, 28}, torch::TensorOptions().dtype(torch::kUInt8).device(device))),
          m_labels(torch::randint(0, 10, {kPool}, torch::TensorOptions().dtype(torch::kLong).device(device)))
    {
    }

    std::pair<torch::Tensor, torch::Tensor> next(int size) const
    {
        const auto index = torch::randint(0, kPool, {size}, torch::TensorOptions().dtype(torch::kLong).device(m_device));
        return {m_images.index_select(0, index).to(torch::kFloat).mul_(1.0 / 127.5).sub_(1.0),
                m_labels.index_select(0, index)};
    }

private:
    static constexpr std::int64_t kPool = 4096;
    torch::Device m_device;
    torch::Tensor m_images;
    torch::Tensor m_labels;
};

/// Images per second of eval-mode forward passes over a validation split's 12,000 images.
double evalImagesPerSecond(detail::NetImpl& model, const RandomBatches& data, int batchSize)
{
    constexpr int kImages = 12000;
    model.eval();
    torch::NoGradGuard noGrad;
    sync(model.forward(data.next(batchSize).first));
    const auto start = Clock::now();
    torch::Tensor out;
    for (int done = 0; done < kImages; done += batchSize)
        out = model.forward(data.next(std::min(batchSize, kImages - done)).first);
    sync(out);
    return kImages / seconds(start);
}

/// The rates and the FLOP count of `r`, from the training and evaluation speeds measured.
void fillRates(BenchResult& r, const ExperimentConfig& config, double trainImagesPerSecond, double evalImagesPerSecond)
{
    r.trainImagesPerSecond = trainImagesPerSecond;
    r.msPerStep = 1000.0 * config.batchSize / trainImagesPerSecond;
    r.evalImagesPerSecond = evalImagesPerSecond;
    r.trainSecondsPerEpoch = 48000.0 / r.trainImagesPerSecond;
    r.valSecondsPerEpoch = 12000.0 / r.evalImagesPerSecond;
    r.trainFlopsPerImage = trainFlopsPerImage(networkSpec(config));
    r.achievedGflops = r.trainFlopsPerImage * r.trainImagesPerSecond / 1e9;
}

} // namespace

BenchResult runBenchmark(const ExperimentConfig& config, int steps)
{
    validateConfig(config);
    const detail::TrainingTurn turn;
    at::init_num_threads();
    const int threads = resolvedThreadCount(config);
    torch::set_num_threads(threads);
    tuneAllocator();
    const torch::Device device = detail::resolveDevice(config.device);

    torch::manual_seed(config.seeds.init);
    auto model = detail::makeModel(config);
    model->to(device);
    detail::useConvolutionLayout(*model);
    detail::TrainingOptimiser optimizer(config, model->parameters(), detail::maxNormConstraints(*model, config));
    const RandomBatches data(device);
    auto step = [&] {
        auto [x, y] = data.next(config.batchSize);
        const auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return loss;
    };

    detail::StepGraph graph(device, detail::stepIsReplayable(config));
    const auto streamScope = graph.streamScope();
    torch::Tensor last;
    auto timedStep = [&] { graph.step([&] { last = step(); }, true); };
    model->train();
    for (int i = 0; i < 5; ++i)
        timedStep();  // includes the recording of the graph where there is one
    sync(last);
    const auto start = Clock::now();
    for (int i = 0; i < steps; ++i)
        timedStep();
    sync(last);
    const double trainSeconds = seconds(start);
    // DROPOUTLAB_BENCH_PROFILE=trace.json: 20 more steps under LibTorch's profiler, written as a
    // Chrome trace (scripts/profile-summary.py sums it per operator).
    if (const char* trace = std::getenv("DROPOUTLAB_BENCH_PROFILE"); trace && *trace) {
        torch::autograd::profiler::RecordProfile profile(trace);
        for (int i = 0; i < 20; ++i)
            timedStep();
        sync(last);
    }

    BenchResult r;
    r.model = networkName(config);
    r.device = detail::describeDevice(device);
    r.threads = threads;
    r.batchSize = config.batchSize;
    r.cudaGraphs = graph.enabled();
    fillRates(r, config, steps * config.batchSize / trainSeconds, evalImagesPerSecond(*model, data, config.evalBatchSize));
    r.sgemmGflops = sgemmGflops(device);
    r.peakRssMb = peakRssMb();
    return r;
}

} // namespace dropoutlab
