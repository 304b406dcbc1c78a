#pragma once

#include <string>
#include <vector>

namespace dropoutlab::cli {

struct ExportOptions {
    std::vector<std::string> paths;  ///< run folders or workspaces
    std::string longCsv;             ///< file for the long table; empty: none
    std::string summaryCsv;          ///< file for the summary; empty and no other file: stdout
    std::string json;                ///< results.json (every run's result and config); empty: none
};

/// `dropoutlab-cli export`: returns the process exit code.
int exportCommand(const ExportOptions& options);

} // namespace dropoutlab::cli
