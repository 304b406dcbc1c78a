#include "dropoutlab/core/cancel_token.h"

namespace dropoutlab {

void CancelToken::cancel() noexcept
{
    m_cancelled.store(true, std::memory_order_relaxed);
}

void CancelToken::reset() noexcept
{
    m_cancelled.store(false, std::memory_order_relaxed);
}

bool CancelToken::isCancelled() const noexcept
{
    return m_cancelled.load(std::memory_order_relaxed);
}

} // namespace dropoutlab
