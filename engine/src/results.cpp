#include "dropoutlab/results.h"

#include "config_json.h"
#include "dropoutlab/errors.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <unistd.h>

namespace dropoutlab {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json epochToJson(const EpochMetrics& m)
{
    return {{"epoch", m.epoch},           {"train_loss", m.trainLoss},       {"train_accuracy", m.trainAccuracy},
            {"val_loss", m.valLoss},       {"val_accuracy", m.valAccuracy},   {"seconds", m.seconds},
            {"train_seconds", m.trainSeconds}, {"val_seconds", m.valSeconds}};
}

EpochMetrics epochFromJson(const json& object, const std::string& where)
{
    try {
        EpochMetrics m;
        m.epoch = object.at("epoch").get<int>();
        m.trainLoss = object.at("train_loss").get<double>();
        m.trainAccuracy = object.at("train_accuracy").get<double>();
        m.valLoss = object.at("val_loss").get<double>();
        m.valAccuracy = object.at("val_accuracy").get<double>();
        m.seconds = object.at("seconds").get<double>();
        m.trainSeconds = object.value("train_seconds", 0.0);
        m.valSeconds = object.value("val_seconds", 0.0);
        return m;
    } catch (const json::exception& error) {
        throw IoError(where + ": malformed epoch record (" + error.what() + ")");
    }
}

std::optional<double> optionalNumber(const json& object, const char* key)
{
    if (!object.contains(key) || object[key].is_null())
        return std::nullopt;
    return object[key].get<double>();
}

std::vector<EpochMetrics> readMetricsFile(const std::string& path)
{
    std::vector<EpochMetrics> epochs;
    std::ifstream in(path);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        try {
            epochs.push_back(epochFromJsonLine(line, path + ":" + std::to_string(number)));
        } catch (const Error&) {
            // A line cut short by a crash is the last one; keep the complete epochs before it.
            if (in.peek() == std::char_traits<char>::eof())
                break;
            throw;
        }
    }
    return epochs;
}

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (const char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string number(double value)
{
    std::ostringstream out;
    out << std::setprecision(10) << value;
    return out.str();
}

std::string optionalField(const std::optional<double>& value)
{
    return value ? number(*value) : std::string();
}

} // namespace

std::string toString(RunStatus status)
{
    switch (status) {
    case RunStatus::Completed: return "completed";
    case RunStatus::Cancelled: return "cancelled";
    case RunStatus::Diverged: return "diverged";
    case RunStatus::Failed: return "failed";
    case RunStatus::Stopped: return "stopped";
    case RunStatus::Interrupted: return "interrupted";
    }
    return "failed";
}

RunStatus parseRunStatus(const std::string& text, const std::string& where)
{
    for (const auto status : {RunStatus::Completed, RunStatus::Cancelled, RunStatus::Diverged, RunStatus::Failed,
                              RunStatus::Stopped, RunStatus::Interrupted}) {
        if (toString(status) == text)
            return status;
    }
    throw ConfigError(where + ": unknown status '" + text + "'; expected completed, cancelled, diverged or failed");
}

std::string resultToJson(const RunResult& result, const std::string& runName)
{
    json epochs = json::array();
    for (const auto& m : result.epochs)
        epochs.push_back(epochToJson(m));
    json object = {
        {"name", runName},
        {"status", toString(result.status)},
        {"message", result.message},
        {"test_accuracy", result.testAccuracy ? json(*result.testAccuracy) : json(nullptr)},
        {"test_loss", result.testLoss ? json(*result.testLoss) : json(nullptr)},
        {"best_val_accuracy", result.bestValAccuracy},
        {"wall_seconds", result.wallSeconds},
        {"device", result.device},
        {"threads", result.threads},
        {"epochs", epochs},
    };
    if (result.status == RunStatus::Diverged)
        object["diverged_at"] = {{"epoch", result.divergedEpoch}, {"batch", result.divergedBatch}};
    if (result.stoppedEarly || result.bestEpoch > 0)
        object["early_stopping"] = {{"stopped_early", result.stoppedEarly}, {"best_epoch", result.bestEpoch}};
    return object.dump(2) + "\n";
}

RunResult resultFromJson(const std::string& text, const std::string& where)
{
    const json object = detail::parseJsonText(text, where);
    try {
        RunResult result;
        result.status = parseRunStatus(object.at("status").get<std::string>(), where);
        result.message = object.value("message", "");
        result.testAccuracy = optionalNumber(object, "test_accuracy");
        result.testLoss = optionalNumber(object, "test_loss");
        result.bestValAccuracy = object.value("best_val_accuracy", 0.0);
        result.wallSeconds = object.value("wall_seconds", 0.0);
        result.device = object.value("device", "");
        result.threads = object.value("threads", 0);
        for (const auto& epoch : object.value("epochs", json::array()))
            result.epochs.push_back(epochFromJson(epoch, where));
        if (object.contains("early_stopping")) {
            result.stoppedEarly = object["early_stopping"].value("stopped_early", false);
            result.bestEpoch = object["early_stopping"].value("best_epoch", 0);
        }
        if (object.contains("diverged_at")) {
            result.divergedEpoch = object["diverged_at"].value("epoch", 0);
            result.divergedBatch = object["diverged_at"].value("batch", 0);
        }
        return result;
    } catch (const json::exception& error) {
        throw IoError(where + ": malformed result (" + error.what() + ")");
    }
}

std::string epochToJsonLine(const EpochMetrics& metrics)
{
    return epochToJson(metrics).dump();
}

EpochMetrics epochFromJsonLine(const std::string& line, const std::string& where)
{
    return epochFromJson(detail::parseJsonText(line, where), where);
}

bool isRunDirectory(const std::string& dir)
{
    std::error_code ec;
    return fs::is_regular_file(fs::path(dir) / "config.json", ec);
}

RunRecord loadRun(const std::string& dir)
{
    const fs::path root(dir);
    RunRecord record;
    record.dir = dir;
    record.id = root.filename().empty() ? root.parent_path().filename().string() : root.filename().string();
    record.config = loadConfigFile((root / "config.json").string());
    const fs::path resultPath = root / "result.json";
    std::error_code ec;
    if (fs::is_regular_file(resultPath, ec)) {
        record.result = resultFromJson(readTextFile(resultPath.string()), resultPath.string());
        return record;
    }
    record.result.status = RunStatus::Interrupted;
    record.result.message = "no result.json: the run is still going or was interrupted";
    record.result.epochs = readMetricsFile((root / "metrics.jsonl").string());
    for (const auto& m : record.result.epochs)
        record.result.bestValAccuracy = std::max(record.result.bestValAccuracy, m.valAccuracy);
    return record;
}

std::vector<RunRecord> loadWorkspace(const std::string& workspace)
{
    std::error_code ec;
    if (!fs::is_directory(workspace, ec))
        throw IoError(workspace + ": folder not found");
    std::vector<std::string> dirs;
    for (const auto& entry : fs::directory_iterator(workspace, ec)) {
        if (entry.is_directory() && isRunDirectory(entry.path().string()))
            dirs.push_back(entry.path().string());
    }
    std::sort(dirs.begin(), dirs.end());
    std::vector<RunRecord> runs;
    for (const auto& dir : dirs)
        runs.push_back(loadRun(dir));
    return runs;
}

void writeLongCsv(const std::vector<RunRecord>& runs, std::ostream& out)
{
    out << "run,name,epoch,metric,value\n";
    for (const auto& run : runs) {
        const std::string prefix = csvField(run.id) + "," + csvField(run.config.name) + ",";
        for (const auto& m : run.result.epochs) {
            const std::pair<const char*, double> values[] = {{"train_loss", m.trainLoss},
                                                              {"train_accuracy", m.trainAccuracy},
                                                              {"val_loss", m.valLoss},
                                                              {"val_accuracy", m.valAccuracy},
                                                              {"seconds", m.seconds}};
            for (const auto& [metric, value] : values)
                out << prefix << m.epoch << "," << metric << "," << number(value) << "\n";
        }
    }
}

void writeSummaryCsv(const std::vector<RunRecord>& runs, std::ostream& out)
{
    out << "run,name,model,dropout,status,epochs,test_accuracy,test_loss,best_val_accuracy,final_train_accuracy,"
           "final_val_accuracy,train_val_gap,wall_seconds,device\n";
    for (const auto& run : runs) {
        const auto& r = run.result;
        std::string finalTrain, finalVal, gap;
        if (!r.epochs.empty()) {
            finalTrain = number(r.epochs.back().trainAccuracy);
            finalVal = number(r.epochs.back().valAccuracy);
            gap = number(r.epochs.back().trainAccuracy - r.epochs.back().valAccuracy);
        }
        out << csvField(run.id) << "," << csvField(run.config.name) << "," << toString(run.config.model) << ","
            << csvField(dropoutSummary(run.config)) << "," << toString(r.status) << "," << r.epochs.size() << ","
            << optionalField(r.testAccuracy) << "," << optionalField(r.testLoss) << "," << number(r.bestValAccuracy)
            << "," << finalTrain << "," << finalVal << "," << gap << "," << number(r.wallSeconds) << ","
            << csvField(r.device) << "\n";
    }
}

void writeFileAtomically(const std::string& path, const std::string& contents)
{
    // One temporary name per process: concurrent writers (sweep shards) never share one.
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            throw IoError(temporary + ": cannot open for writing");
        out << contents;
        out.flush();
        if (!out)
            throw IoError(temporary + ": write failed (disk full?)");
    }
    std::error_code ec;
    fs::rename(temporary, path, ec);
    if (ec)
        throw IoError(path + ": cannot replace with " + temporary + " (" + ec.message() + ")");
}

std::string readTextFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError(path + ": cannot open for reading (missing or unreadable)");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace dropoutlab
