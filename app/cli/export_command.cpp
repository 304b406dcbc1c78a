#include "export_command.h"

#include "exit_codes.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace dropoutlab::cli {
namespace {

std::vector<RunRecord> collectRuns(const std::vector<std::string>& paths)
{
    std::vector<RunRecord> runs;
    for (const auto& path : paths) {
        if (isRunDirectory(path)) {
            runs.push_back(loadRun(path));
            continue;
        }
        std::vector<std::string> problems;
        auto workspace = loadWorkspace(path, &problems);
        for (const auto& problem : problems)
            std::fprintf(stderr, "dropoutlab-cli: warning: skipped %s\n", problem.c_str());
        if (workspace.empty())
            throw IoError(path + ": holds no runs (expected a run folder with config.json, or a folder of them)");
        runs.insert(runs.end(), workspace.begin(), workspace.end());
    }
    return runs;
}

void writeTable(const std::string& path, const std::vector<RunRecord>& runs,
                void (*writer)(const std::vector<RunRecord>&, std::ostream&))
{
    std::ostringstream text;
    writer(runs, text);
    writeFileAtomically(path, text.str());
    std::fprintf(stderr, "wrote %s\n", path.c_str());
}

} // namespace

int exportCommand(const ExportOptions& options)
{
    try {
        const auto runs = collectRuns(options.paths);
        if (!options.longCsv.empty())
            writeTable(options.longCsv, runs, writeLongCsv);
        if (!options.summaryCsv.empty())
            writeTable(options.summaryCsv, runs, writeSummaryCsv);
        if (!options.json.empty()) {
            writeFileAtomically(options.json, runsToJson(runs));
            std::fprintf(stderr, "wrote %s\n", options.json.c_str());
        }
        if (options.longCsv.empty() && options.summaryCsv.empty() && options.json.empty())
            writeSummaryCsv(runs, std::cout);
        return kExitOk;
    } catch (const Error& error) {
        return reportError(error, kExitFailed);
    }
}

} // namespace dropoutlab::cli
