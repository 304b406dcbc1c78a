#include "step_graph.h"
#include "env_switch.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#ifdef DROPOUTLAB_CUDA_GRAPHS
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace dropoutlab::detail {
namespace {

bool graphsWanted()
{
    return switchedOn("DROPOUTLAB_CUDA_GRAPHS");
}

} // namespace

#ifdef DROPOUTLAB_CUDA_GRAPHS

namespace {

constexpr int kEagerSteps = 3;

/// Keeps a stream current; synchronises the device before handing the previous stream back.
struct StreamScope {
    explicit StreamScope(const c10::cuda::CUDAStream& stream) : guard(stream) {}
    ~StreamScope()
    {
        try {
            c10::cuda::device_synchronize();
        } catch (...) {
            // An error here is a device error the next operation reports; a destructor must not throw.
        }
    }
    c10::cuda::CUDAStreamGuard guard;
};

} // namespace

struct StepGraph::Impl {
    explicit Impl(c10::DeviceIndex index) : stream(c10::cuda::getStreamFromPool(false, index)) {}
    c10::cuda::CUDAStream stream;
    std::unique_ptr<at::cuda::CUDAGraph> graph;
    int eagerSteps = 0;
};

StepGraph::StepGraph(const torch::Device& device, bool replayable)
{
    if (device.is_cuda() && replayable && graphsWanted())
        m_impl = std::make_unique<Impl>(device.index());
}

std::shared_ptr<void> StepGraph::streamScope()
{
    if (!m_impl)
        return nullptr;
    c10::cuda::device_synchronize();  // what the default stream has queued (data, weights) is done
    return std::make_shared<StreamScope>(m_impl->stream);
}

void StepGraph::step(const std::function<void()>& body, bool recordedShape)
{
    if (!enabled() || !recordedShape) {
        body();
        return;
    }
    Impl& d = *m_impl;
    if (!d.graph) {
        if (d.eagerSteps < kEagerSteps) {
            ++d.eagerSteps;
            body();
            return;
        }
        auto graph = std::make_unique<at::cuda::CUDAGraph>();
        try {
            graph->capture_begin();
            try {
                body();
            } catch (...) {
                try {
                    graph->capture_end();
                } catch (...) {
                    // the recording is invalid either way; the original error says why
                }
                throw;
            }
            graph->capture_end();
        } catch (const std::exception& error) {
            const auto* torchError = dynamic_cast<const c10::Error*>(&error);
            const std::string text = torchError ? torchError->what_without_backtrace() : error.what();
            m_fallbackReason = "CUDA graphs off: " + text.substr(0, text.find('\n'));
            m_impl.reset();
            body();  // nothing ran while recording: this step still has to happen
            return;
        }
        d.graph = std::move(graph);
    }
    d.graph->replay();
}

#else

struct StepGraph::Impl {};

StepGraph::StepGraph(const torch::Device& device, bool replayable)
{
    (void)device;
    (void)replayable;
    (void)graphsWanted;
}

std::shared_ptr<void> StepGraph::streamScope()
{
    return nullptr;
}

void StepGraph::step(const std::function<void()>& body, bool recordedShape)
{
    (void)recordedShape;
    body();
}

#endif

StepGraph::~StepGraph() = default;

bool StepGraph::enabled() const
{
    return m_impl != nullptr;
}

std::string StepGraph::takeFallbackReason()
{
    return std::exchange(m_fallbackReason, std::string());
}

} // namespace dropoutlab::detail
