#pragma once
// `dropoutlab-cli datasets`: what is installed, and what a dataset holds.

#include <string>
#include <vector>

namespace dropoutlab::cli {

struct DatasetsOptions {
    std::vector<std::string> paths;  ///< empty: every installed dataset
    bool json = false;
};

/// Lists datasets with their format, shape, classes, sizes and memory; for named paths also the
/// class names and the examples per class. A dataset that cannot be read is listed with its error
/// (exit kExitData).
int datasetsCommand(const DatasetsOptions& options);

} // namespace dropoutlab::cli
