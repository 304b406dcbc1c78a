#include "fuzz_targets.h"

#include "dataset_formats.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/idx_reader.h"
#include "dropoutlab/core/network.h"
#include "dropoutlab/core/presets.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/core/sweep.h"
#include "dropoutlab/core/zip_check.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace dropoutlab::fuzz {
namespace fs = std::filesystem;
namespace {

void require(bool ok, const std::string& invariant)
{
    if (!ok)
        throw std::logic_error("invariant broken: " + invariant);
}

/// Runs one reader on the input; its refusal (a dropoutlab::Error) is a fine outcome.
template <typename Read>
void mayRefuse(Read&& read)
{
    try {
        read();
    } catch (const Error&) {
    }
}

std::string text(const std::uint8_t* data, std::size_t size)
{
    return std::string(reinterpret_cast<const char*>(data), size);
}

/// An anonymous in-memory file reached through /proc/self/fd, so the reader runs its real
/// path (stat, gzip sniffing, zlib) without touching the disk.
class MemoryFile {
public:
    explicit MemoryFile(const std::string& bytes)
        : m_fd(::memfd_create("dropoutlab-fuzz", 0))
    {
        if (m_fd < 0)
            throw std::runtime_error("memfd_create failed");
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t wrote = ::write(m_fd, bytes.data() + done, bytes.size() - done);
            if (wrote <= 0)
                throw std::runtime_error("memfd write failed");
            done += static_cast<std::size_t>(wrote);
        }
    }
    ~MemoryFile() { ::close(m_fd); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;
    std::string path() const { return "/proc/self/fd/" + std::to_string(m_fd); }

private:
    int m_fd;
};

std::string gzipped(const std::string& bytes)
{
    z_stream stream{};
    if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int status = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    if (status != Z_STREAM_END)
        throw std::runtime_error("deflate did not finish");
    return out;
}

/// Reads the bytes as an IDX file of rank 1 and of rank 3; nullopt where the reader refused.
std::optional<IdxArray> readIdx(const std::string& bytes, int rank)
{
    const MemoryFile file(bytes);
    try {
        IdxArray array = readIdxFile(file.path(), rank);
        std::uint64_t product = 1;
        for (const auto dim : array.dims)
            product *= static_cast<std::uint64_t>(dim);
        require(static_cast<int>(array.dims.size()) == rank, "IDX rank matches the request");
        require(product == array.data.size(), "IDX data size is the product of the dimensions");
        require(array.data.size() <= kMaxIdxBytes, "IDX data within kMaxIdxBytes");
        return array;
    } catch (const DataError&) {
        return std::nullopt;
    }
}

/// A scratch folder per process for the targets that need real run folders.
const fs::path& scratch()
{
    static const fs::path dir = [] {
        const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        const fs::path made = base / ("dropoutlab-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(made);
        return made;
    }();
    return dir;
}

void writeFile(const fs::path& path, const std::string& contents)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
}

void checkRecordSurvivesExport(const RunRecord& record)
{
    std::ostringstream csv;
    writeLongCsv({record}, csv);
    writeSummaryCsv({record}, csv);
    // What the app writes back must read back as the same result.
    const std::string written = resultToJson(record.result, record.config.name);
    const RunResult again = resultFromJson(written, "round trip");
    require(resultToJson(again, record.config.name) == written, "result.json round trip is stable");
}

} // namespace

void idxRaw(const std::uint8_t* data, std::size_t size)
{
    const std::string bytes = text(data, size);
    readIdx(bytes, 1);
    readIdx(bytes, 3);
}

void idxGzip(const std::uint8_t* data, std::size_t size)
{
    // The input is the decompressed content, so the fuzzer explores IDX structure behind zlib.
    // Differential check: compressed and raw reads must agree.
    const std::string bytes = text(data, size);
    const std::string compressed = gzipped(bytes);
    for (const int rank : {1, 3}) {
        const auto raw = readIdx(bytes, rank);
        const auto viaGzip = readIdx(compressed, rank);
        require(raw.has_value() == viaGzip.has_value(), "raw and gzip reads accept the same content");
        if (raw)
            require(raw->dims == viaGzip->dims && raw->data == viaGzip->data, "raw and gzip reads give the same array");
    }
    // The trailer is checked and the stream must end the file: a missing length, data after the
    // stream and a second member are each refused, whatever the content.
    for (const int rank : {1, 3}) {
        require(!readIdx(compressed.substr(0, compressed.size() - 4), rank), "a gzip without its length is refused");
        require(!readIdx(compressed + "x", rank), "data after the gzip stream is refused");
        require(!readIdx(compressed + compressed, rank), "a second gzip member is refused");
    }
    // Cut-off and corrupted compressed streams.
    readIdx(compressed.substr(0, compressed.size() / 2), 1);
    if (compressed.size() > 20) {
        std::string corrupt = compressed;
        corrupt[compressed.size() / 2] = static_cast<char>(corrupt[compressed.size() / 2] ^ 0x5a);
        readIdx(corrupt, 3);
    }
}

void configJson(const std::uint8_t* data, std::size_t size)
{
    const std::string input = text(data, size);
    mayRefuse([&] { parseDropoutSpec(input); });
    // The other shape a --config file may have: a list of runs.
    mayRefuse([&] { require(!presetFromJson("fuzz", input).runs.empty(), "a preset has runs"); });
    const ExperimentConfig config = configFromJson(input, "fuzz.json");
    const std::string written = configToJson(config);
    const ExperimentConfig again = configFromJson(written, "round trip");
    require(configToJson(again) == written, "config.json round trip is stable");
    validateConfig(config);
    dropoutSummary(config);
}

void sweepSpec(const std::uint8_t* data, std::size_t size)
{
    const std::string input = text(data, size);
    mayRefuse([&] { parseSweepAxis(input); });
    mayRefuse([&] { parseShard(input); });
    const SweepSpec spec = sweepFromJson(input, "fuzz-sweep.json");
    const std::string written = sweepToJson(spec);
    require(sweepToJson(sweepFromJson(written, "round trip")) == written, "sweep.json round trip is stable");
    const std::vector<SweepRun> runs = expandSweep(spec);
    std::size_t sharded = 0;
    for (int k = 1; k <= 3; ++k)
        sharded += shardRuns(runs, k, 3).size();
    require(sharded == runs.size(), "three shards hold every run once");
    aggregateSweep(spec, {});
}

void runResults(const std::uint8_t* data, std::size_t size)
{
    const std::string input = text(data, size);
    const fs::path finished = scratch() / "finished";
    const fs::path interrupted = scratch() / "interrupted";
    fs::create_directories(finished);
    fs::create_directories(interrupted);
    const std::string config = configToJson(ExperimentConfig{});
    writeFile(finished / "config.json", config);
    writeFile(finished / "result.json", input);
    writeFile(interrupted / "config.json", config);
    writeFile(interrupted / "metrics.jsonl", input);
    for (const fs::path& dir : {finished, interrupted})
        mayRefuse([&] { checkRecordSurvivesExport(loadRun(dir.string())); });
    mayRefuse([&] { epochFromJsonLine(input, "fuzz line"); });
}

void checkDataset(const DatasetBytes& data)
{
    require(data.shape.classes >= kMinClasses && data.shape.classes <= kMaxClasses, "class count in range");
    require(data.classNames.size() == static_cast<std::size_t>(data.shape.classes), "one name per class");
    require(data.trainCount() >= 2 && data.testCount() >= 1, "a training and a test part");
    const auto values = static_cast<std::size_t>(data.imageBytes());
    if (data.isTable()) {
        require(data.trainValues.size() == values * data.trainLabels.size(), "a row of features per label");
        require(data.featureNames.size() == values, "a name per feature");
    } else {
        require(data.trainImages.size() == values * data.trainLabels.size(), "an image per training label");
        require(data.testImages.size() == values * data.testLabels.size(), "an image per test label");
    }
    for (const auto* labels : {&data.trainLabels, &data.testLabels})
        for (const std::int32_t label : *labels)
            require(label >= 0 && label < data.shape.classes, "labels in range");
    const DatasetSummary summary = summarise(data, "fuzz");
    require(summary.trainCount == data.trainCount(), "the summary counts the training part");
}

void csvTable(const std::uint8_t* data, std::size_t size)
{
    const fs::path file = scratch() / "table.csv";
    writeFile(file, text(data, size));
    mayRefuse([&] { checkDataset(loadDataset(file.string())); });
    // The label column chosen by name: the first header cell's text up to a separator.
    const std::string input = text(data, std::min<std::size_t>(size, 64));
    const std::string first = input.substr(0, input.find_first_of(",;\t\r\n"));
    mayRefuse([&] { checkDataset(loadDataset(file.string() + "#" + first)); });
}

void cifarBatches(const std::uint8_t* data, std::size_t size)
{
    // Byte 0: CIFAR-10 or -100 (bit 0) and whether a names file is there (bit 1); bytes 1-2: the
    // test batch's length; the rest: the training batch, then the test batch, then the names.
    if (size < 3)
        return;
    const bool hundred = data[0] & 1;
    const bool names = data[0] & 2;
    const std::size_t testBytes = std::min<std::size_t>(size - 3, std::size_t{data[1]} << 8 | data[2]);
    const std::string rest = text(data + 3, size - 3);
    const std::string train = rest.substr(0, rest.size() - testBytes);
    const fs::path dir = scratch() / "cifar";
    fs::remove_all(dir);
    fs::create_directories(dir);
    writeFile(dir / (hundred ? "train.bin" : "data_batch_1.bin"), train);
    writeFile(dir / (hundred ? "test.bin" : "test_batch.bin"), rest.substr(rest.size() - testBytes));
    if (names)
        writeFile(dir / (hundred ? "fine_label_names.txt" : "batches.meta.txt"), train.substr(0, 4096));
    mayRefuse([&] { checkDataset(loadDataset(dir.string())); });
}

void imageFolder(const std::uint8_t* data, std::size_t size)
{
    // The input as a picture on its own, then as every picture of a two-class folder, once with
    // a test part and once held out from train/.
    const std::string input = text(data, size);
    mayRefuse([&] {
        const detail::DecodedImage image = detail::decodeImage(input, "fuzz.png");
        require(image.channels == 1 || image.channels == 3, "1 or 3 channels");
        require(image.pixels.size() == static_cast<std::size_t>(image.channels) * static_cast<std::size_t>(image.height) *
                                           static_cast<std::size_t>(image.width),
                "pixels of the decoded size");
    });
    const fs::path dir = scratch() / "pictures";
    fs::remove_all(dir);
    for (const char* path : {"train/a/1.png", "train/a/2.jpg", "train/b/3.png", "test/b/4.png"}) {
        fs::create_directories((dir / path).parent_path());
        writeFile(dir / path, input);
    }
    mayRefuse([&] { checkDataset(loadDataset(dir.string())); });
    fs::remove_all(dir / "test");
    mayRefuse([&] { checkDataset(loadDataset(dir.string())); });
}

void networkJson(const std::uint8_t* data, std::size_t size)
{
    const std::string input = text(data, size);
    // What the editor shows for any definition: checking never throws, and agrees with reading.
    const NetworkSpec definition = networkFromJson(input, "fuzz-network.json");
    const NetworkCheck check = checkNetwork(definition);
    require(check.ok(), "a network that reads is valid for the editor too");
    require(check.validLayers == definition.layers.size(), "every layer of a valid network is inferred");
    const std::string written = networkToJson(definition);
    require(networkFromJson(written, "round trip") == definition, "network.json round trip is stable");
    const NetworkSpec inferred = inferShapes(definition);
    require(parameterCount(inferred) <= kMaxNetworkParameters, "the parameter limit holds");
    for (const LayerSpec& layer : inferred.layers) {
        layerSettingsText(layer);
        require(!shapeText(layer).empty(), "every layer has a shape");
    }
    dropoutSites(inferred);
    trainFlopsPerImage(inferred);
    describeNetwork(inferred);
}

void modelArchive(const std::uint8_t* data, std::size_t size)
{
    mayRefuse([&] { checkZipArchive(text(data, size), "fuzz model.pt"); });
}

const std::vector<Target>& targets()
{
    static const std::vector<Target> all = {
        {"idx_raw", &idxRaw},
        {"idx_gzip", &idxGzip},
        {"config_json", &configJson},
        {"sweep_spec", &sweepSpec},
        {"run_results", &runResults},
        {"model_archive", &modelArchive},
        {"network_json", &networkJson},
        {"csv_table", &csvTable},
        {"cifar_batches", &cifarBatches},
        {"image_folder", &imageFolder},
    };
    return all;
}

} // namespace dropoutlab::fuzz
