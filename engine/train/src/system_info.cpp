#include "dropoutlab/train/system_info.h"

#include "kernels/max_pool.h"
#include "kernels/winograd_conv.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

#include <dlfcn.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace dropoutlab {
namespace {

/// "CPU capability usage: AVX2" from LibTorch's build configuration.
std::string cpuCapability()
{
    const std::string config = at::show_config();
    const std::string key = "CPU capability usage: ";
    const auto at = config.find(key);
    if (at == std::string::npos)
        return "unknown";
    const auto end = config.find('\n', at);
    return config.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
}

/// The shared library that provides the Fortran SGEMM LibTorch calls, resolved through symlinks
/// (Debian's alternatives), and OpenBLAS's own description when it is OpenBLAS.
std::string blasLibrary()
{
    void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
    if (!sgemm)
        return "none found (sgemm_ is not loaded): LibTorch uses its own kernels";
    Dl_info info{};
    std::string result = "unknown library";
    if (dladdr(sgemm, &info) && info.dli_fname) {
        char resolved[PATH_MAX];
        result = realpath(info.dli_fname, resolved) ? resolved : info.dli_fname;
    }
    using ConfigFn = char* (*)();
    if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config")))
        result += std::string(" (") + config() + ")";  // "OpenBLAS 0.3.21 ... MAX_THREADS=64"
    return result;
}

std::string cpuModel()
{
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos)
                return line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    }
    return "unknown";
}

/// Dotted version from CUDA's integer encoding (12080 -> 12.8).
std::string cudaVersionText(long v)
{
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

/// cuDNN's integer encoding: 8.x as 8xyz (8907 -> 8.9.7), 9.x as 9xxyy (90100 -> 9.1.0).
std::string cudnnVersionText(long v)
{
    if (v >= 90000)
        return std::to_string(v / 10000) + "." + std::to_string((v % 10000) / 100) + "." + std::to_string(v % 100);
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 100) + "." + std::to_string(v % 100);
}

/// GPU names through the CUDA driver (libcuda.so.1), so that this file needs no CUDA headers and a
/// CPU-only LibTorch still names the GPU it cannot use.
std::vector<std::string> gpuNames()
{
    std::vector<std::string> names;
    void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!driver)
        return names;
    using InitFn = int (*)(unsigned);
    using CountFn = int (*)(int*);
    using GetFn = int (*)(int*, int);
    using NameFn = int (*)(char*, int, int);
    auto init = reinterpret_cast<InitFn>(dlsym(driver, "cuInit"));
    auto count = reinterpret_cast<CountFn>(dlsym(driver, "cuDeviceGetCount"));
    auto get = reinterpret_cast<GetFn>(dlsym(driver, "cuDeviceGet"));
    auto name = reinterpret_cast<NameFn>(dlsym(driver, "cuDeviceGetName"));
    int n = 0;
    if (init && count && get && name && init(0) == 0 && count(&n) == 0) {
        for (int i = 0; i < n; ++i) {
            int device = 0;
            char buffer[256] = {};
            if (get(&device, i) == 0 && name(buffer, sizeof buffer - 1, device) == 0)
                names.emplace_back(buffer);
        }
    }
    // The driver stays loaded: LibTorch may use it, and unloading a CUDA driver is not safe.
    return names;
}

} // namespace

SystemInfo systemInfo()
{
    SystemInfo info;
    info.libtorch = TORCH_VERSION;
    info.cpuCapability = cpuCapability();
    info.convolutions = detail::winogradStatus() + (detail::fusedFirstLayerEnabled()
                                                        ? "; the first layer fused with its pooling"
                                                        : "; first layer: LibTorch's (DROPOUTLAB_FUSED_CONV1=0)") +
                         "; pooling kernels as " + detail::kernelInstructionSet() + " code";
    info.blas = blasLibrary();
    info.cpu = cpuModel();
    info.logicalCores = static_cast<int>(std::thread::hardware_concurrency());
    info.torchThreads = at::get_num_threads();
    const auto& hooks = at::detail::getCUDAHooks();
    if (!hooks.hasCUDA()) {
        info.cuda = "none (this LibTorch is CPU-only or sees no GPU)";
        info.cudnn = "none";
    } else {
        info.cuda = cudaVersionText(hooks.versionCUDART()) + " (runtime)";
        info.cudnn = hooks.hasCuDNN() ? cudnnVersionText(hooks.versionCuDNN()) : "none";
    }
    info.gpus = gpuNames();
    return info;
}

std::vector<std::pair<std::string, std::string>> versionReport(const std::string& program, const BuildInfo& build,
                                                               const SystemInfo& system)
{
    std::vector<std::pair<std::string, std::string>> rows = {
        {"Program", program + " " + build.version},
        {"Commit", build.commit},
        {"Built", build.date},
        {"Qt", build.qt.empty() ? "not built" : build.qt},
        {"LibTorch", system.libtorch},
        {"CPU kernels", system.cpuCapability},
        {"CPU convolutions", system.convolutions},
        {"BLAS", system.blas},
        {"CPU", system.cpu},
        {"Threads", std::to_string(system.torchThreads) + " by default, of " + std::to_string(system.logicalCores) +
                        " logical cores"},
        {"CUDA", system.cuda},
        {"cuDNN", system.cudnn},
    };
    if (system.gpus.empty())
        rows.emplace_back("GPU", "none found");
    for (std::size_t i = 0; i < system.gpus.size(); ++i)
        rows.emplace_back(system.gpus.size() == 1 ? "GPU" : "GPU " + std::to_string(i), system.gpus[i]);
    return rows;
}

std::string versionReportText(const std::string& program, const BuildInfo& build, const SystemInfo& system)
{
    std::ostringstream out;
    for (const auto& [label, value] : versionReport(program, build, system))
        out << label << ": " << value << '\n';
    return out.str();
}

} // namespace dropoutlab
