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

} // namespace dropoutlab::detail
