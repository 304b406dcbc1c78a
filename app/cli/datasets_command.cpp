#include "datasets_command.h"

#include "exit_codes.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace dropoutlab::cli {
namespace {

std::string mebibytes(std::uint64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    return text;
}

nlohmann::json summaryJson(const std::string& name, const DatasetSummary& s)
{
    return {{"name", name},
            {"path", s.path},
            {"format", toString(s.format)},
            {"channels", s.shape.channels},
            {"height", s.shape.height},
            {"width", s.shape.width},
            {"classes", s.shape.classes},
            {"class_names", s.classNames},
            {"train", s.trainCount},
            {"test", s.testCount},
            {"train_per_class", s.trainPerClass},
            {"test_per_class", s.testPerClass},
            {"memory_bytes", s.memoryBytes}};
}

void printSummary(const std::string& name, const DatasetSummary& s, bool details)
{
    std::printf("%-16s %-6s %-9s %4d classes  %8lld train  %7lld test  %10s  %s\n", name.c_str(),
                toString(s.format).c_str(), shapeText(s.shape).c_str(), s.shape.classes,
                static_cast<long long>(s.trainCount), static_cast<long long>(s.testCount),
                mebibytes(s.memoryBytes).c_str(), s.path.c_str());
    if (!details)
        return;
    for (std::size_t c = 0; c < s.classNames.size(); ++c)
        std::printf("    %4zu  %-24s %8lld train  %7lld test\n", c, s.classNames[c].c_str(),
                    static_cast<long long>(s.trainPerClass[c]), static_cast<long long>(s.testPerClass[c]));
}

} // namespace

int datasetsCommand(const DatasetsOptions& options)
{
    std::vector<InstalledDataset> list;
    if (options.paths.empty())
        list = installedDatasets();
    for (const auto& path : options.paths)
        list.push_back({path, resolveDataDir(path)});
    if (list.empty() && !options.json) {
        std::printf("No dataset installed (dropoutlab-get-mnist installs MNIST; --data DIR takes any folder).\n");
        return kExitOk;
    }
    int status = kExitOk;
    nlohmann::json out = nlohmann::json::array();
    for (const auto& dataset : list) {
        try {
            const DatasetSummary s = summarise(*cachedDataset(dataset.path), dataset.path);
            if (options.json)
                out.push_back(summaryJson(dataset.name, s));
            else
                printSummary(dataset.name, s, !options.paths.empty());
        } catch (const Error& error) {
            status = kExitData;
            if (options.json)
                out.push_back({{"name", dataset.name}, {"path", dataset.path}, {"error", error.what()}});
            else
                std::fprintf(stderr, "%s: %s\n", dataset.name.c_str(), error.what());
        }
    }
    if (options.json)
        std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return status;
}

} // namespace dropoutlab::cli
