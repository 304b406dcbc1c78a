#pragma once

#include <atomic>

namespace dropoutlab {

/// A flag another thread (or a signal handler) sets to stop a run after the current batch.
class CancelToken {
public:
    void cancel() noexcept;
    void reset() noexcept;
    bool isCancelled() const noexcept;

private:
    std::atomic<bool> m_cancelled{false};
};

} // namespace dropoutlab
