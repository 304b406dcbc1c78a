#include "interrupt_guard.h"

#include <csignal>

namespace dropoutlab::cli {
namespace {

// A signal handler can reach only globals; CancelToken is a lock-free atomic flag.
CancelToken g_token;

// Ctrl-C, and SIGTERM: what `kill`, Slurm's scancel and its time limit send first.
constexpr int kSignals[] = {SIGINT, SIGTERM};

void restoreDefaults()
{
    for (int signal : kSignals)
        std::signal(signal, SIG_DFL);
}

extern "C" void onInterrupt(int)
{
    g_token.cancel();
    restoreDefaults();  // a second signal ends the process at once
}

} // namespace

InterruptGuard::InterruptGuard()
{
    g_token.reset();
    for (int signal : kSignals)
        std::signal(signal, onInterrupt);
}

InterruptGuard::~InterruptGuard()
{
    restoreDefaults();
}

const CancelToken& InterruptGuard::token() const
{
    return g_token;
}

bool InterruptGuard::interrupted() const
{
    return g_token.isCancelled();
}

} // namespace dropoutlab::cli
