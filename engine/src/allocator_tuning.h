#pragma once

namespace dropoutlab::detail {

/// Keeps glibc from returning every large tensor buffer to the kernel: with its default
/// thresholds each training step mmaps and page-faults its activations afresh, which made a
/// reference step ~40 % slower here (see BENCHMARKS.md). Safe to call many times.
void tuneAllocator();

} // namespace dropoutlab::detail
