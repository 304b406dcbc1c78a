#include "dropoutlab/core/errors.h"

#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/network.h"
#include "dropoutlab/core/results.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

namespace dropoutlab {
namespace fs = std::filesystem;
namespace {

std::string slug(const std::string& name)
{
    std::string text;
    for (const char c : name) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.';
        if (keep)
            text += c;
        else if (c >= 'A' && c <= 'Z')
            text += static_cast<char>(c - 'A' + 'a');
        else if (!text.empty() && text.back() != '-')
            text += '-';
    }
    while (!text.empty() && text.back() == '-')
        text.pop_back();
    return text.empty() ? "run" : text.substr(0, 48);
}

std::string timestamp()
{
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &local);
    return text;
}

} // namespace

RecordingObserver::RecordingObserver(RunWriter& writer, ExperimentObserver& inner)
    : m_writer(writer), m_inner(inner)
{
}

void RecordingObserver::onStart(const RunInfo& info)
{
    m_inner.onStart(info);
}

void RecordingObserver::onBatch(const BatchProgress& progress)
{
    m_inner.onBatch(progress);
}

void RecordingObserver::onEpoch(const EpochMetrics& metrics)
{
    m_writer.appendEpoch(metrics);
    m_inner.onEpoch(metrics);
}

void RecordingObserver::onLog(const std::string& line)
{
    m_inner.onLog(line);
}

std::string RecordingObserver::modelFile() const
{
    return (std::filesystem::path(m_writer.dir()) / kModelFileName).string();
}

RunWriter::RunWriter(std::string dir, const ExperimentConfig& config)
    : m_dir(std::move(dir)), m_name(config.name)
{
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec)
        throw IoError(m_dir + ": cannot create the run folder (" + ec.message() + ")");
    if (isRunDirectory(m_dir))
        throw IoError(m_dir + ": already holds a run (config.json); choose a new folder");
    writeFileAtomically((fs::path(m_dir) / "config.json").string(), configToJson(config));
    // The network beside the config, as a file the app, the CLI (--network) and Python read
    // (config.json holds the same layers and stays the run's record).
    writeNetworkFile((fs::path(m_dir) / kNetworkFileName).string(), networkDefinition(config));
    m_metricsPath = (fs::path(m_dir) / "metrics.jsonl").string();
    m_metrics = ::open(m_metricsPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (m_metrics < 0)
        throw IoError(m_metricsPath + ": cannot open for writing (" + std::strerror(errno) + ")");
}

RunWriter::~RunWriter()
{
    if (m_metrics >= 0)
        ::close(m_metrics);
}

void RunWriter::appendEpoch(const EpochMetrics& metrics)
{
    const std::string line = epochToJsonLine(metrics) + "\n";
    const off_t before = ::lseek(m_metrics, 0, SEEK_END);
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t wrote = ::write(m_metrics, line.data() + done, line.size() - done);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0) {
            const std::string reason = wrote < 0 ? std::strerror(errno) : "nothing written";
            // Never leave half a line: the next reader would stop there.
            if (before >= 0 && ::ftruncate(m_metrics, before) != 0) {
                // the partial line stays; readers skip a cut-off last line
            }
            throw IoError(m_metricsPath + ": cannot record epoch " + std::to_string(metrics.epoch) + " (" + reason +
                          "); the " + std::to_string(m_epochsWritten) + " epoch(s) before it are kept");
        }
        done += static_cast<std::size_t>(wrote);
    }
    // On disk, not just in the page cache: a power cut keeps this epoch too.
    ::fdatasync(m_metrics);
    ++m_epochsWritten;
}

void RunWriter::writeResult(const RunResult& result)
{
    writeFileAtomically((fs::path(m_dir) / "result.json").string(), resultToJson(result, m_name));
}

std::string createRunDirectory(const std::string& workspace, const std::string& runName)
{
    const fs::path base = fs::path(workspace) / (timestamp() + "-" + slug(runName));
    std::error_code ec;
    fs::create_directories(workspace, ec);
    if (ec)
        throw IoError(workspace + ": cannot create the results folder (" + ec.message() + ")");
    for (int suffix = 1; suffix < 10000; ++suffix) {
        const fs::path candidate = suffix == 1 ? base : fs::path(base.string() + "-" + std::to_string(suffix));
        // create_directory is atomic: it returns false when another process got there first.
        if (fs::create_directory(candidate, ec))
            return candidate.string();
        if (ec)
            throw IoError(candidate.string() + ": cannot create the run folder (" + ec.message() + ")");
    }
    throw IoError(base.string() + ": no free run folder name");
}

} // namespace dropoutlab
