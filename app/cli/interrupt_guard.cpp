#include "interrupt_guard.h"

#include <csignal>

namespace dropoutlab::cli {
namespace {

// A signal handler can reach only globals; CancelToken is a lock-free atomic flag.
CancelToken g_token;

extern "C" void onInterrupt(int)
{
    g_token.cancel();
    std::signal(SIGINT, SIG_DFL);
}

} // namespace

InterruptGuard::InterruptGuard()
{
    g_token.reset();
    std::signal(SIGINT, onInterrupt);
}

InterruptGuard::~InterruptGuard()
{
    std::signal(SIGINT, SIG_DFL);
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
