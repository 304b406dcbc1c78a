#pragma once
// Internal: the engine's switches for comparisons (BENCHMARKS.md), read once per process.

#include <cstdlib>
#include <cstring>

namespace dropoutlab::detail {

/// False where the environment variable `name` is "0" (e.g. DROPOUTLAB_WINOGRAD=0), true otherwise.
inline bool switchedOn(const char* name)
{
    const char* value = std::getenv(name);
    return !(value && std::strcmp(value, "0") == 0);
}

} // namespace dropoutlab::detail
