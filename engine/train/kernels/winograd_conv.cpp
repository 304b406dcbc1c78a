#include "winograd_conv.h"
#include "env_switch.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#ifdef DROPOUTLAB_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace dropoutlab::detail {

namespace {

std::mutex implementationMutex;
std::string implementationName;

} // namespace

std::string winogradImplementation()
{
    std::lock_guard lock(implementationMutex);
    return implementationName;
}

#ifndef DROPOUTLAB_HAVE_DNNL

torch::Tensor winogradConv2d(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, int)
{
    return {};
}

std::string winogradStatus()
{
    return "LibTorch's (built without oneDNN's headers, so no Winograd)";
}

#else

namespace {

using Tag = dnnl::memory::format_tag;
using DataType = dnnl::memory::data_type;

bool enabled()
{
    // DROPOUTLAB_WINOGRAD=0 keeps LibTorch's direct convolutions, for comparisons (BENCHMARKS.md)
    // and for the PyTorch parity test, whose reference cannot run Winograd.
    static const bool on = switchedOn("DROPOUTLAB_WINOGRAD");
    return on;
}

dnnl::engine& cpuEngine()
{
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

dnnl::stream& threadStream()
{
    thread_local dnnl::stream stream(cpuEngine());
    return stream;
}

struct Shape {
    std::int64_t n, ic, oc, h, w, padding;
    bool operator<(const Shape& o) const
    {
        return std::tie(n, ic, oc, h, w, padding) < std::tie(o.n, o.ic, o.oc, o.h, o.w, o.padding);
    }
    std::int64_t outH() const { return h + 2 * padding - 2; }
    std::int64_t outW() const { return w + 2 * padding - 2; }
    std::vector<std::int64_t> asVector() const { return {n, ic, oc, h, w, padding}; }
    static Shape of(const std::vector<std::int64_t>& v) { return {v[0], v[1], v[2], v[3], v[4], v[5]}; }
};

// The primitives of one shape, with the reorders between LibTorch's channels-last tensors (nhwc
// data, ohwi weights) and the blocked layouts Winograd works in.
struct Plan {
    dnnl::memory::desc srcNhwc, dstNhwc, weightsOhwi, bias;
    dnnl::convolution_forward::primitive_desc forwardDesc;
    dnnl::convolution_backward_data::primitive_desc dataDesc;
    dnnl::convolution_backward_weights::primitive_desc weightsDesc;
    dnnl::convolution_forward forward;
    dnnl::convolution_backward_data backwardData;
    dnnl::convolution_backward_weights backwardWeights;
    dnnl::reorder srcIn, weightsIn, dstOut, diffDstIn, diffDstForWeights, diffSrcOut, diffWeightsOut;
    bool separateDiffDst = false;  ///< the two backward passes want the output gradient in different layouts

    explicit Plan(const Shape& s)
    {
        const dnnl::memory::dims src{s.n, s.ic, s.h, s.w}, weights{s.oc, s.ic, 3, 3}, dst{s.n, s.oc, s.outH(), s.outW()};
        const dnnl::memory::dims strides{1, 1}, padding{s.padding, s.padding};
        srcNhwc = {src, DataType::f32, Tag::nhwc};
        dstNhwc = {dst, DataType::f32, Tag::nhwc};
        weightsOhwi = {weights, DataType::f32, Tag::ohwi};
        bias = {{s.oc}, DataType::f32, Tag::x};
        const dnnl::memory::desc anySrc(src, DataType::f32, Tag::any), anyWeights(weights, DataType::f32, Tag::any),
            anyDst(dst, DataType::f32, Tag::any);
        auto& engine = cpuEngine();
        forwardDesc = {{dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_winograd, anySrc, anyWeights,
                        bias, anyDst, strides, padding, padding},
                       engine};
        dataDesc = {{dnnl::algorithm::convolution_winograd, anySrc, anyWeights, anyDst, strides, padding, padding},
                    engine, forwardDesc};
        weightsDesc = {{dnnl::algorithm::convolution_winograd, anySrc, anyWeights, bias, anyDst, strides, padding,
                        padding},
                       engine, forwardDesc};
        forward = dnnl::convolution_forward(forwardDesc);
        backwardData = dnnl::convolution_backward_data(dataDesc);
        backwardWeights = dnnl::convolution_backward_weights(weightsDesc);
        auto reorder = [&](const dnnl::memory::desc& from, const dnnl::memory::desc& to) {
            return dnnl::reorder(dnnl::reorder::primitive_desc(engine, from, engine, to));
        };
        srcIn = reorder(srcNhwc, forwardDesc.src_desc());
        weightsIn = reorder(weightsOhwi, forwardDesc.weights_desc());
        dstOut = reorder(forwardDesc.dst_desc(), dstNhwc);
        diffDstIn = reorder(dstNhwc, dataDesc.diff_dst_desc());
        separateDiffDst = weightsDesc.diff_dst_desc() != dataDesc.diff_dst_desc();
        diffDstForWeights = reorder(dstNhwc, weightsDesc.diff_dst_desc());
        diffSrcOut = reorder(dataDesc.diff_src_desc(), srcNhwc);
        diffWeightsOut = reorder(weightsDesc.diff_weights_desc(), weightsOhwi);
        // The backward passes read the forward's blocked input and weights as saved.
        if (weightsDesc.src_desc() != forwardDesc.src_desc() || dataDesc.weights_desc() != forwardDesc.weights_desc())
            throw dnnl::error(dnnl_unimplemented, "Winograd backward wants other layouts than its forward");
        std::lock_guard lock(implementationMutex);
        implementationName = forwardDesc.impl_info_str();
    }
};

// Plans per thread: a primitive whose scratchpad the library holds must not run on two threads at
// once. nullptr for a shape oneDNN has no Winograd for (tried once).
const Plan* planFor(const Shape& shape)
{
    thread_local std::map<Shape, std::unique_ptr<Plan>> plans;
    const auto found = plans.find(shape);
    if (found != plans.end())
        return found->second.get();
    std::unique_ptr<Plan> plan;
    try {
        plan = std::make_unique<Plan>(shape);
    } catch (const dnnl::error&) {
        plan.reset();
    }
    return plans.emplace(shape, std::move(plan)).first->second.get();
}

dnnl::memory wrap(const dnnl::memory::desc& desc, const torch::Tensor& tensor)
{
    return dnnl::memory(desc, cpuEngine(), tensor.data_ptr());
}

// A tensor of bytes that holds one of oneDNN's blocked layouts (LibTorch's allocator: 64-byte aligned).
torch::Tensor blocked(const dnnl::memory::desc& desc, const torch::Tensor& like)
{
    return torch::empty({static_cast<std::int64_t>(desc.get_size())}, like.options().dtype(torch::kUInt8));
}

void reorder(const dnnl::reorder& primitive, dnnl::memory from, dnnl::memory to)
{
    primitive.execute(threadStream(), from, to);
}

struct ForwardPass {
    torch::Tensor output;
    torch::Tensor src, weights;  ///< the input and weights in the blocked layouts (kept for backward)
};

ForwardPass forwardPass(const Plan& plan, const Shape& s, const torch::Tensor& input, const torch::Tensor& weight,
                        const torch::Tensor& bias)
{
    RECORD_FUNCTION("dropoutlab::winograd_conv2d", std::vector<c10::IValue>());
    ForwardPass pass;
    pass.src = blocked(plan.forwardDesc.src_desc(), input);
    pass.weights = blocked(plan.forwardDesc.weights_desc(), input);
    const auto dst = blocked(plan.forwardDesc.dst_desc(), input);
    pass.output = torch::empty({s.n, s.oc, s.outH(), s.outW()}, input.options().memory_format(at::MemoryFormat::ChannelsLast));
    const auto srcMemory = wrap(plan.forwardDesc.src_desc(), pass.src);
    const auto weightsMemory = wrap(plan.forwardDesc.weights_desc(), pass.weights);
    const auto dstMemory = wrap(plan.forwardDesc.dst_desc(), dst);
    reorder(plan.srcIn, wrap(plan.srcNhwc, input), srcMemory);
    reorder(plan.weightsIn, wrap(plan.weightsOhwi, weight), weightsMemory);
    plan.forward.execute(threadStream(), {{DNNL_ARG_SRC, srcMemory},
                                          {DNNL_ARG_WEIGHTS, weightsMemory},
                                          {DNNL_ARG_BIAS, wrap(plan.bias, bias)},
                                          {DNNL_ARG_DST, dstMemory}});
    reorder(plan.dstOut, dstMemory, wrap(plan.dstNhwc, pass.output));
    threadStream().wait();
    return pass;
}

class WinogradConvFunction : public torch::autograd::Function<WinogradConvFunction> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& input,
                                 const torch::Tensor& weight, const torch::Tensor& bias, std::vector<std::int64_t> shape)
    {
        auto pass = forwardPass(*planFor(Shape::of(shape)), Shape::of(shape), input, weight, bias);
        context->save_for_backward({pass.src, pass.weights, weight});
        context->saved_data["shape"] = std::move(shape);
        return pass.output;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                   torch::autograd::variable_list gradOutputs)
    {
        const auto saved = context->get_saved_variables();
        const auto& src = saved[0];
        const auto& weights = saved[1];
        const auto& weight = saved[2];
        const auto shape = context->saved_data["shape"].toIntVector();
        const Shape s = Shape::of(shape);
        const Plan* found = planFor(s);
        TORCH_CHECK(found, "Winograd convolution: no plan for a shape its forward ran with");
        const Plan& plan = *found;
        const auto cl = at::MemoryFormat::ChannelsLast;
        const auto grad = gradOutputs[0].contiguous(cl);
        const auto gradMemory = wrap(plan.dstNhwc, grad);

        auto diffDst = blocked(plan.dataDesc.diff_dst_desc(), grad);
        const auto diffDstMemory = wrap(plan.dataDesc.diff_dst_desc(), diffDst);
        reorder(plan.diffDstIn, gradMemory, diffDstMemory);

        torch::Tensor gradInput, gradWeight, gradBias;
        if (context->needs_input_grad(0)) {
            auto diffSrc = blocked(plan.dataDesc.diff_src_desc(), grad);
            const auto diffSrcMemory = wrap(plan.dataDesc.diff_src_desc(), diffSrc);
            plan.backwardData.execute(threadStream(), {{DNNL_ARG_DIFF_DST, diffDstMemory},
                                                       {DNNL_ARG_WEIGHTS, wrap(plan.forwardDesc.weights_desc(), weights)},
                                                       {DNNL_ARG_DIFF_SRC, diffSrcMemory}});
            gradInput = torch::empty({s.n, s.ic, s.h, s.w}, grad.options().memory_format(cl));
            reorder(plan.diffSrcOut, diffSrcMemory, wrap(plan.srcNhwc, gradInput));
        }
        if (context->needs_input_grad(1) || context->needs_input_grad(2)) {
            torch::Tensor diffDstForWeights = diffDst;
            if (plan.separateDiffDst) {
                diffDstForWeights = blocked(plan.weightsDesc.diff_dst_desc(), grad);
                reorder(plan.diffDstForWeights, gradMemory, wrap(plan.weightsDesc.diff_dst_desc(), diffDstForWeights));
            }
            auto diffWeights = blocked(plan.weightsDesc.diff_weights_desc(), grad);
            const auto diffWeightsMemory = wrap(plan.weightsDesc.diff_weights_desc(), diffWeights);
            gradBias = torch::empty({s.oc}, grad.options());
            plan.backwardWeights.execute(threadStream(),
                                         {{DNNL_ARG_SRC, wrap(plan.forwardDesc.src_desc(), src)},
                                          {DNNL_ARG_DIFF_DST, wrap(plan.weightsDesc.diff_dst_desc(), diffDstForWeights)},
                                          {DNNL_ARG_DIFF_WEIGHTS, diffWeightsMemory},
                                          {DNNL_ARG_DIFF_BIAS, wrap(plan.bias, gradBias)}});
            gradWeight = torch::empty_like(weight, at::MemoryFormat::ChannelsLast);
            reorder(plan.diffWeightsOut, diffWeightsMemory, wrap(plan.weightsOhwi, gradWeight));
        }
        threadStream().wait();
        return {gradInput, gradWeight, gradBias, torch::Tensor()};
    }
};

} // namespace

torch::Tensor winogradConv2d(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                             int padding)
{
    const auto cl = at::MemoryFormat::ChannelsLast;
    if (!enabled() || !input.is_cpu() || !weight.is_cpu() || !bias.defined() || input.dim() != 4 ||
        weight.dim() != 4 || input.size(1) % 16 != 0 || weight.size(2) != 3 || weight.size(3) != 3 || input.size(1) != weight.size(1) ||
        bias.dim() != 1 || bias.size(0) != weight.size(0) || input.scalar_type() != torch::kFloat ||
        weight.scalar_type() != torch::kFloat || bias.scalar_type() != torch::kFloat || !input.is_contiguous(cl) ||
        !weight.is_contiguous(cl) || !bias.is_contiguous() || input.size(0) == 0 || padding < 0 ||
        input.size(2) + 2 * padding < 3 || input.size(3) + 2 * padding < 3)
        return {};
    const Shape shape{input.size(0), input.size(1), weight.size(0), input.size(2), input.size(3), padding};
    if (!planFor(shape))
        return {};
    if (torch::GradMode::is_enabled() && (input.requires_grad() || weight.requires_grad() || bias.requires_grad()))
        return WinogradConvFunction::apply(input, weight, bias, shape.asVector());
    // Without gradients: the same forward, nothing kept.
    torch::NoGradGuard noGrad;
    return forwardPass(*planFor(shape), shape, input, weight, bias).output;
}

std::string winogradStatus()
{
    if (!enabled())
        return "LibTorch's (DROPOUTLAB_WINOGRAD=0)";
    if (!planFor({1, 32, 64, 14, 14, 1}))  // the reference network's second convolution
        return "LibTorch's (oneDNN has no Winograd convolution for this CPU)";
    return "Winograd for 3x3 with 16k input channels (oneDNN " + winogradImplementation() + ")";
}

#endif

} // namespace dropoutlab::detail
