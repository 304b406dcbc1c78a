#pragma once

#include "dropoutlab/core/cancel_token.h"
#include "dropoutlab/core/observer.h"
#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/run_result.h"

#include <atomic>
#include <cstdint>
#include <fstream>
#include <iosfwd>
#include <string>
#include <vector>

namespace dropoutlab {

/// JSON text of a result (the result.json object).
std::string resultToJson(const RunResult& result, const std::string& runName);
/// Parses result.json text; `where` names the source in error messages.
RunResult resultFromJson(const std::string& text, const std::string& where);
/// One metrics.jsonl line (without the newline).
std::string epochToJsonLine(const EpochMetrics& metrics);
/// Parses one metrics.jsonl line.
EpochMetrics epochFromJsonLine(const std::string& line, const std::string& where);

/// Writes a run folder: config.json at the start, metrics.jsonl appended and synced to disk per
/// epoch (a run killed at any moment keeps every finished epoch), result.json written atomically
/// (temporary file + rename) at the end.
class RunWriter {
public:
    /// Creates `dir` (which must not hold a run already) and writes config.json.
    RunWriter(std::string dir, const ExperimentConfig& config);
    ~RunWriter();
    RunWriter(const RunWriter&) = delete;
    RunWriter& operator=(const RunWriter&) = delete;
    /// Appends one line; if the disk refuses it (full, read-only), the file is cut back to the
    /// epochs before and IoError says so.
    void appendEpoch(const EpochMetrics& metrics);
    void writeResult(const RunResult& result);
    const std::string& dir() const { return m_dir; }

private:
    std::string m_dir;
    std::string m_name;
    std::string m_metricsPath;
    int m_metrics = -1;  ///< file descriptor of metrics.jsonl
    int m_epochsWritten = 0;
};

/// Forwards to another observer and records each finished epoch with a RunWriter.
class RecordingObserver final : public ExperimentObserver {
public:
    RecordingObserver(RunWriter& writer, ExperimentObserver& inner);
    void onStart(const RunInfo& info) override;
    void onBatch(const BatchProgress& progress) override;
    void onEpoch(const EpochMetrics& metrics) override;
    void onLog(const std::string& line) override;
    std::string modelFile() const override;

private:
    RunWriter& m_writer;
    ExperimentObserver& m_inner;
};

/// Creates and returns a new, unique run folder in `workspace` named
/// "<yyyymmdd-hhmmss>-<slug of runName>" (a numeric suffix keeps names unique).
std::string createRunDirectory(const std::string& workspace, const std::string& runName);

/// A run read back from its folder.
struct RunRecord {
    std::string id;   ///< folder name
    std::string dir;
    ExperimentConfig config;
    RunResult result; ///< status Interrupted when result.json is absent (epochs from metrics.jsonl)
    bool hasModel = false;  ///< the folder held a saved model (kModelFileName) when it was read
};

/// Reads a run folder; throws IoError / ConfigError naming the file when it is unreadable.
RunRecord loadRun(const std::string& dir);
/// Reads every run folder directly inside `workspace` (folders holding config.json), sorted by id,
/// on all cores. With `problems`, a folder that cannot be read is skipped and its error appended
/// there; without, the first such error is thrown. When `cancel` becomes true the reading stops
/// soon and returns nothing.
std::vector<RunRecord> loadWorkspace(const std::string& workspace, std::vector<std::string>* problems = nullptr,
                                     const std::atomic<bool>* cancel = nullptr);
/// True when `dir` holds a run (config.json).
bool isRunDirectory(const std::string& dir);

/// results.json of several runs: an array of result objects (as in result.json), each with its
/// run id ("run") and its config ("config"). The app's File > Export, `run --json` and
/// `export --json` all write this.
std::string runsToJson(const std::vector<RunRecord>& runs);

/// Long table: run,epoch,metric,value (one row per epoch metric).
void writeLongCsv(const std::vector<RunRecord>& runs, std::ostream& out);
/// Wide table: one row per run with its configuration summary and final figures.
void writeSummaryCsv(const std::vector<RunRecord>& runs, std::ostream& out);
/// The rates a run's Concrete Dropout sites learned, at its last epoch: "fc1 0.071, conv2 0.12";
/// empty when it has none (or no epoch yet).
std::string learnedRatesSummary(const ExperimentConfig& config, const RunResult& result);

} // namespace dropoutlab
