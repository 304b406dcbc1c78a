#include "dropoutlab/errors.h"

#include "dropoutlab/file_io.h"
#include "dropoutlab/results.h"
#include "dropoutlab/sweep.h"

#include <filesystem>

namespace dropoutlab {
namespace fs = std::filesystem;

bool SweepFolder::keepsResult(RunStatus status)
{
    return status == RunStatus::Completed || status == RunStatus::Diverged || status == RunStatus::Stopped;
}

SweepFolder::SweepFolder(std::string dir)
    : m_dir(std::move(dir))
{
}

void SweepFolder::prepare(const SweepSpec& spec)
{
    std::error_code ec;
    fs::create_directories(fs::path(m_dir) / "runs", ec);
    if (ec)
        throw IoError(m_dir + ": cannot create the sweep folder (" + ec.message() + ")");
    const std::string path = (fs::path(m_dir) / "sweep.json").string();
    const std::string text = sweepToJson(spec);
    if (fs::exists(path, ec)) {
        const SweepSpec existing = readSpec();
        if (sweepToJson(existing) != text)
            throw ConfigError(path + " describes a different sweep; use a new --out folder or the same spec");
        return;
    }
    // Concurrent shards write the same text, each all-or-nothing.
    writeFileAtomically(path, text);
}

SweepSpec SweepFolder::readSpec() const
{
    return loadSweepFile((fs::path(m_dir) / "sweep.json").string());
}

std::string SweepFolder::runDir(const std::string& runId) const
{
    return (fs::path(m_dir) / "runs" / runId).string();
}

bool SweepFolder::isDone(const std::string& runId) const
{
    const fs::path result = fs::path(runDir(runId)) / "result.json";
    std::error_code ec;
    if (!fs::is_regular_file(result, ec))
        return false;
    try {
        return keepsResult(resultFromJson(readTextFile(result.string(), kMaxJsonFileBytes), result.string()).status);
    } catch (const Error&) {
        return false;
    }
}

std::vector<RunRecord> SweepFolder::loadRuns(std::vector<std::string>* problems) const
{
    const fs::path runs = fs::path(m_dir) / "runs";
    std::error_code ec;
    if (!fs::is_directory(runs, ec))
        return {};
    return loadWorkspace(runs.string(), problems);
}

} // namespace dropoutlab
