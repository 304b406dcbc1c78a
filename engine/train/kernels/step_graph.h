#pragma once
// Internal: training steps replayed as CUDA graphs.
//
// A step of the reference CNN is about a hundred small kernels. On a large GPU their launches,
// not their arithmetic, take the time (measured on an H200: 1.9 ms a step, eager). Recorded once
// as a CUDA graph, a step launches as one. The tensors a recorded step reads and writes must stay
// the same from step to step: the caller copies each batch's indices into a fixed buffer and keeps
// its running sums in fixed tensors.

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

namespace dropoutlab::detail {

class StepGraph {
public:
    /// Graphs are used on CUDA devices when LibTorch was built with CUDA, unless the environment
    /// sets DROPOUTLAB_CUDA_GRAPHS=0 (for measuring the difference). Elsewhere every step runs eagerly.
    /// `replayable` false (a step whose scalars change between epochs, e.g. a learning-rate
    /// schedule): every step runs eagerly.
    StepGraph(const torch::Device& device, bool replayable);
    ~StepGraph();
    StepGraph(const StepGraph&) = delete;
    StepGraph& operator=(const StepGraph&) = delete;

    bool enabled() const;
    /// Work done while the returned guard lives goes to this graph's stream (a recording needs a
    /// stream of its own); the device is synchronised when the guard is made and when it ends.
    [[nodiscard]] std::shared_ptr<void> streamScope();
    /// One training step. The first steps of the recorded shape run eagerly (they settle the
    /// kernels' choices and the optimiser's state); the next is recorded and then replayed.
    /// Steps of another shape (a short last batch) run eagerly. If recording fails, all steps run
    /// eagerly from then on and takeFallbackReason() says why (once).
    void step(const std::function<void()>& body, bool recordedShape);
    std::string takeFallbackReason();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;  ///< null: every step runs eagerly
    std::string m_fallbackReason;
};

} // namespace dropoutlab::detail
