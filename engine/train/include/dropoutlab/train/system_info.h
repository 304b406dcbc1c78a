#pragma once
// What a DropoutLab build is and what it runs on: for Help > About, `dropoutlab --version` and
// `dropoutlab-cli --version --verbose`, so that a bug report says it in one paste.

#include <string>
#include <utility>
#include <vector>

namespace dropoutlab {

/// Known when the program was built (see the generated dropoutlab_build.h: thisBuild()).
struct BuildInfo {
    std::string version;  ///< e.g. "0.1.0"
    std::string commit;   ///< git commit, "-dirty" with uncommitted changes; "unknown" outside a checkout
    std::string date;     ///< build date, YYYY-MM-DD (SOURCE_DATE_EPOCH when set)
    std::string qt;       ///< the Qt version (the app: at run time; the CLI: the app's build)
};

/// Read at run time from LibTorch, the dynamic linker, /proc and the CUDA driver.
struct SystemInfo {
    std::string libtorch;       ///< TORCH_VERSION, e.g. "1.13.0"
    std::string cpuCapability;  ///< the kernels LibTorch dispatches to: "AVX2", "AVX512", ...
    std::string convolutions;   ///< how CPU convolutions run: Winograd (oneDNN) or LibTorch's, the fused first layer
    std::string blas;           ///< the library behind sgemm_ and, for OpenBLAS, its configuration
    std::string cpu;            ///< CPU model name
    int logicalCores = 0;       ///< std::thread::hardware_concurrency()
    int torchThreads = 0;       ///< at::get_num_threads(): what training uses by default
    std::string cuda;           ///< CUDA runtime version, or why there is none
    std::string cudnn;          ///< cuDNN version, or "none"
    std::vector<std::string> gpus;  ///< device names from the CUDA driver (empty without one)
};

SystemInfo systemInfo();

/// The report as (label, value) rows: program and version, commit, build date, Qt, LibTorch,
/// CPU capability, CPU convolutions, BLAS, CPU, threads, CUDA, cuDNN, GPU(s).
std::vector<std::pair<std::string, std::string>> versionReport(const std::string& program, const BuildInfo& build,
                                                               const SystemInfo& system);
/// The rows as "label: value" lines (what --version --verbose prints and About's Copy copies).
std::string versionReportText(const std::string& program, const BuildInfo& build, const SystemInfo& system);

} // namespace dropoutlab
