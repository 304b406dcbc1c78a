#pragma once

namespace dropoutlab {

/// Tunes glibc's malloc for training; call it first thing in main(), before any thread starts
/// (training calls it too, where only the thresholds still take effect). Respects the user's own
/// MALLOC_* settings. Safe to call many times.
/// - Large mmap and trim thresholds: with the defaults every training step mmaps and page-faults
///   its activations afresh, which made a reference step ~40 % slower (BENCHMARKS.md).
/// - One arena for all threads: a worker thread (the app's training thread) otherwise gets its own
///   arena, whose 64 MB sub-heaps are mapped and unmapped as the step's buffers come and go:
///   8 % of the training threads' time went to the kernel, and the app trained 1.2x slower than
///   the CLI, which trains on its main thread (BENCHMARKS.md).
void tuneAllocator();

} // namespace dropoutlab
