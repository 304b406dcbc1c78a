// libFuzzer entry point; DROPOUTLAB_FUZZ_TARGET names one function of fuzz_targets.h.
#include "dropoutlab/core/errors.h"
#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        dropoutlab::fuzz::DROPOUTLAB_FUZZ_TARGET(data, size);
    } catch (const dropoutlab::Error&) {
        // A clear refusal is the expected outcome for bad input; any other exception aborts.
    }
    return 0;
}
