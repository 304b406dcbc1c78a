#include "dropoutlab/core/dataset.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/idx_reader.h"

#include <cstdlib>
#include <filesystem>

namespace dropoutlab {
namespace fs = std::filesystem;
namespace {

constexpr std::int64_t kImageSide = 28;

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

void checkImages(const IdxArray& images, const std::string& path)
{
    if (images.dims[1] != kImageSide || images.dims[2] != kImageSide)
        throw DataError(path + ": images are " + std::to_string(images.dims[1]) + "x" + std::to_string(images.dims[2]) +
                        " pixels; expected 28x28");
    if (images.dims[0] == 0)
        throw DataError(path + ": holds no images");
}

void checkLabels(const IdxArray& labels, const IdxArray& images, const std::string& labelPath,
                 const std::string& imagePath)
{
    if (labels.dims[0] != images.dims[0])
        throw DataError(labelPath + ": holds " + std::to_string(labels.dims[0]) + " labels but " + imagePath + " holds " +
                        std::to_string(images.dims[0]) + " images; expected the same count");
    for (std::size_t i = 0; i < labels.data.size(); ++i) {
        if (labels.data[i] >= kClassCount)
            throw DataError(labelPath + ": label " + std::to_string(labels.data[i]) + " at index " + std::to_string(i) +
                            " is out of range; expected 0-" + std::to_string(kClassCount - 1));
    }
}

} // namespace

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
    return nameOrDir;
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

DatasetBytes loadDataset(const std::string& dir)
{
    const DatasetFiles files = locateDataset(dir);
    IdxArray trainImages = readIdxFile(files.trainImages, 3);
    checkImages(trainImages, files.trainImages);
    if (trainImages.dims[0] < 2)
        throw DataError(files.trainImages + ": holds 1 image; training needs at least 2 (a training and a validation part)");
    IdxArray trainLabels = readIdxFile(files.trainLabels, 1);
    checkLabels(trainLabels, trainImages, files.trainLabels, files.trainImages);
    IdxArray testImages = readIdxFile(files.testImages, 3);
    checkImages(testImages, files.testImages);
    IdxArray testLabels = readIdxFile(files.testLabels, 1);
    checkLabels(testLabels, testImages, files.testLabels, files.testImages);

    DatasetBytes bytes;
    bytes.rows = kImageSide;
    bytes.cols = kImageSide;
    bytes.trainImages = std::move(trainImages.data);
    bytes.trainLabels = std::move(trainLabels.data);
    bytes.testImages = std::move(testImages.data);
    bytes.testLabels = std::move(testLabels.data);
    return bytes;
}

} // namespace dropoutlab
