#pragma once

#include "dropoutlab/core/experiment_config.h"

#include <string>

namespace dropoutlab {

/// Speed figures of one model on this machine.
struct BenchResult {
    std::string model;
    std::string device;
    int threads = 0;
    int batchSize = 0;
    bool cudaGraphs = false;           ///< training steps replayed as CUDA graphs
    double msPerStep = 0.0;            ///< one training step (forward, backward, SGD) of a batch
    double trainImagesPerSecond = 0.0;
    double evalImagesPerSecond = 0.0;  ///< eval mode, no gradients, at the eval batch size
    double trainSecondsPerEpoch = 0.0; ///< 48,000 images at the measured step time
    double valSecondsPerEpoch = 0.0;   ///< 12,000 images at the measured eval speed
    double trainFlopsPerImage = 0.0;   ///< analytic: forward + backward
    double achievedGflops = 0.0;       ///< training FLOPs / training time
    double sgemmGflops = 0.0;          ///< 1024 x 1024 SGEMM in the same process, same threads
    double peakRssMb = 0.0;
};

/// Measures `steps` training steps (after warm-up) and a validation-sized evaluation on random
/// MNIST-shaped data, plus SGEMM. Uses config's model, batch sizes, threads and device.
BenchResult runBenchmark(const ExperimentConfig& config, int steps);

} // namespace dropoutlab
