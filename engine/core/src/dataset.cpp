#include "dropoutlab/core/dataset.h"

#include "dropoutlab/core/data_split.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/idx_reader.h"
#include "dataset_formats.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace dropoutlab {
namespace fs = std::filesystem;
namespace {

/// Accepts the usual spellings: train-images-idx3-ubyte, train-images.idx3-ubyte, optionally .gz.
std::string findFile(const fs::path& dir, const std::string& stem, const std::string& idxKind)
{
    for (const char* sep : {"-", "."}) {
        for (const char* suffix : {"", ".gz"}) {
            const fs::path candidate = dir / (stem + sep + idxKind + "-ubyte" + suffix);
            std::error_code ec;
            if (fs::is_regular_file(candidate, ec))
                return candidate.string();
        }
    }
    throw DataError((dir / (stem + "-" + idxKind + "-ubyte")).string() +
                    ": file not found (also looked for .gz and '" + stem + "." + idxKind + "-ubyte' spellings)");
}

/// Images N x H x W (one channel) or N x H x W x C (C = 1 or 3, interleaved) into planar bytes.
DataShape imageShape(const IdxArray& images, const std::string& path)
{
    DataShape shape;
    const auto side = [&](std::int64_t value, const char* what) {
        if (value < 1 || value > kMaxImageSide)
            throw DataError(path + ": images are " + std::to_string(value) + " pixels " + what + "; expected 1 to " +
                            std::to_string(kMaxImageSide));
        return static_cast<int>(value);
    };
    shape.height = side(images.dims[1], "high");
    shape.width = side(images.dims[2], "wide");
    if (images.dims.size() == 4) {
        if (images.dims[3] != 1 && images.dims[3] != 3)
            throw DataError(path + ": images have " + std::to_string(images.dims[3]) +
                            " channels (the 4th dimension); expected 1 (grey) or 3 (RGB)");
        shape.channels = static_cast<int>(images.dims[3]);
    }
    if (images.dims[0] == 0)
        throw DataError(path + ": holds no images");
    if (images.dims[0] > kMaxExamples)
        throw DataError(path + ": holds " + std::to_string(images.dims[0]) + " images; at most " +
                        std::to_string(kMaxExamples) + " are supported");
    return shape;
}

std::vector<std::uint8_t> planar(std::vector<std::uint8_t> interleaved, const DataShape& shape, std::int64_t count)
{
    if (shape.channels == 1)
        return interleaved;
    const std::int64_t pixels = std::int64_t{shape.height} * shape.width;
    std::vector<std::uint8_t> out(interleaved.size());
    for (std::int64_t n = 0; n < count; ++n)
        detail::interleavedToPlanar(interleaved.data() + n * pixels * shape.channels, out.data() + n * pixels * shape.channels,
                                    static_cast<std::size_t>(pixels), shape.channels);
    return out;
}

std::vector<std::int32_t> idxLabels(const std::string& labelPath, const IdxArray& images, const std::string& imagePath)
{
    const IdxArray labels = readIdxFile(labelPath, 1);
    if (labels.dims[0] != images.dims[0])
        throw DataError(labelPath + ": holds " + std::to_string(labels.dims[0]) + " labels but " + imagePath + " holds " +
                        std::to_string(images.dims[0]) + " images; expected the same count");
    return {labels.data.begin(), labels.data.end()};
}

DatasetBytes loadIdx(const std::string& dir)
{
    const DatasetFiles files = locateDataset(dir);
    IdxArray trainImages = readIdxFile(files.trainImages, 3, 4);
    DatasetBytes bytes;
    bytes.format = DataFormat::Idx;
    bytes.shape = imageShape(trainImages, files.trainImages);
    if (trainImages.dims[0] < 2)
        throw DataError(files.trainImages + ": holds 1 image; training needs at least 2 (a training and a validation part)");
    bytes.trainLabels = idxLabels(files.trainLabels, trainImages, files.trainImages);
    IdxArray testImages = readIdxFile(files.testImages, 3, 4);
    const DataShape testShape = imageShape(testImages, files.testImages);
    if (testShape != bytes.shape)
        throw DataError(files.testImages + ": images are " + shapeText(testShape) + "; the training images (" +
                        files.trainImages + ") are " + shapeText(bytes.shape) + "; expected the same");
    bytes.testLabels = idxLabels(files.testLabels, testImages, files.testImages);
    bytes.trainImages = planar(std::move(trainImages.data), bytes.shape, bytes.trainCount());
    bytes.testImages = planar(std::move(testImages.data), bytes.shape, bytes.testCount());
    detail::finishDataset(bytes, dir, {files.trainLabels, files.testLabels});
    return bytes;
}

bool isCifarFolder(const fs::path& dir)
{
    std::error_code ec;
    return fs::exists(dir / "data_batch_1.bin", ec) || fs::exists(dir / "train.bin", ec);
}

} // namespace

namespace detail {

void interleavedToPlanar(const std::uint8_t* from, std::uint8_t* to, std::size_t pixels, int channels)
{
    const auto n = static_cast<std::size_t>(channels);
    for (std::size_t p = 0; p < pixels; ++p)
        for (std::size_t c = 0; c < n; ++c)
            to[c * pixels + p] = from[p * n + c];
}

/// The share of a dataset's examples held out as its test set where its files name none (per
/// class, seeded with kTestSeed: the same for every run).
constexpr double kTestFraction = 0.2;
constexpr std::uint64_t kTestSeed = 0x7ab1e5ULL;

std::vector<char> heldOutTestSet(const std::vector<std::int32_t>& classes, std::size_t classCount)
{
    std::vector<std::vector<std::int64_t>> byClass(classCount);
    for (std::size_t r = 0; r < classes.size(); ++r)
        byClass[static_cast<std::size_t>(classes[r])].push_back(static_cast<std::int64_t>(r));
    std::vector<char> isTest(classes.size(), 0);
    SeededShuffler shuffler(kTestSeed);
    for (auto& rows : byClass) {
        shuffler.shuffle(rows);
        const auto count = rows.size() < 2 ? std::size_t{0}
                                           : std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(
                                                                          static_cast<double>(rows.size()) * kTestFraction)));
        for (std::size_t k = 0; k < count; ++k)
            isTest[static_cast<std::size_t>(rows[k])] = 1;
    }
    return isTest;
}

void finishDataset(DatasetBytes& data, const std::string& where, const std::vector<std::string>& labelFiles)
{
    if (data.trainCount() < 2)
        throw DataError(where + ": holds " + std::to_string(data.trainCount()) +
                        " training example(s); training needs at least 2 (a training and a validation part)");
    if (data.testCount() < 1)
        throw DataError(where + ": holds no test examples");
    std::string namesNote;  // where the class names, and so the class count, come from
    const auto check = [&](const std::vector<std::int32_t>& labels, const std::string& file, int limit) {
        for (std::size_t i = 0; i < labels.size(); ++i)
            if (labels[i] < 0 || labels[i] >= limit)
                throw DataError(file + ": label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                                " is out of range; expected 0-" + std::to_string(limit - 1) + namesNote);
    };
    const std::string trainFile = labelFiles.empty() ? where : labelFiles.front();
    const std::string testFile = labelFiles.size() > 1 ? labelFiles[1] : trainFile;
    // The class count: the names' where the files name them, otherwise the largest label + 1.
    const fs::path namesFile = fs::path(where) / "classes.txt";
    std::error_code ec;
    if (data.classNames.empty() && fs::is_regular_file(namesFile, ec))
        data.classNames = readClassNames(namesFile.string());
    int classes = static_cast<int>(data.classNames.size());
    if (classes > 0)
        namesNote = " (" + std::to_string(classes) + " classes are named" +
                    (fs::is_regular_file(namesFile, ec) ? " in " + namesFile.string() : std::string()) + ")";
    if (classes == 0) {
        std::int32_t largest = 0;
        for (const auto* labels : {&data.trainLabels, &data.testLabels})
            for (const std::int32_t label : *labels)
                largest = std::max(largest, label);
        classes = std::max(kMinClasses, static_cast<int>(largest) + 1);
        if (classes > kMaxClasses)
            throw DataError(trainFile + ": labels go up to " + std::to_string(largest) + "; at most " +
                            std::to_string(kMaxClasses) + " classes are supported");
        data.classNames = numberedClassNames(classes);
    }
    check(data.trainLabels, trainFile, classes);
    check(data.testLabels, testFile, classes);
    data.shape.classes = classes;
    const std::uint64_t bytes = data.valueBytes();
    if (bytes > kMaxDatasetBytes)
        throw DataError(where + ": the images take " + std::to_string(bytes >> 20) + " MiB; at most " +
                        std::to_string(kMaxDatasetBytes >> 20) + " MiB are supported");
}

std::vector<std::string> readClassNames(const std::string& path)
{
    const std::string text = readTextFile(path, 1 << 20);
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string line = text.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.pop_back();
        if (!line.empty()) {
            if (line.size() > 256)
                throw DataError(path + ": line " + std::to_string(names.size() + 1) + " is " +
                                std::to_string(line.size()) + " bytes long; a class name may have at most 256");
            names.push_back(line);
        }
        start = end + 1;
    }
    if (names.size() > static_cast<std::size_t>(kMaxClasses))
        throw DataError(path + ": names " + std::to_string(names.size()) + " classes; at most " +
                        std::to_string(kMaxClasses) + " are supported");
    if (!names.empty() && names.size() < static_cast<std::size_t>(kMinClasses))
        throw DataError(path + ": names 1 class; a dataset needs at least 2");
    return names;
}

} // namespace detail

std::int64_t DatasetBytes::imageBytes() const
{
    return std::int64_t{shape.channels} * shape.height * shape.width;
}

std::uint64_t DatasetBytes::valueBytes() const
{
    return static_cast<std::uint64_t>(imageBytes()) * static_cast<std::uint64_t>(trainCount() + testCount()) *
           (isTable() ? sizeof(float) : 1);
}

std::string userDataDir()
{
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        return (fs::path(xdg) / "dropoutlab").string();
    const char* home = std::getenv("HOME");
    return (fs::path(home && *home ? home : ".") / ".local" / "share" / "dropoutlab").string();
}

std::string resolveDataDir(const std::string& nameOrDir)
{
    if (nameOrDir.empty() || nameOrDir == "mnist")
        return (fs::path(userDataDir()) / "datasets" / "mnist").string();
    if (nameOrDir == "fashion-mnist") {
        const fs::path local = fs::path(userDataDir()) / "datasets" / "fashion-mnist";
        std::error_code ec;
        return fs::is_directory(local, ec) ? local.string() : std::string("/usr/share/datasets/fashion-mnist");
    }
    // A bare name that is not a path here: a dataset of the datasets folder (what `datasets` and
    // the chooser list), e.g. "cifar-10" or "wine.csv#class".
    const std::string path = nameOrDir.substr(0, nameOrDir.find('#'));
    std::error_code ec;
    if (path.find('/') == std::string::npos && !fs::exists(path, ec)) {
        const fs::path installed = fs::path(userDataDir()) / "datasets" / path;
        if (fs::exists(installed, ec))
            return installed.string() + nameOrDir.substr(path.size());
    }
    return nameOrDir;
}

std::vector<InstalledDataset> installedDatasets()
{
    std::vector<InstalledDataset> found;
    std::error_code ec;
    for (const char* name : {"mnist", "fashion-mnist"})
        if (const std::string path = resolveDataDir(name); fs::is_directory(path, ec))
            found.push_back({name, path});
    const fs::path root = fs::path(userDataDir()) / "datasets";
    std::vector<InstalledDataset> others;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const bool table = detail::isTablePath(name) && it->is_regular_file(ec);
        if (name == "mnist" || name == "fashion-mnist" || (!it->is_directory(ec) && !table))
            continue;
        others.push_back({name, it->path().string()});
    }
    std::sort(others.begin(), others.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    found.insert(found.end(), others.begin(), others.end());
    return found;
}

DatasetFiles locateDataset(const std::string& dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw DataError(dir + ": dataset folder not found (install MNIST with dropoutlab-get-mnist, or scripts/get-mnist.sh in a source tree, or pass --data DIR)");
    const fs::path root(dir);
    return {findFile(root, "train-images", "idx3"), findFile(root, "train-labels", "idx1"),
            findFile(root, "t10k-images", "idx3"), findFile(root, "t10k-labels", "idx1")};
}

std::vector<std::string> datasetFiles(const std::string& path)
{
    std::error_code ec;
    if (detail::isTablePath(path)) {
        const std::string file = detail::splitTablePath(path).file;
        if (!fs::exists(file, ec))
            throw DataError(file + ": table not found");
        return {file};
    }
    if (!fs::exists(path, ec))
        throw DataError(path + ": dataset not found (a folder of IDX files, of CIFAR batches or of pictures in train/<class>/, or a CSV table; see docs/datasets.md)");
    std::vector<std::string> files;
    if (isCifarFolder(path)) {
        files = detail::cifarFiles(path);
    } else if (detail::isImageFolder(path)) {
        files = detail::imageFolderFiles(path);
    } else {
        const DatasetFiles idx = locateDataset(path);
        files = {idx.trainImages, idx.trainLabels, idx.testImages, idx.testLabels};
    }
    if (const fs::path names = fs::path(path) / "classes.txt"; fs::is_regular_file(names, ec))
        files.push_back(names.string());
    return files;
}

DatasetBytes loadDataset(const std::string& path)
{
    std::error_code ec;
    if (detail::isTablePath(path))
        return detail::loadCsv(path);
    if (fs::is_directory(path, ec) && isCifarFolder(path))
        return detail::loadCifar(path);
    if (fs::is_directory(path, ec) && detail::isImageFolder(path))
        return detail::loadImageFolder(path);
    return loadIdx(path);
}

std::shared_ptr<const DatasetBytes> cachedDataset(const std::string& path)
{
    static std::mutex mutex;
    static std::string cachedKey;
    static std::shared_ptr<const DatasetBytes> cached;

    std::error_code ec;
    std::string key = path + ';';  // a table's label column is part of its path
    for (const auto& file : datasetFiles(path)) {
        const auto stamp = fs::last_write_time(file, ec).time_since_epoch().count();
        key += file + '|' + std::to_string(stamp) + '|' + std::to_string(fs::file_size(file, ec)) + ';';
    }
    std::lock_guard lock(mutex);
    if (cached && key == cachedKey)
        return cached;
    cached = std::make_shared<const DatasetBytes>(loadDataset(path));
    cachedKey = key;
    return cached;
}

DatasetSummary summarise(const DatasetBytes& data, const std::string& path)
{
    DatasetSummary s;
    s.path = path;
    s.format = data.format;
    s.shape = data.shape;
    s.classNames = data.classNames;
    s.trainCount = data.trainCount();
    s.testCount = data.testCount();
    s.trainPerClass.assign(static_cast<std::size_t>(data.shape.classes), 0);
    s.testPerClass.assign(static_cast<std::size_t>(data.shape.classes), 0);
    for (const std::int32_t label : data.trainLabels)
        ++s.trainPerClass[static_cast<std::size_t>(label)];
    for (const std::int32_t label : data.testLabels)
        ++s.testPerClass[static_cast<std::size_t>(label)];
    s.memoryBytes = data.valueBytes() + 4 * (data.trainLabels.size() + data.testLabels.size());
    return s;
}

std::vector<ChannelStatistics> channelStatistics(const DatasetBytes& data, const std::vector<std::int64_t>& indices)
{
    const std::int64_t plane = std::int64_t{data.shape.height} * data.shape.width;
    std::vector<ChannelStatistics> stats(static_cast<std::size_t>(data.shape.channels));
    for (int c = 0; c < data.shape.channels; ++c) {
        // Exact integer sums: 2^63 / 255^2 pixels is far beyond any dataset's limit.
        std::uint64_t sum = 0, squares = 0;
        for (const std::int64_t index : indices) {
            const std::uint8_t* pixels = data.trainImages.data() + index * data.imageBytes() + c * plane;
            std::uint64_t s1 = 0, s2 = 0;
            for (std::int64_t p = 0; p < plane; ++p) {
                s1 += pixels[p];
                s2 += std::uint64_t{pixels[p]} * pixels[p];
            }
            sum += s1;
            squares += s2;
        }
        const double n = static_cast<double>(plane) * static_cast<double>(indices.size());
        const double mean = n > 0 ? static_cast<double>(sum) / n : 0.0;
        const double variance = n > 0 ? std::max(0.0, static_cast<double>(squares) / n - mean * mean) : 0.0;
        // A constant channel keeps a std of 1: it is centred, not blown up.
        stats[static_cast<std::size_t>(c)] = {mean, variance > 1e-12 ? std::sqrt(variance) : 1.0};
    }
    return stats;
}

std::vector<ChannelStatistics> featureStatistics(const DatasetBytes& data, const std::vector<std::int64_t>& indices)
{
    const auto features = static_cast<std::size_t>(data.imageBytes());
    std::vector<ChannelStatistics> stats(features);
    for (std::size_t f = 0; f < features; ++f) {
        // Two passes in double: the mean, then the squared deviations from it.
        double sum = 0.0;
        for (const std::int64_t index : indices)
            sum += data.trainValues[static_cast<std::size_t>(index) * features + f];
        const double n = static_cast<double>(indices.size());
        const double mean = n > 0 ? sum / n : 0.0;
        double squares = 0.0;
        for (const std::int64_t index : indices) {
            const double d = data.trainValues[static_cast<std::size_t>(index) * features + f] - mean;
            squares += d * d;
        }
        const double deviation = n > 0 ? std::sqrt(squares / n) : 0.0;
        stats[f] = {mean, deviation > 1e-12 ? deviation : 1.0};
    }
    return stats;
}

std::vector<ChannelStatistics> runNormalisation(const DatasetBytes& data, const std::vector<std::int64_t>& trainIndices,
                                                const std::vector<ChannelStatistics>& given)
{
    const auto count = static_cast<std::size_t>(data.isTable() ? data.imageBytes() : data.shape.channels);
    if (given.size() == 1)
        return std::vector<ChannelStatistics>(count, given.front());
    if (!given.empty()) {
        if (given.size() != count)
            throw DataError("normalisation gives " + std::to_string(given.size()) + " means and standard deviations; the data has " +
                            std::to_string(count) + (data.isTable() ? " features" : " channels") +
                            " (expected one for each, or one for all)");
        return given;
    }
    if (data.isTable())
        return featureStatistics(data, trainIndices);
    if (data.format == DataFormat::Idx)
        return std::vector<ChannelStatistics>(static_cast<std::size_t>(data.shape.channels), {127.5, 127.5});
    return channelStatistics(data, trainIndices);
}

ExperimentConfig withDataShape(ExperimentConfig config)
{
    try {
        config.input = cachedDataset(resolveDataDir(config.dataDir))->shape;
    } catch (const DataError&) {
        // the run reports it when it starts
    } catch (const IoError&) {
    }
    return config;
}

std::string toString(DataFormat format)
{
    switch (format) {
    case DataFormat::Idx: return "idx";
    case DataFormat::Cifar: return "cifar";
    case DataFormat::Table: return "table";
    case DataFormat::Folder: return "folder";
    }
    return "idx";
}

std::string shapeText(const DataShape& shape)
{
    return std::to_string(shape.channels) + "x" + std::to_string(shape.height) + "x" + std::to_string(shape.width);
}

std::vector<std::string> numberedClassNames(int classes)
{
    std::vector<std::string> names;
    for (int i = 0; i < classes; ++i)
        names.push_back(std::to_string(i));
    return names;
}

} // namespace dropoutlab
