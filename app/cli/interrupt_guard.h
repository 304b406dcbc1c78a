#pragma once

#include "dropoutlab/cancel_token.h"

namespace dropoutlab::cli {

/// While alive, Ctrl-C cancels the token (the run stops after its current batch); a second
/// Ctrl-C ends the process. The previous handler comes back on destruction, on every path.
class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    const CancelToken& token() const;
    bool interrupted() const;
};

} // namespace dropoutlab::cli
