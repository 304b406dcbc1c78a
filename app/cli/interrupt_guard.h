#pragma once

#include "dropoutlab/core/cancel_token.h"

namespace dropoutlab::cli {

/// While alive, Ctrl-C or SIGTERM (kill, scancel, a Slurm time limit) cancels the token: the run
/// stops after its current batch and keeps its finished epochs. A second signal ends the process.
/// The default handlers come back on destruction, on every path.
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
