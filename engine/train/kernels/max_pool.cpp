#include "max_pool.h"
#include "env_switch.h"

#include <ATen/Parallel.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace dropoutlab::detail {
namespace {

// Which of a window's four inputs holds its maximum: 0 top left, 1 top right, 2 bottom left,
// 3 bottom right. max_pool2d's rule, kept exactly: scan in that order and take an element when it
// is greater than the maximum so far or NaN (so the first of equal maxima, the last NaN).
using WindowCode = std::int32_t;  // the width of a float: the loops vectorise

struct Shape {
    std::int64_t n, c, h, w, oh, ow;
};

Shape shapeOf(const torch::Tensor& input)
{
    return {input.size(0), input.size(1), input.size(2), input.size(3), input.size(2) / 2, input.size(3) / 2};
}

// Rows of output (one image, one output row each) per parallel task: enough work to be worth a
// task, few enough that two threads share the rows evenly.
constexpr std::int64_t kRowsPerTask = 4;

// The kernels' loops are compiled three times, for AVX-512, AVX2 and the baseline (SSE2), and the
// loader picks the widest the CPU has (kernelInstructionSet says which). This file is compiled
// without floating-point contraction (engine/CMakeLists.txt), so every variant does the same
// operations in the same order: the results are bit-identical.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DROPOUTLAB_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define DROPOUTLAB_KERNEL_INLINE inline __attribute__((always_inline))  // so that it is compiled per variant
#else
#define DROPOUTLAB_VECTOR_CLONES
#define DROPOUTLAB_KERNEL_INLINE inline
#endif

DROPOUTLAB_KERNEL_INLINE float windowMax(float a, float b, float d, float e, WindowCode& code)
{
    float best = a;
    WindowCode at = 0;
    bool take = (b > best) | (b != b);
    best = take ? b : best;
    at = take ? 1 : at;
    take = (d > best) | (d != d);
    best = take ? d : best;
    at = take ? 2 : at;
    take = (e > best) | (e != e);
    best = take ? e : best;
    at = take ? 3 : at;
    code = at;
    return best;
}

// Channels-last: element (n, c, h, w) at ((n * H + h) * W + w) * C + c, so each window's four
// inputs are four contiguous runs of C values and the inner loops run over channels.
DROPOUTLAB_VECTOR_CLONES
void poolForwardRows(const Shape& s, const float* in, float* out, WindowCode* code, std::int64_t begin,
                     std::int64_t end)
{
    for (std::int64_t row = begin; row < end; ++row) {
        const std::int64_t n = row / s.oh;
        const std::int64_t oh = row % s.oh;
        const float* top = in + ((n * s.h + 2 * oh) * s.w) * s.c;
        const float* bottom = top + s.w * s.c;
        float* o = out + row * s.ow * s.c;
        WindowCode* k = code ? code + row * s.ow * s.c : nullptr;
        for (std::int64_t ow = 0; ow < s.ow; ++ow) {
            const float* a = top + 2 * ow * s.c;
            const float* b = a + s.c;
            const float* d = bottom + 2 * ow * s.c;
            const float* e = d + s.c;
            if (k) {
                for (std::int64_t ch = 0; ch < s.c; ++ch)
                    o[ch] = windowMax(a[ch], b[ch], d[ch], e[ch], k[ch]);
                k += s.c;
            } else {
                WindowCode unused;
                for (std::int64_t ch = 0; ch < s.c; ++ch)
                    o[ch] = windowMax(a[ch], b[ch], d[ch], e[ch], unused);
            }
            o += s.c;
        }
    }
}

void poolForward(const Shape& s, const float* in, float* out, WindowCode* code)
{
    RECORD_FUNCTION("dropoutlab::max_pool2x2", std::vector<c10::IValue>());
    at::parallel_for(0, s.n * s.oh, kRowsPerTask,
                     [&](std::int64_t begin, std::int64_t end) { poolForwardRows(s, in, out, code, begin, end); });
}

// One window position's gradient over all channels (the four outputs never overlap the inputs).
DROPOUTLAB_KERNEL_INLINE void windowGradient(std::int64_t channels, const float* __restrict grad,
                                             const WindowCode* __restrict code, float* __restrict a,
                                             float* __restrict b, float* __restrict d, float* __restrict e)
{
    // As bits, so that the selections vectorise: v & mask is v where the mask is all ones, +0 where
    // it is zero.
    for (std::int64_t ch = 0; ch < channels; ++ch) {
        std::uint32_t v;
        const float sum = 0.0f + grad[ch];
        std::memcpy(&v, &sum, sizeof v);
        const WindowCode at = code[ch];
        const std::uint32_t bits[4] = {v & -std::uint32_t(at == 0), v & -std::uint32_t(at == 1),
                                       v & -std::uint32_t(at == 2), v & -std::uint32_t(at == 3)};
        std::memcpy(a + ch, bits, sizeof(float));
        std::memcpy(b + ch, bits + 1, sizeof(float));
        std::memcpy(d + ch, bits + 2, sizeof(float));
        std::memcpy(e + ch, bits + 3, sizeof(float));
    }
}

// Every input element lies in exactly one window, so the gradient is written once, without the
// zeroed buffer that max_pool2d_with_indices_backward adds into: the maximum's element gets
// 0 + g (as there: -0 becomes +0), the other three 0.
DROPOUTLAB_VECTOR_CLONES
void poolBackwardRows(const Shape& s, const float* grad, const WindowCode* code, float* gradIn, std::int64_t begin,
                      std::int64_t end)
{
    for (std::int64_t row = begin; row < end; ++row) {
        const std::int64_t n = row / s.oh;
        const std::int64_t oh = row % s.oh;
        float* top = gradIn + ((n * s.h + 2 * oh) * s.w) * s.c;
        float* bottom = top + s.w * s.c;
        const float* g = grad + row * s.ow * s.c;
        const WindowCode* k = code + row * s.ow * s.c;
        for (std::int64_t ow = 0; ow < s.ow; ++ow) {
            float* a = top + 2 * ow * s.c;
            float* b = a + s.c;
            float* d = bottom + 2 * ow * s.c;
            float* e = d + s.c;
            windowGradient(s.c, g, k, a, b, d, e);
            g += s.c;
            k += s.c;
        }
    }
}

void poolBackward(const Shape& s, const float* grad, const WindowCode* code, float* gradIn)
{
    at::parallel_for(0, s.n * s.oh, kRowsPerTask, [&](std::int64_t begin, std::int64_t end) {
        poolBackwardRows(s, grad, code, gradIn, begin, end);
    });
}

// The pooling forward; with `code`, each output's window code too (what the backward needs).
torch::Tensor poolPass(const torch::Tensor& input, torch::Tensor* code)
{
    const Shape s = shapeOf(input);
    auto output = torch::empty({s.n, s.c, s.oh, s.ow}, input.options().memory_format(at::MemoryFormat::ChannelsLast));
    if (code)
        *code = torch::empty({s.n, s.oh, s.ow, s.c}, input.options().dtype(torch::kInt));
    poolForward(s, input.data_ptr<float>(), output.data_ptr<float>(), code ? code->data_ptr<WindowCode>() : nullptr);
    return output;
}

class MaxPool2x2Function : public torch::autograd::Function<MaxPool2x2Function> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& input)
    {
        torch::Tensor code;
        auto output = poolPass(input, &code);
        context->save_for_backward({code});
        context->saved_data["sizes"] = input.sizes().vec();
        return output;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                   torch::autograd::variable_list gradOutputs)
    {
        const auto code = context->get_saved_variables()[0];
        const auto sizes = context->saved_data["sizes"].toIntVector();
        const auto grad = gradOutputs[0].contiguous(at::MemoryFormat::ChannelsLast);
        auto gradInput = torch::empty(sizes, grad.options().memory_format(at::MemoryFormat::ChannelsLast));
        const Shape s = shapeOf(gradInput);
        poolBackward(s, grad.data_ptr<float>(), code.data_ptr<WindowCode>(), gradInput.data_ptr<float>());
        return {gradInput};
    }
};

// The first convolution fused with the pooling after it: one input channel, a 3x3 kernel. Each
// pooling window's four convolutions read one 4x4 patch of the image; the convolution's output
// (the layer's largest tensor) is never written, and its gradient never formed.
struct ConvPoolShape {
    std::int64_t n, h, w, channels, padding, oh, ow;  ///< image h x w; pooled oh x ow
};

// The nine inputs of each of a window's four 3x3 convolutions (zero outside the image), in the
// order of the window code: taps[k][kh * 3 + kw].
DROPOUTLAB_KERNEL_INLINE void windowTaps(const ConvPoolShape& s, const float* image, std::int64_t oh, std::int64_t ow,
                                         float taps[4][9])
{
    float patch[4][4];
    for (int r = 0; r < 4; ++r) {
        const std::int64_t y = 2 * oh - s.padding + r;
        for (int c = 0; c < 4; ++c) {
            const std::int64_t x = 2 * ow - s.padding + c;
            patch[r][c] = (y >= 0 && y < s.h && x >= 0 && x < s.w) ? image[y * s.w + x] : 0.0f;
        }
    }
    for (int k = 0; k < 4; ++k) {
        for (int j = 0; j < 9; ++j)
            taps[k][j] = patch[k / 2 + j / 3][k % 2 + j % 3];
    }
}

// One window for every channel: each convolution as its nine products summed in kernel order,
// plus the bias; then the window's maximum by max_pool2d's rule. weights[j * channels + c];
// sums[4 * channels] is scratch. The loops over channels vectorise.
template <bool kWithCode>
DROPOUTLAB_KERNEL_INLINE void convPoolWindow(std::int64_t channels, const float* __restrict weights,
                                             const float* __restrict bias, const float (&taps)[4][9],
                                             float* __restrict sums, float* __restrict out, WindowCode* __restrict code)
{
    for (std::int64_t i = 0; i < 4 * channels; ++i)
        sums[i] = 0.0f;
    for (int j = 0; j < 9; ++j) {
        const float* __restrict w = weights + j * channels;
        for (int k = 0; k < 4; ++k) {
            const float t = taps[k][j];
            float* __restrict sum = sums + k * channels;
            for (std::int64_t c = 0; c < channels; ++c)
                sum[c] += w[c] * t;
        }
    }
    const float* __restrict s0 = sums;
    const float* __restrict s1 = sums + channels;
    const float* __restrict s2 = sums + 2 * channels;
    const float* __restrict s3 = sums + 3 * channels;
    for (std::int64_t c = 0; c < channels; ++c) {
        WindowCode at;
        out[c] = windowMax(s0[c] + bias[c], s1[c] + bias[c], s2[c] + bias[c], s3[c] + bias[c], at);
        if constexpr (kWithCode)
            code[c] = at;
    }
}

// The same for channel counts that are multiples of 16, sixteen channels at a time with the four
// sums held in registers (GCC's vector extension: one AVX-512 register, two AVX2 or four SSE ones)
// instead of in memory. The same operations in the same order, so the same results.
using Lanes = float __attribute__((vector_size(64)));
constexpr std::int64_t kLanes = 16;

template <bool kWithCode>
DROPOUTLAB_KERNEL_INLINE void convPoolWindowLanes(std::int64_t channels, const float* __restrict weights,
                                                  const float* __restrict bias, const float (&taps)[4][9],
                                                  float* __restrict out, WindowCode* __restrict code)
{
    for (std::int64_t c0 = 0; c0 < channels; c0 += kLanes) {
        Lanes sums[4] = {};
        for (int j = 0; j < 9; ++j) {
            Lanes w;
            std::memcpy(&w, weights + j * channels + c0, sizeof w);
            for (int k = 0; k < 4; ++k)
                sums[k] += w * taps[k][j];
        }
        Lanes b;
        std::memcpy(&b, bias + c0, sizeof b);
        float v[4][kLanes];
        for (int k = 0; k < 4; ++k) {
            const Lanes biased = sums[k] + b;
            std::memcpy(v[k], &biased, sizeof biased);
        }
        for (std::int64_t c = 0; c < kLanes; ++c) {
            WindowCode at;
            out[c0 + c] = windowMax(v[0][c], v[1][c], v[2][c], v[3][c], at);
            if constexpr (kWithCode)
                code[c0 + c] = at;
        }
    }
}

DROPOUTLAB_VECTOR_CLONES
void convPoolForwardRows(const ConvPoolShape& s, const float* images, const float* weights, const float* bias,
                         float* out, WindowCode* code, std::int64_t begin, std::int64_t end)
{
    float taps[4][9];
    const bool lanes = s.channels % kLanes == 0;
    std::vector<float> sums(lanes ? 0 : static_cast<std::size_t>(4 * s.channels));  // the general path's scratch
    for (std::int64_t row = begin; row < end; ++row) {
        const std::int64_t n = row / s.oh;
        const std::int64_t oh = row % s.oh;
        const float* image = images + n * s.h * s.w;
        for (std::int64_t ow = 0; ow < s.ow; ++ow) {
            windowTaps(s, image, oh, ow, taps);
            const std::int64_t at = (row * s.ow + ow) * s.channels;
            if (lanes) {
                if (code)
                    convPoolWindowLanes<true>(s.channels, weights, bias, taps, out + at, code + at);
                else
                    convPoolWindowLanes<false>(s.channels, weights, bias, taps, out + at, nullptr);
            } else if (code) {
                convPoolWindow<true>(s.channels, weights, bias, taps, sums.data(), out + at, code + at);
            } else {
                convPoolWindow<false>(s.channels, weights, bias, taps, sums.data(), out + at, nullptr);
            }
        }
    }
}

void convPoolForward(const ConvPoolShape& s, const float* images, const float* weights, const float* bias, float* out,
                     WindowCode* code)
{
    RECORD_FUNCTION("dropoutlab::conv1_max_pool2x2", std::vector<c10::IValue>());
    at::parallel_for(0, s.n * s.oh, kRowsPerTask, [&](std::int64_t begin, std::int64_t end) {
        convPoolForwardRows(s, images, weights, bias, out, code, begin, end);
    });
}

// Adds one window's gradient times the nine inputs of the convolution that won, per channel:
// sum[j * channels + c] and the bias's sum[9 * channels + c]. The winner's input is selected as
// bits (exactly that value), so that the loop vectorises.
DROPOUTLAB_KERNEL_INLINE void convPoolWindowGradient(std::int64_t channels, const float (&taps)[4][9],
                                                     const float* __restrict grad, const WindowCode* __restrict code,
                                                     float* __restrict sum)
{
    for (int j = 0; j < 9; ++j) {
        std::uint32_t t[4];
        for (int k = 0; k < 4; ++k)
            std::memcpy(&t[k], &taps[k][j], sizeof(float));
        float* __restrict row = sum + j * channels;
        for (std::int64_t c = 0; c < channels; ++c) {
            const WindowCode k = code[c];
            const std::uint32_t bits = (t[0] & -std::uint32_t(k == 0)) | (t[1] & -std::uint32_t(k == 1)) |
                                       (t[2] & -std::uint32_t(k == 2)) | (t[3] & -std::uint32_t(k == 3));
            float x;
            std::memcpy(&x, &bits, sizeof x);
            row[c] += grad[c] * x;
        }
    }
    float* __restrict biasRow = sum + 9 * channels;
    for (std::int64_t c = 0; c < channels; ++c)
        biasRow[c] += grad[c];
}

// Images [begin, end): each one's weight and bias gradient sums, at partial + n * 10 * channels.
DROPOUTLAB_VECTOR_CLONES
void convPoolGradientImages(const ConvPoolShape& s, const float* images, const float* grad, const WindowCode* code,
                            float* partial, std::int64_t begin, std::int64_t end)
{
    const std::int64_t perImage = 10 * s.channels;
    float taps[4][9];
    for (std::int64_t n = begin; n < end; ++n) {
        float* __restrict sum = partial + n * perImage;
        const float* image = images + n * s.h * s.w;
        for (std::int64_t oh = 0; oh < s.oh; ++oh) {
            for (std::int64_t ow = 0; ow < s.ow; ++ow) {
                windowTaps(s, image, oh, ow, taps);
                const std::int64_t at = ((n * s.oh + oh) * s.ow + ow) * s.channels;
                convPoolWindowGradient(s.channels, taps, grad + at, code + at, sum);
            }
        }
    }
}

// The weight and bias gradients: the convolution's output gradient is the pooled gradient at each
// window's maximum and 0 elsewhere, so each window adds its gradient times the nine inputs of the
// convolution that won. Sums per image in float, then over images in double in image order: the
// result does not depend on the thread count.
void convPoolBackward(const ConvPoolShape& s, const float* images, const float* grad, const WindowCode* code,
                      float* gradWeight /* [channels][9] */, float* gradBias)
{
    const std::int64_t perImage = 10 * s.channels;  // nine weights (j-major) and the bias
    std::vector<float> partial(static_cast<std::size_t>(s.n * perImage), 0.0f);
    at::parallel_for(0, s.n, 1, [&](std::int64_t begin, std::int64_t end) {
        convPoolGradientImages(s, images, grad, code, partial.data(), begin, end);
    });
    for (std::int64_t c = 0; c < s.channels; ++c) {
        for (int j = 0; j < 10; ++j) {
            double total = 0.0;
            for (std::int64_t n = 0; n < s.n; ++n)
                total += partial[static_cast<std::size_t>(n * perImage + j * s.channels + c)];
            if (j < 9)
                gradWeight[c * 9 + j] = static_cast<float>(total);
            else
                gradBias[c] = static_cast<float>(total);
        }
    }
}

ConvPoolShape convPoolShapeOf(const torch::Tensor& input, const torch::Tensor& weight, std::int64_t padding)
{
    const std::int64_t convH = input.size(2) + 2 * padding - 2;
    const std::int64_t convW = input.size(3) + 2 * padding - 2;
    return {input.size(0), input.size(2), input.size(3), weight.size(0), padding, convH / 2, convW / 2};
}

// The weights as [9][channels], so that the inner loops run over channels.
torch::Tensor tapMajor(const torch::Tensor& weight)
{
    return weight.reshape({weight.size(0), 9}).t().contiguous();
}

// The fused forward; with `code`, each output's window code too (what the backward needs).
torch::Tensor convPoolPass(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                           std::int64_t padding, torch::Tensor* code)
{
    const ConvPoolShape s = convPoolShapeOf(input, weight, padding);
    auto output = torch::empty({s.n, s.channels, s.oh, s.ow}, input.options().memory_format(at::MemoryFormat::ChannelsLast));
    if (code)
        *code = torch::empty({s.n, s.oh, s.ow, s.channels}, input.options().dtype(torch::kInt));
    const auto taps = tapMajor(weight);
    convPoolForward(s, input.data_ptr<float>(), taps.data_ptr<float>(), bias.data_ptr<float>(), output.data_ptr<float>(),
                    code ? code->data_ptr<WindowCode>() : nullptr);
    return output;
}

class ConvPoolFunction : public torch::autograd::Function<ConvPoolFunction> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& input,
                                 const torch::Tensor& weight, const torch::Tensor& bias, std::int64_t padding)
    {
        torch::Tensor code;
        auto output = convPoolPass(input, weight, bias, padding, &code);
        context->save_for_backward({input, code, weight});
        context->saved_data["padding"] = padding;
        return output;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                   torch::autograd::variable_list gradOutputs)
    {
        const auto saved = context->get_saved_variables();
        const auto& input = saved[0];
        const auto& code = saved[1];
        const auto& weight = saved[2];
        const ConvPoolShape s = convPoolShapeOf(input, weight, context->saved_data["padding"].toInt());
        const auto grad = gradOutputs[0].contiguous(at::MemoryFormat::ChannelsLast);
        // One input channel: [channels, 1, 3, 3] is the same memory contiguous or channels-last.
        auto gradWeight = torch::empty_like(weight);
        auto gradBias = torch::empty({s.channels}, grad.options());
        convPoolBackward(s, input.data_ptr<float>(), grad.data_ptr<float>(), code.data_ptr<WindowCode>(),
                         gradWeight.data_ptr<float>(), gradBias.data_ptr<float>());
        return {torch::Tensor(), gradWeight, gradBias, torch::Tensor()};
    }
};

} // namespace

bool fitsChannelsLastPool(const torch::Tensor& input)
{
    return input.is_cpu() && input.dim() == 4 && input.scalar_type() == torch::kFloat && input.size(2) % 2 == 0 &&
           input.size(3) % 2 == 0 && input.is_contiguous(at::MemoryFormat::ChannelsLast);
}

torch::Tensor maxPool2x2ChannelsLast(const torch::Tensor& input)
{
    if (torch::GradMode::is_enabled() && input.requires_grad())
        return MaxPool2x2Function::apply(input);
    return poolPass(input, nullptr);
}

} // namespace dropoutlab::detail

namespace dropoutlab::detail {

std::string kernelInstructionSet()
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    // The order in which target_clones' resolver tries the variants.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return "AVX-512";
    if (__builtin_cpu_supports("avx2"))
        return "AVX2";
    return "SSE2";
#else
    return "the build's baseline";
#endif
}

bool fusedFirstLayerEnabled()
{
    // DROPOUTLAB_FUSED_CONV1=0 keeps LibTorch's convolution and a separate pooling, for comparisons
    // (BENCHMARKS.md) and for the PyTorch parity test.
    static const bool on = switchedOn("DROPOUTLAB_FUSED_CONV1");
    return on;
}

bool fitsFusedFirstLayer(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias, int padding)
{
    const auto f = torch::kFloat;
    if (!fusedFirstLayerEnabled() || !input.defined() || !weight.defined() || !bias.defined() || !input.is_cpu() ||
        !weight.is_cpu() || !bias.is_cpu() || input.scalar_type() != f || weight.scalar_type() != f ||
        bias.scalar_type() != f || input.dim() != 4 || input.size(1) != 1 || input.requires_grad() ||
        !input.is_contiguous() || weight.dim() != 4 || weight.size(1) != 1 || weight.size(2) != 3 ||
        weight.size(3) != 3 || !(weight.is_contiguous() || weight.is_contiguous(at::MemoryFormat::ChannelsLast)) ||
        bias.dim() != 1 || bias.size(0) != weight.size(0) || !bias.is_contiguous() || padding < 0)
        return false;
    const std::int64_t convH = input.size(2) + 2 * padding - 2;
    const std::int64_t convW = input.size(3) + 2 * padding - 2;
    return convH > 0 && convW > 0 && convH % 2 == 0 && convW % 2 == 0;
}

torch::Tensor fusedFirstLayer(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                              int padding)
{
    if (torch::GradMode::is_enabled() && (weight.requires_grad() || bias.requires_grad()))
        return ConvPoolFunction::apply(input, weight, bias, static_cast<std::int64_t>(padding));
    return convPoolPass(input, weight, bias, padding, nullptr);
}

} // namespace dropoutlab::detail
