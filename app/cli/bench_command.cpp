#include "bench_command.h"

#include "exit_codes.h"

#include "dropoutlab/train/bench.h"
#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/json_stress.h"
#include "dropoutlab/core/network.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace dropoutlab::cli {
namespace {

/// Reading and checking the installed MNIST (every run of a process pays it once).
void printLoadTime()
{
    try {
        const auto start = std::chrono::steady_clock::now();
        const DatasetBytes data = loadDataset(resolveDataDir(""));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("MNIST load (%lld + %lld images, all four files checked): %.3f s\n",
                    static_cast<long long>(data.trainCount()), static_cast<long long>(data.testCount()), seconds);
    } catch (const DataError& error) {
        std::printf("MNIST load: skipped (%s)\n", error.what());
    }
}

void printResult(const BenchResult& r)
{
    std::printf("%s on %s, %d thread(s), batch %d%s:\n", r.model.c_str(), r.device.c_str(), r.threads, r.batchSize,
                r.cudaGraphs ? ", steps replayed as CUDA graphs" : "");
    std::printf("  training step        %8.2f ms   (%.0f images/s)\n", r.msPerStep, r.trainImagesPerSecond);
    std::printf("  epoch, 48k + 12k     %8.2f s    (train %.2f s + validation %.2f s at %.0f images/s)\n",
                r.trainSecondsPerEpoch + r.valSecondsPerEpoch, r.trainSecondsPerEpoch, r.valSecondsPerEpoch,
                r.evalImagesPerSecond);
    std::printf("  training FLOPs/image %8.2f MFLOP (analytic, forward + backward)\n", r.trainFlopsPerImage / 1e6);
    std::printf("  achieved             %8.1f GFLOP/s\n", r.achievedGflops);
    std::printf("  SGEMM 1024^3         %8.1f GFLOP/s  -> training runs at %.0f %% of SGEMM\n", r.sgemmGflops,
                100.0 * r.achievedGflops / r.sgemmGflops);
    std::printf("  peak RSS so far      %8.0f MB\n", r.peakRssMb);
}

/// One line per reader and shape: parse (or refusal) time of a file at the size limit.
void printReaderTimes()
{
    std::error_code ec;
    const auto folder = std::filesystem::temp_directory_path(ec);
    if (ec)
        throw IoError("no temporary folder to write the generated files into (" + ec.message() + ")");
    std::printf("%-13s %-8s %10s %9s  %s\n", "reader", "shape", "bytes", "seconds", "outcome");
    double worst = 0.0;
    for (const auto& t : timeJsonReaders(folder.string(), kMaxJsonFileBytes)) {
        std::string outcome = t.outcome.substr(t.outcome.find(": ") == std::string::npos ? 0 : t.outcome.find(": ") + 2);
        if (outcome.size() > 60)
            outcome = outcome.substr(0, 57) + "...";
        std::printf("%-13s %-8s %10zu %9.3f  %s\n", t.reader.c_str(), t.shape.c_str(), t.bytes, t.seconds,
                    outcome.c_str());
        std::fflush(stdout);
        worst = std::max(worst, t.seconds);
    }
    std::printf("worst case: %.3f s\n", worst);
}

/// The PyTorch peer script: $DROPOUTLAB_TORCH_PEER, else beside the source tree this program was
/// built in, else where the package installs it.
std::string peerScript()
{
    if (const char* path = std::getenv("DROPOUTLAB_TORCH_PEER"); path && *path)
        return path;
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    const std::vector<std::filesystem::path> candidates = {
        std::filesystem::path(DROPOUTLAB_SOURCE_DIR) / "scripts/torch-peer/bench_network.py",
        exe.parent_path() / "../share/dropoutlab/torch-peer/bench_network.py",
    };
    for (const auto& candidate : candidates)
        if (std::filesystem::is_regular_file(candidate, ec))
            return candidate.lexically_normal().string();
    return {};
}

std::string shellQuoted(const std::string& text)
{
    std::string quoted = "'";
    for (const char c : text)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

/// Times `definition` in PyTorch; the peer's step time in ms, or nullopt with the reason in `why`.
std::optional<double> peerStepMs(const NetworkSpec& definition, const BenchResult& engine, int steps, std::string& why,
                                 std::string& layout)
{
    const std::string script = peerScript();
    if (script.empty()) {
        why = "the PyTorch peer (scripts/torch-peer/bench_network.py) is not installed here";
        return std::nullopt;
    }
    std::error_code ec;
    const auto file = std::filesystem::temp_directory_path(ec) / ("dropoutlab-bench-" + std::to_string(::getpid()) + ".json");
    writeNetworkFile(file.string(), definition);
    const char* python = std::getenv("DROPOUTLAB_PEER_PYTHON");
    const std::string command = shellQuoted(python && *python ? python : "/usr/bin/python3") + " " +
                                shellQuoted(script) + " --network " + shellQuoted(file.string()) + " --batch " +
                                std::to_string(engine.batchSize) + " --steps " + std::to_string(steps) +
                                " --threads " + std::to_string(engine.threads) + " 2>&1";
    std::string output;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[4096];
        while (std::fgets(buffer, sizeof buffer, pipe))
            output += buffer;
        ::pclose(pipe);
    }
    std::filesystem::remove(file, ec);
    const auto at = output.find("\"ms_per_step\": ");
    if (at == std::string::npos) {
        why = "the PyTorch peer gave no time: " + output.substr(0, output.find('\n'));
        return std::nullopt;
    }
    if (const auto l = output.find("\"layout\": \""); l != std::string::npos)
        layout = output.substr(l + 11, output.find('"', l + 11) - (l + 11));
    return std::strtod(output.c_str() + at + 15, nullptr);
}

/// `config` with the bench's threads, device and evaluation batch.
ExperimentConfig benchConfig(ExperimentConfig config, const BenchOptions& options)
{
    config.threads = options.threads;
    config.device = options.device;
    config.evalBatchSize = options.evalBatch;
    return config;
}

void benchNetwork(const std::string& name, const BenchOptions& options)
{
    const NetworkSpec definition = findNetwork(name);
    const BenchResult r = runBenchmark(benchConfig(withNetwork(ExperimentConfig{}, definition), options), options.steps);
    printResult(r);
    std::string why;
    std::string layout;
    if (r.device.rfind("cpu", 0) != 0) {
        std::printf("  PyTorch peer         skipped (it runs on the CPU only)\n");
        return;
    }
    if (const auto peer = peerStepMs(definition, r, options.steps, why, layout))
        std::printf("  PyTorch, same network %7.2f ms   (%s, its faster layout) -> DropoutLab takes %.2fx PyTorch's "
                    "step time\n",
                    *peer, layout.c_str(), r.msPerStep / *peer);
    else
        std::printf("  PyTorch peer         skipped (%s)\n", why.c_str());
    std::fflush(stdout);
}

} // namespace

int benchCommand(const BenchOptions& options)
{
    try {
        if (options.readers) {
            printReaderTimes();
            return kExitOk;
        }
        printLoadTime();
        for (const auto& name : options.networks)
            benchNetwork(name, options);
        if (!options.networks.empty())
            return kExitOk;  // --network measures the networks instead of the models
        for (const auto& name : options.models) {
            ExperimentConfig config;
            config.model = parseModelKind(name, "--model");
            printResult(runBenchmark(benchConfig(config, options), options.steps));
        }
    } catch (const Error& error) {
        return reportError(error, kExitUsage);
    }
    return kExitOk;
}

} // namespace dropoutlab::cli
