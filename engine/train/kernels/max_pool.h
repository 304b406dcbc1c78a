#pragma once
// Internal: 2x2 max pooling with stride 2 for channels-last float tensors on the CPU, where the
// convolutions leave their outputs (models.h, inConvolutionLayout).

#include <torch/torch.h>

namespace dropoutlab::detail {

/// Whether maxPool2x2ChannelsLast takes `input`: a 4-d float CPU tensor, channels-last
/// contiguous, of even height and width.
bool fitsChannelsLastPool(const torch::Tensor& input);

/// max_pool2d(input, 2), the same values and the same gradient to the bit (ties, NaN and -0
/// included), in one pass over the input. With gradients it keeps a 4-byte code per output (which of
/// the window's four inputs won) instead of max_pool2d's 8-byte indices, and its backward writes
/// each input's gradient once instead of zeroing a buffer and adding into it.
torch::Tensor maxPool2x2ChannelsLast(const torch::Tensor& input);

/// Which compiled variant of these kernels runs on this CPU: "AVX-512", "AVX2" or "SSE2".
std::string kernelInstructionSet();

/// False where DROPOUTLAB_FUSED_CONV1=0.
bool fusedFirstLayerEnabled();

/// Whether fusedFirstLayer takes this convolution: one input channel that needs no gradient (the
/// images), a 3x3 kernel with a bias, float CPU tensors, an even-sized output; and
/// DROPOUTLAB_FUSED_CONV1 is not 0.
bool fitsFusedFirstLayer(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias, int padding);

/// max_pool2d(conv2d(input, weight, bias, 1, padding), 2), channels-last, in one pass: each window's
/// four convolutions from one 4x4 patch of the image (nine products summed in kernel order, then
/// the bias), the convolution's output never stored; the backward forms the weight and bias
/// gradients from the pooled gradient directly. The pooling is max_pool2d's to the bit; the
/// convolution's sums are formed in another order than oneDNN's (a tested rounding bound).
torch::Tensor fusedFirstLayer(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                              int padding);

} // namespace dropoutlab::detail
