#pragma once

#include <string>
#include <vector>

namespace dropoutlab::cli {

struct ExportOptions {
    std::vector<std::string> paths;  ///< run folders or workspaces
    std::string longCsv;             ///< file for the long table; empty: none
    std::string summaryCsv;          ///< file for the summary; empty and no longCsv: stdout
};

/// `dropoutlab-cli export`: returns the process exit code.
int exportCommand(const ExportOptions& options);

} // namespace dropoutlab::cli
