#include "max_pool.h"

#include <ATen/Parallel.h>

#include <cstdint>
#include <cstring>

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

inline float windowMax(float a, float b, float d, float e, WindowCode& code)
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
void poolForward(const Shape& s, const float* in, float* out, WindowCode* code)
{
    RECORD_FUNCTION("dropoutlab::max_pool2x2", std::vector<c10::IValue>());
    at::parallel_for(0, s.n * s.oh, kRowsPerTask, [&](std::int64_t begin, std::int64_t end) {
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
    });
}

// One window position's gradient over all channels (the four outputs never overlap the inputs).
inline void windowGradient(std::int64_t channels, const float* __restrict grad, const WindowCode* __restrict code,
                           float* __restrict a, float* __restrict b, float* __restrict d, float* __restrict e)
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
void poolBackward(const Shape& s, const float* grad, const WindowCode* code, float* gradIn)
{
    at::parallel_for(0, s.n * s.oh, kRowsPerTask, [&](std::int64_t begin, std::int64_t end) {
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
    });
}

class MaxPool2x2Function : public torch::autograd::Function<MaxPool2x2Function> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& input)
    {
        const Shape s = shapeOf(input);
        auto output = torch::empty({s.n, s.c, s.oh, s.ow}, input.options().memory_format(at::MemoryFormat::ChannelsLast));
        auto code = torch::empty({s.n, s.oh, s.ow, s.c}, input.options().dtype(torch::kInt));
        poolForward(s, input.data_ptr<float>(), output.data_ptr<float>(), code.data_ptr<WindowCode>());
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
    const Shape s = shapeOf(input);
    auto output = torch::empty({s.n, s.c, s.oh, s.ow}, input.options().memory_format(at::MemoryFormat::ChannelsLast));
    poolForward(s, input.data_ptr<float>(), output.data_ptr<float>(), nullptr);
    return output;
}

} // namespace dropoutlab::detail
