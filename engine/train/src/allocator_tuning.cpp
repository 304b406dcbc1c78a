#include "dropoutlab/train/allocator.h"

#include <cstdlib>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dropoutlab {

void tuneAllocator()
{
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        if (!std::getenv("MALLOC_MMAP_THRESHOLD_") && !std::getenv("MALLOC_TRIM_THRESHOLD_")) {
            mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
            mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
        }
        // Only threads that have not allocated yet take the limit: hence "before any thread".
        if (!std::getenv("MALLOC_ARENA_MAX"))
            mallopt(M_ARENA_MAX, 1);
    });
#endif
}

} // namespace dropoutlab
