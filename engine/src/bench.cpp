#include "dropoutlab/bench.h"

#include "dropoutlab/experiment.h"
#include "dropoutlab/network.h"
#include "dropoutlab/allocator.h"
#include "models.h"
#include "step_graph.h"
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
    auto sync = [&](const torch::Tensor& t) { (void)t.sum().item<float>(); };

    torch::manual_seed(config.seeds.init);
    auto model = detail::makeModel(config);
    model->to(device);
    detail::useConvolutionLayout(*model);
    detail::TrainingOptimiser optimizer(config, model->parameters(), detail::maxNormConstraints(*model, config));
    // MNIST-shaped random bytes: speed does not depend on the pixel values.
    const auto images = torch::randint(0, 256, {4096, 1, 28, 28}, torch::TensorOptions().dtype(torch::kUInt8).device(device));
    const auto labels = torch::randint(0, 10, {4096}, torch::TensorOptions().dtype(torch::kLong).device(device));
    auto batch = [&](int i, int size) {
        const auto index = torch::randint(0, 4096, {size}, torch::TensorOptions().dtype(torch::kLong).device(device));
        (void)i;
        return std::pair{images.index_select(0, index).to(torch::kFloat).mul_(1.0 / 127.5).sub_(1.0),
                         labels.index_select(0, index)};
    };
    auto step = [&](int i) {
        auto [x, y] = batch(i, config.batchSize);
        const auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return loss;
    };

    detail::StepGraph graph(device, detail::stepIsReplayable(config));
    const auto streamScope = graph.streamScope();
    torch::Tensor last;
    auto timedStep = [&](int i) { graph.step([&] { last = step(i); }, true); };
    model->train();
    for (int i = 0; i < 5; ++i)
        timedStep(i);  // includes the recording of the graph where there is one
    sync(last);
    auto start = Clock::now();
    for (int i = 0; i < steps; ++i)
        timedStep(i);
    sync(last);
    const double trainSeconds = seconds(start);
    // DROPOUTLAB_BENCH_PROFILE=trace.json: 20 more steps under LibTorch's profiler, written as a
    // Chrome trace (scripts/profile-summary.py sums it per operator).
    if (const char* trace = std::getenv("DROPOUTLAB_BENCH_PROFILE"); trace && *trace) {
        torch::autograd::profiler::RecordProfile profile(trace);
        for (int i = 0; i < 20; ++i)
            timedStep(i);
        sync(last);
    }

    model->eval();
    const int evalImages = 12000;
    double evalSeconds = 0.0;
    {
        torch::NoGradGuard noGrad;
        sync(model->forward(batch(0, config.evalBatchSize).first));
        start = Clock::now();
        torch::Tensor out;
        for (int done = 0; done < evalImages; done += config.evalBatchSize)
            out = model->forward(batch(done, std::min(config.evalBatchSize, evalImages - done)).first);
        sync(out);
        evalSeconds = seconds(start);
    }

    BenchResult r;
    r.model = toString(config.model);
    r.device = detail::describeDevice(device);
    r.threads = threads;
    r.batchSize = config.batchSize;
    r.cudaGraphs = graph.enabled();
    r.msPerStep = 1000.0 * trainSeconds / steps;
    r.trainImagesPerSecond = steps * config.batchSize / trainSeconds;
    r.evalImagesPerSecond = evalImages / evalSeconds;
    r.trainSecondsPerEpoch = 48000.0 / r.trainImagesPerSecond;
    r.valSecondsPerEpoch = 12000.0 / r.evalImagesPerSecond;
    r.trainFlopsPerImage = trainFlopsPerImage(networkSpec(config));
    r.achievedGflops = r.trainFlopsPerImage * r.trainImagesPerSecond / 1e9;
    r.sgemmGflops = sgemmGflops(device);
    r.peakRssMb = peakRssMb();
    return r;
}

} // namespace dropoutlab
