#include "exit_codes.h"

#include "dropoutlab/core/errors.h"

#include <cstdio>

namespace dropoutlab::cli {

int reportError(const Error& error, int otherwise)
{
    if (dynamic_cast<const DataError*>(&error)) {
        std::fprintf(stderr, "dropoutlab-cli: data error: %s\n", error.what());
        return kExitData;
    }
    if (dynamic_cast<const ModelError*>(&error)) {
        std::fprintf(stderr, "dropoutlab-cli: model error: %s\n", error.what());
        return kExitData;
    }
    if (dynamic_cast<const DeviceError*>(&error)) {
        std::fprintf(stderr, "dropoutlab-cli: device error: %s\n", error.what());
        return kExitUsage;
    }
    std::fprintf(stderr, "dropoutlab-cli: error: %s\n", error.what());
    return otherwise;
}

} // namespace dropoutlab::cli
