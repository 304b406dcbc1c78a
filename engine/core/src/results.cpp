#include "dropoutlab/core/results.h"

#include "config_json.h"
#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/network.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <optional>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dropoutlab {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json epochToJson(const EpochMetrics& m)
{
    json object = {{"epoch", m.epoch},           {"train_loss", m.trainLoss},       {"train_accuracy", m.trainAccuracy},
                   {"val_loss", m.valLoss},       {"val_accuracy", m.valAccuracy},   {"seconds", m.seconds},
                   {"train_seconds", m.trainSeconds}, {"val_seconds", m.valSeconds}};
    if (m.trainEvalLoss && m.trainEvalAccuracy) {
        object["train_eval_loss"] = *m.trainEvalLoss;
        object["train_eval_accuracy"] = *m.trainEvalAccuracy;
        object["train_eval_seconds"] = m.trainEvalSeconds;
    }
    if (!m.dropoutRates.empty())
        object["dropout_rates"] = m.dropoutRates;
    return object;
}

constexpr double kMaxSeconds = 1e9;  // ~30 years
constexpr double kMaxLoss = 1e30;

double accuracyAt(const json& object, const char* key, const std::string& where)
{
    return detail::numberValue(object.at(key), where, key, 0.0, 1.0);
}

double optionalAt(const json& object, const char* key, const std::string& where, double min, double max,
                  double fallback)
{
    return object.contains(key) ? detail::numberValue(object[key], where, key, min, max) : fallback;
}

EpochMetrics epochFromJson(const json& object, const std::string& where)
{
    detail::checkKeys(object,
                      {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds", "train_seconds",
                       "val_seconds", "train_eval_loss", "train_eval_accuracy", "train_eval_seconds", "dropout_rates"},
                      where);
    try {
        EpochMetrics m;
        m.epoch = static_cast<int>(detail::integerValue(object.at("epoch"), where, "epoch", 1, kMaxEpochs));
        m.trainLoss = detail::numberValue(object.at("train_loss"), where, "train_loss", 0.0, kMaxLoss);
        m.trainAccuracy = accuracyAt(object, "train_accuracy", where);
        m.valLoss = detail::numberValue(object.at("val_loss"), where, "val_loss", 0.0, kMaxLoss);
        m.valAccuracy = accuracyAt(object, "val_accuracy", where);
        m.seconds = detail::numberValue(object.at("seconds"), where, "seconds", 0.0, kMaxSeconds);
        m.trainSeconds = optionalAt(object, "train_seconds", where, 0.0, kMaxSeconds, 0.0);
        m.valSeconds = optionalAt(object, "val_seconds", where, 0.0, kMaxSeconds, 0.0);
        if (object.contains("train_eval_loss") != object.contains("train_eval_accuracy"))
            throw IoError(where + ": 'train_eval_loss' and 'train_eval_accuracy' come together; found only one");
        if (object.contains("train_eval_loss")) {
            m.trainEvalLoss = detail::numberValue(object["train_eval_loss"], where, "train_eval_loss", 0.0, kMaxLoss);
            m.trainEvalAccuracy = accuracyAt(object, "train_eval_accuracy", where);
            m.trainEvalSeconds = optionalAt(object, "train_eval_seconds", where, 0.0, kMaxSeconds, 0.0);
        }
        if (object.contains("dropout_rates")) {
            const json& rates = object["dropout_rates"];
            if (!rates.is_object() || rates.size() > static_cast<std::size_t>(kMaxDropoutSitesPerNetwork))
                throw IoError(where + ": 'dropout_rates' must be an object of at most " +
                              std::to_string(kMaxDropoutSitesPerNetwork) + " site rates");
            for (const auto& item : rates.items())
                m.dropoutRates[item.key()] = detail::numberValue(item.value(), where, "dropout_rates", 0.0, 1.0);
        }
        return m;
    } catch (const json::exception& error) {
        throw IoError(where + ": malformed epoch record (" + error.what() + ")");
    }
}

std::optional<double> optionalNumber(const json& object, const char* key, const std::string& where, double min,
                                     double max)
{
    if (!object.contains(key) || object[key].is_null())
        return std::nullopt;
    return detail::numberValue(object[key], where, key, min, max);
}

/// Epoch records come once each and in order: record `count + 1` must be epoch `count + 1`.
void checkEpochOrder(int epoch, int count, const std::string& where)
{
    if (epoch == count + 1)
        return;
    throw IoError(where + ": epoch " + std::to_string(epoch) +
                  (epoch <= count ? " repeats or goes back" : " skips ahead") + " after epoch " + std::to_string(count) +
                  "; expected epoch " + std::to_string(count + 1) + " (each epoch is recorded once, in order)");
}

std::vector<EpochMetrics> readMetricsFile(const std::string& path)
{
    std::error_code missing;
    if (!fs::exists(fs::symlink_status(path, missing)))
        return {};  // killed before its first epoch was recorded
    std::istringstream in(readTextFile(path, kMaxMetricsFileBytes));
    std::vector<EpochMetrics> epochs;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        if (epochs.size() >= static_cast<std::size_t>(kMaxEpochs))
            throw IoError(path + ": more than " + std::to_string(kMaxEpochs) + " epoch records");
        const std::string where = path + ":" + std::to_string(number);
        json object;
        try {
            object = detail::parseJsonText(line, where);
        } catch (const Error&) {
            // A line cut short by a crash is the last one; keep the complete epochs before it.
            // (A complete line with wrong content is refused below, last or not.)
            if (in.peek() == std::char_traits<char>::eof())
                break;
            throw;
        }
        const EpochMetrics epoch = epochFromJson(object, where);
        checkEpochOrder(epoch.epoch, static_cast<int>(epochs.size()), where);
        epochs.push_back(epoch);
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

double trainValGap(const EpochMetrics& metrics, bool* dropoutOff)
{
    if (dropoutOff)
        *dropoutOff = metrics.trainEvalAccuracy.has_value();
    return metrics.trainEvalAccuracy.value_or(metrics.trainAccuracy) - metrics.valAccuracy;
}

std::optional<double> valTrainLossGap(const EpochMetrics& metrics)
{
    if (!metrics.trainEvalLoss)
        return std::nullopt;
    return metrics.valLoss - *metrics.trainEvalLoss;
}

std::string epochSummary(const EpochMetrics& m)
{
    char text[256];
    std::string off;
    if (m.trainEvalLoss && m.trainEvalAccuracy) {
        std::snprintf(text, sizeof text, " (dropout off: loss %.4f acc %.2f%%)", *m.trainEvalLoss,
                      100.0 * *m.trainEvalAccuracy);
        off = text;
    }
    std::snprintf(text, sizeof text, "train loss %.4f acc %.2f%%", m.trainLoss, 100.0 * m.trainAccuracy);
    std::string summary = text + off;
    std::snprintf(text, sizeof text, " | val loss %.4f acc %.2f%%", m.valLoss, 100.0 * m.valAccuracy);
    return summary + text;
}

void addEpoch(RunResult& result, const EpochMetrics& metrics)
{
    result.epochs.push_back(metrics);
    result.bestValAccuracy = std::max(result.bestValAccuracy, metrics.valAccuracy);
}

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

namespace {

json resultObject(const RunResult& result, const std::string& runName)
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
    if (result.modelCrc32)
        object["model_crc32"] = *result.modelCrc32;
    if (!result.classNames.empty())
        object["class_names"] = result.classNames;
    return object;
}

} // namespace

std::string resultToJson(const RunResult& result, const std::string& runName)
{
    return detail::dumpJson(resultObject(result, runName), 2) + "\n";
}

std::string runsToJson(const std::vector<RunRecord>& runs)
{
    json array = json::array();
    for (const auto& run : runs) {
        json object = resultObject(run.result, run.config.name);
        object["run"] = run.id;
        object["config"] = detail::configToJsonObject(run.config);
        array.push_back(std::move(object));
    }
    return detail::dumpJson(array, 2) + "\n";
}

RunResult resultFromJson(const std::string& text, const std::string& where)
{
    const json object = detail::parseJsonText(text, where);
    detail::checkKeys(object,
                      {"name", "status", "message", "test_accuracy", "test_loss", "best_val_accuracy", "wall_seconds",
                       "device", "threads", "epochs", "diverged_at", "early_stopping", "model_crc32", "class_names"},
                      where);
    try {
        RunResult result;
        result.status = parseRunStatus(detail::stringValue(object.at("status"), where, "status", 32), where);
        if (object.contains("message"))
            result.message = detail::stringValue(object["message"], where, "message", kMaxJsonStringBytes);
        result.testAccuracy = optionalNumber(object, "test_accuracy", where, 0.0, 1.0);
        result.testLoss = optionalNumber(object, "test_loss", where, 0.0, kMaxLoss);
        result.bestValAccuracy = optionalAt(object, "best_val_accuracy", where, 0.0, 1.0, 0.0);
        result.wallSeconds = optionalAt(object, "wall_seconds", where, 0.0, kMaxSeconds, 0.0);
        if (object.contains("device"))
            result.device = detail::stringValue(object["device"], where, "device", 64);
        if (object.contains("threads"))
            result.threads = static_cast<int>(detail::integerValue(object["threads"], where, "threads", 0, kMaxThreads));
        if (object.contains("epochs")) {
            const json& epochs = object["epochs"];
            if (!epochs.is_array() || epochs.size() > static_cast<std::size_t>(kMaxEpochs))
                throw ConfigError(where + ": 'epochs' must be a list of at most " + std::to_string(kMaxEpochs) +
                                  " epoch records");
            for (std::size_t i = 0; i < epochs.size(); ++i) {
                const std::string at = where + ": epochs[" + std::to_string(i) + "]";
                result.epochs.push_back(epochFromJson(epochs[i], at));
                checkEpochOrder(result.epochs.back().epoch, static_cast<int>(i), at);
            }
        }
        if (object.contains("early_stopping")) {
            const json& early = object["early_stopping"];
            const std::string earlyWhere = where + ": early_stopping";
            detail::checkKeys(early, {"stopped_early", "best_epoch"}, earlyWhere);
            if (early.contains("stopped_early"))
                result.stoppedEarly = detail::boolValue(early["stopped_early"], earlyWhere, "stopped_early");
            if (early.contains("best_epoch"))
                result.bestEpoch =
                    static_cast<int>(detail::integerValue(early["best_epoch"], earlyWhere, "best_epoch", 0, kMaxEpochs));
        }
        if (object.contains("model_crc32"))
            result.modelCrc32 = static_cast<std::uint32_t>(
                detail::integerValue(object["model_crc32"], where, "model_crc32", 0, std::int64_t{0xffffffff}));
        if (object.contains("class_names")) {
            const json& names = object["class_names"];
            if (!names.is_array() || names.size() < static_cast<std::size_t>(kMinClasses) ||
                names.size() > static_cast<std::size_t>(kMaxClasses))
                throw IoError(where + ": 'class_names' must be a list of " + std::to_string(kMinClasses) + " to " +
                              std::to_string(kMaxClasses) + " names");
            for (const auto& name : names)
                result.classNames.push_back(detail::stringValue(name, where, "class_names", kMaxNameBytes));
        }
        if (object.contains("diverged_at")) {
            const json& diverged = object["diverged_at"];
            const std::string divergedWhere = where + ": diverged_at";
            detail::checkKeys(diverged, {"epoch", "batch"}, divergedWhere);
            if (diverged.contains("epoch"))
                result.divergedEpoch =
                    static_cast<int>(detail::integerValue(diverged["epoch"], divergedWhere, "epoch", 0, kMaxEpochs));
            if (diverged.contains("batch"))
                result.divergedBatch = static_cast<int>(
                    detail::integerValue(diverged["batch"], divergedWhere, "batch", 0, std::numeric_limits<int>::max()));
        }
        return result;
    } catch (const json::exception& error) {
        throw IoError(where + ": malformed result (" + error.what() + ")");
    }
}

std::string epochToJsonLine(const EpochMetrics& metrics)
{
    return detail::dumpJson(epochToJson(metrics));
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
    record.hasModel = fs::is_regular_file(root / kModelFileName, ec);
    if (fs::exists(fs::symlink_status(resultPath, ec))) {  // readTextFile refuses anything but a plain file
        record.result = resultFromJson(readTextFile(resultPath.string(), kMaxJsonFileBytes), resultPath.string());
        return record;
    }
    record.result.status = RunStatus::Interrupted;
    record.result.message = "no result.json: the run is still going or was interrupted";
    for (const auto& m : readMetricsFile((root / "metrics.jsonl").string()))
        addEpoch(record.result, m);
    return record;
}

std::vector<RunRecord> loadWorkspace(const std::string& workspace, std::vector<std::string>* problems,
                                     const std::atomic<bool>* cancel)
{
    const auto cancelled = [cancel] { return cancel && cancel->load(); };
    std::error_code ec;
    if (!fs::is_directory(workspace, ec))
        throw IoError(workspace + ": folder not found");
    std::vector<std::string> dirs;
    fs::directory_iterator it(workspace, ec);
    if (ec)
        throw IoError(workspace + ": cannot list the folder (" + ec.message() + ")");
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec)
            throw IoError(workspace + ": cannot list the folder (" + ec.message() + ")");
        if (cancelled())
            return {};
        std::error_code typeError;
        if (it->is_directory(typeError) && isRunDirectory(it->path().string()))
            dirs.push_back(it->path().string());
        if (dirs.size() > kMaxWorkspaceRuns)
            throw IoError(workspace + ": holds more than " + std::to_string(kMaxWorkspaceRuns) +
                          " run folders; open a folder with fewer runs");
    }
    if (ec)
        throw IoError(workspace + ": cannot list the folder (" + ec.message() + ")");
    std::sort(dirs.begin(), dirs.end());
    // Reading a run is file opens and JSON parsing, independent per folder: spread over the cores
    // (100,000 runs take seconds on one). Outcomes keep the folders' order, errors included.
    std::vector<std::optional<RunRecord>> loaded(dirs.size());
    std::vector<std::exception_ptr> failures(dirs.size());
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t i = next++; i < dirs.size() && !cancelled(); i = next++) {
            try {
                loaded[i] = loadRun(dirs[i]);
            } catch (...) {
                failures[i] = std::current_exception();
            }
        }
    };
    const std::size_t threads =
        std::min<std::size_t>({std::max(1u, std::thread::hardware_concurrency()), 8, dirs.size() / 64 + 1});
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < threads; ++t)
        helpers.emplace_back(work);
    work();
    for (auto& helper : helpers)
        helper.join();
    if (cancelled())
        return {};
    std::vector<RunRecord> runs;
    runs.reserve(dirs.size());
    for (std::size_t i = 0; i < dirs.size(); ++i) {
        if (loaded[i]) {
            runs.push_back(std::move(*loaded[i]));
            continue;
        }
        try {
            std::rethrow_exception(failures[i]);
        } catch (const Error& error) {
            if (!problems)
                throw;
            problems->push_back(error.what());
        }
    }
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
            if (m.trainEvalLoss && m.trainEvalAccuracy) {
                out << prefix << m.epoch << ",train_eval_loss," << number(*m.trainEvalLoss) << "\n";
                out << prefix << m.epoch << ",train_eval_accuracy," << number(*m.trainEvalAccuracy) << "\n";
            }
        }
    }
}

namespace {
/// "cat|dog|emu": the result's class names, or the class count where it has none.
std::string joinedClassNames(const std::vector<std::string>& names, int classes)
{
    if (names.empty())
        return std::to_string(classes);
    std::string out;
    for (const auto& name : names)
        out += (out.empty() ? "" : "|") + name;
    return out;
}
} // namespace

std::string learnedRatesSummary(const ExperimentConfig& config, const RunResult& result)
{
    if (result.epochs.empty())
        return {};
    std::string text;
    for (const auto& [site, setting] : config.dropout) {
        const auto it = result.epochs.back().dropoutRates.find(site);
        if (setting.kind != DropoutKind::Concrete || it == result.epochs.back().dropoutRates.end())
            continue;
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.3g", it->second);
        text += (text.empty() ? "" : ", ") + site + " " + rate;
    }
    return text;
}

void writeSummaryCsv(const std::vector<RunRecord>& runs, std::ostream& out)
{
    // final_train_accuracy is the running one (dropout on); the gap is measured with dropout off
    // where the run has that metric, and its own column says which.
    out << "run,name,model,dropout,status,epochs,test_accuracy,test_loss,best_val_accuracy,final_train_accuracy,"
           "final_train_eval_accuracy,final_val_accuracy,train_val_gap,gap_with_dropout,wall_seconds,device,data,input,"
           "classes,learned_rates\n";
    for (const auto& run : runs) {
        const auto& r = run.result;
        std::string finalTrain, finalTrainEval, finalVal, gap, gapBasis;
        if (!r.epochs.empty()) {
            const EpochMetrics& last = r.epochs.back();
            finalTrain = number(last.trainAccuracy);
            finalTrainEval = optionalField(last.trainEvalAccuracy);
            finalVal = number(last.valAccuracy);
            bool dropoutOff = false;
            gap = number(trainValGap(last, &dropoutOff));
            gapBasis = dropoutOff ? "off" : "on";
        }
        out << csvField(run.id) << "," << csvField(run.config.name) << "," << csvField(networkName(run.config)) << ","
            << csvField(dropoutSummary(run.config)) << "," << toString(r.status) << "," << r.epochs.size() << ","
            << optionalField(r.testAccuracy) << "," << optionalField(r.testLoss) << "," << number(r.bestValAccuracy)
            << "," << finalTrain << "," << finalTrainEval << "," << finalVal << "," << gap << "," << gapBasis << ","
            << number(r.wallSeconds) << "," << csvField(r.device) << ","
            << csvField(run.config.dataDir.empty() ? std::string("mnist") : run.config.dataDir) << ","
            << shapeText(run.config.input) << "," << csvField(joinedClassNames(r.classNames, run.config.input.classes))
            << "," << csvField(learnedRatesSummary(run.config, r)) << "\n";
    }
}

void writeFileAtomically(const std::string& path, const std::string& contents)
{
    // One temporary name per process: concurrent writers (sweep shards) never share one.
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw IoError(path + ": cannot write (" + std::strerror(errno) + ")");
    const auto fail = [&](const std::string& reason) {
        ::close(fd);
        ::unlink(temporary.c_str());  // the old file, if any, stays as it was
        throw IoError(path + ": cannot write (" + reason + ")");
    };
    std::size_t done = 0;
    while (done < contents.size()) {
        const ssize_t wrote = ::write(fd, contents.data() + done, contents.size() - done);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            fail(wrote < 0 ? std::strerror(errno) : "nothing written");
        done += static_cast<std::size_t>(wrote);
    }
    // Data on disk before the rename, so a crash leaves the old file or the new one, never an empty one.
    if (::fsync(fd) != 0 && errno != EINVAL)
        fail(std::strerror(errno));
    if (::close(fd) != 0) {
        ::unlink(temporary.c_str());
        throw IoError(path + ": cannot write (" + std::strerror(errno) + ")");
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        throw IoError(path + ": cannot replace with " + temporary + " (" + reason + ")");
    }
}

std::string readTextFile(const std::string& path, std::uint64_t maxBytes)
{
    // One open and one fstat of the opened file (a workspace of 100,000 runs reads 300,000 files;
    // checking the path first and opening it after would also leave a gap for a swap). O_NONBLOCK:
    // opening a FIFO must not wait for a writer; it is refused below as not a plain file.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        throw IoError(path + ": cannot open for reading (missing or unreadable)");
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0)
        throw IoError(path + ": cannot open for reading (missing or unreadable)");
    // A FIFO or device would block or never end; only plain files are read.
    if (!S_ISREG(info.st_mode))
        throw IoError(path + ": not a regular file");
    const auto tooLarge = [&](std::uint64_t bytes) {
        return IoError(path + ": " + std::to_string(bytes) + " bytes; expected at most " + std::to_string(maxBytes));
    };
    // The size a file reports is checked first, so a huge file is refused before any reading...
    const auto size = static_cast<std::uint64_t>(info.st_size);
    if (size > maxBytes)
        throw tooLarge(size);
    // ...and what is read is counted, for files that grow or report no size.
    std::string text;
    text.reserve(static_cast<std::size_t>(size));
    char chunk[64 * 1024];
    for (;;) {
        const ssize_t got = ::read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            throw IoError(path + ": read failed (" + std::strerror(errno) + ")");
        if (got == 0)
            break;
        text.append(chunk, static_cast<std::size_t>(got));
        if (text.size() > maxBytes)
            throw tooLarge(text.size());
    }
    return text;
}

} // namespace dropoutlab
