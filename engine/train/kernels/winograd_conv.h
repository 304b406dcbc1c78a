#pragma once
// Internal: 3x3 convolutions by oneDNN's Winograd algorithm on the CPU, forward and backward.
// F(4x4, 3x3) Winograd does 4x fewer multiplications than a direct convolution; on CPUs where
// oneDNN has it (AVX-512) the reference network's second convolution runs at about twice the
// SGEMM rate (BENCHMARKS.md). The sums are formed in another order, so the values differ from a
// direct convolution by rounding (a tested bound in test_models).

#include <torch/torch.h>

#include <string>

namespace dropoutlab::detail {

/// conv2d(input, weight, bias, stride 1, padding) by Winograd, with gradients; an undefined
/// tensor where it does not apply: not built with oneDNN, DROPOUTLAB_WINOGRAD=0, not a float CPU
/// input and weight laid out channels-last (models.h, inConvolutionLayout) with a bias, not a
/// 3x3 kernel, or no Winograd in oneDNN for this CPU and shape.
torch::Tensor winogradConv2d(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                             int padding);

/// How 3x3 CPU convolutions run here, for the version report: "Winograd for 3x3 convolutions with
/// 16k input channels (oneDNN jit_wino_4x3:avx512_core)", or LibTorch's and why (not built with
/// oneDNN, DROPOUTLAB_WINOGRAD=0, no Winograd in oneDNN for this CPU). Builds one plan to find out.
std::string winogradStatus();

/// What winogradConv2d used last in this process, e.g. "jit_wino_4x3:avx512_core"; empty when
/// it never ran.
std::string winogradImplementation();

} // namespace dropoutlab::detail
