#include "dropoutlab/core/json_stress.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/core/run_plan.h"
#include "dropoutlab/core/sweep_spec.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <stdexcept>

namespace fs = std::filesystem;

namespace dropoutlab {

namespace {

/// `{"x":[unit,unit,...]}` filling `bytes`.
std::string repeatedInArray(const std::string& unit, std::size_t bytes)
{
    const std::string head = "{\"x\":[", tail = "]}";
    std::string text = head;
    text.reserve(bytes);
    while (text.size() + unit.size() + 1 + tail.size() <= bytes) {
        if (text.size() > head.size())
            text += ',';
        text += unit;
    }
    return text + tail;
}

std::string manyKeys(std::size_t bytes)
{
    std::string text = "{";
    text.reserve(bytes);
    for (std::size_t i = 0;; ++i) {
        const std::string member = "\"k" + std::to_string(i) + "\":0";
        if (text.size() + member.size() + 2 > bytes)
            break;
        if (i > 0)
            text += ',';
        text += member;
    }
    return text + "}";
}

std::string nestedUnit()
{
    const int depth = kMaxJsonDepth - 2;  // inside the outer object and array
    return std::string(depth - 1, '[') + "{}" + std::string(depth - 1, ']');
}

} // namespace

const std::vector<std::string>& jsonStressShapes()
{
    static const std::vector<std::string> shapes{"objects", "arrays", "keys", "numbers",
                                                 "floats",  "strings", "nesting", "mixed"};
    return shapes;
}

std::string jsonStressDocument(const std::string& shape, std::size_t bytes)
{
    if (shape == "objects")
        return repeatedInArray("{}", bytes);
    if (shape == "arrays")
        return repeatedInArray("[]", bytes);
    if (shape == "keys")
        return manyKeys(bytes);
    if (shape == "numbers")
        return repeatedInArray("0", bytes);
    if (shape == "floats")
        return repeatedInArray("-1.2345678901234567e-300", bytes);
    if (shape == "strings")
        return repeatedInArray("\"" + std::string(kMaxJsonStringBytes - 16, 'a') + "\\u00e9\"", bytes);
    if (shape == "nesting")
        return repeatedInArray(nestedUnit(), bytes);
    if (shape == "mixed")
        return repeatedInArray(R"({"a":[1,2.5,"s",true,null,{"b":{}}],"c":"\n\t"})", bytes);
    throw std::invalid_argument("unknown JSON stress shape '" + shape + "'");
}

const std::vector<std::string>& jsonStressReaders()
{
    static const std::vector<std::string> readers{"config", "runs file", "sweep spec", "result.json",
                                                  "metrics line"};
    return readers;
}

std::vector<ReaderTiming> timeJsonReaders(const std::string& folder, std::size_t bytes)
{
    const fs::path root = fs::path(folder) / "json-stress";
    std::vector<ReaderTiming> timings;
    for (const auto& shape : jsonStressShapes()) {
        const std::string document = jsonStressDocument(shape, bytes);
        for (const auto& reader : jsonStressReaders()) {
            fs::remove_all(root);
            fs::create_directories(root);
            const std::string file = (root / "input.json").string();
            std::function<void()> read;
            if (reader == "config") {
                writeFileAtomically(file, document);
                read = [file] { loadConfigFile(file); };
            } else if (reader == "runs file") {
                writeFileAtomically(file, document);
                read = [file] { loadRunsFile(file); };
            } else if (reader == "sweep spec") {
                writeFileAtomically(file, document);
                read = [file] { loadSweepFile(file); };
            } else {
                writeFileAtomically((root / "config.json").string(), "{}");
                if (reader == "result.json")
                    writeFileAtomically((root / "result.json").string(), document);
                else  // a first line that must be read, since a later one follows
                    writeFileAtomically((root / "metrics.jsonl").string(), document + "\n{}\n");
                read = [dir = root.string()] { loadRun(dir); };
            }
            ReaderTiming timing{reader, shape, document.size(), 0.0, "accepted"};
            const auto start = std::chrono::steady_clock::now();
            try {
                read();
            } catch (const Error& error) {
                timing.outcome = error.what();
            }
            timing.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            timings.push_back(std::move(timing));
        }
    }
    fs::remove_all(root);
    return timings;
}

} // namespace dropoutlab
