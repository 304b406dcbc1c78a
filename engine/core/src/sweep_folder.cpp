#include "dropoutlab/core/errors.h"

#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/core/sweep.h"
#include "config_json.h"

#include <filesystem>
#include <map>

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

namespace {

/// The keys in which a run's recorded config differs from its sweep point's, leaving out what
/// does not change results (name, device, threads, progress reports).
std::string differingKeys(const ExperimentConfig& recorded, const ExperimentConfig& planned)
{
    auto object = [](ExperimentConfig c) {
        c.name.clear();
        c.device = "auto";
        c.threads = 0;
        c.progressEvery = 1;
        return detail::configToJsonObject(c);
    };
    const auto a = object(recorded);
    const auto b = object(planned);
    std::string keys;
    for (const auto& item : b.items()) {
        if (!a.contains(item.key()) || a[item.key()] != item.value())
            keys += (keys.empty() ? "" : ", ") + item.key();
    }
    return keys;
}

} // namespace

std::vector<RunRecord> SweepFolder::loadRuns(std::vector<std::string>* problems) const
{
    const fs::path runs = fs::path(m_dir) / "runs";
    std::error_code ec;
    if (!fs::is_directory(runs, ec))
        return {};
    std::vector<RunRecord> records = loadWorkspace(runs.string(), problems);
    // A run counts under the point its folder name says only if its config is that point's.
    std::map<std::string, const SweepRun*> planned;
    const std::vector<SweepRun> plan = expandSweep(readSpec());
    for (const auto& run : plan)
        planned[run.id] = &run;
    std::vector<RunRecord> matching;
    matching.reserve(records.size());
    for (auto& record : records) {
        const auto it = planned.find(record.id);
        const std::string differs = it == planned.end() ? std::string() : differingKeys(record.config, it->second->config);
        if (differs.empty()) {
            matching.push_back(std::move(record));
        } else if (problems) {
            problems->push_back(record.dir + ": its config.json is not what the sweep plans for run " + it->second->id +
                                " (differs in: " + differs + "); left out of the sweep's figures");
        }
    }
    return matching;
}

} // namespace dropoutlab
