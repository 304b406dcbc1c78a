#pragma once
// The datasets DropoutLab trains on (docs/datasets.md): MNIST-style IDX files of any image size,
// the CIFAR-10/100 binary format, folders of PNG/JPEG pictures and CSV tables. Every
// reader is in the core and treats its files as untrusted: limits are checked before anything
// large is allocated, and every refusal names the file.

#include "dropoutlab/core/experiment_config.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dropoutlab {

/// Limits every dataset keeps.
inline constexpr int kMaxImageSide = 512;        ///< pixels of an image's height or width
inline constexpr int kMinClasses = 2;
inline constexpr int kMaxClasses = 1000;
inline constexpr std::int64_t kMaxExamples = 10000000;  ///< training or test examples
/// Bytes of images (or 4-byte features) held in memory for one dataset: 16 GiB.
inline constexpr std::uint64_t kMaxDatasetBytes = std::uint64_t{16} << 30;
/// A CSV table's file.
inline constexpr std::uint64_t kMaxTableBytes = std::uint64_t{256} << 20;

/// How a dataset is stored on disk.
enum class DataFormat { Idx, Cifar, Table, Folder };

/// The four files of an MNIST-style dataset, as found on disk.
struct DatasetFiles {
    std::string trainImages;
    std::string trainLabels;
    std::string testImages;
    std::string testLabels;
};

/// A dataset held in memory: images as bytes, N x channels x height x width (planes of one
/// channel after another, as CIFAR stores them), labels 0 .. classes - 1. A table holds its
/// features as floats instead (N x features; its shape is 1 x 1 x features).
struct DatasetBytes {
    DataFormat format = DataFormat::Idx;
    DataShape shape;                      ///< channels, height, width and classes
    std::vector<std::string> classNames;  ///< one per class ("0", "1", ... where the files name none)
    std::vector<std::uint8_t> trainImages;
    std::vector<std::int32_t> trainLabels;
    std::vector<std::uint8_t> testImages;
    std::vector<std::int32_t> testLabels;
    std::vector<float> trainValues;        ///< tables: the training rows' features
    std::vector<float> testValues;
    std::vector<std::string> featureNames;  ///< tables: the feature columns' names
    bool isTable() const { return format == DataFormat::Table; }
    std::int64_t trainCount() const { return static_cast<std::int64_t>(trainLabels.size()); }
    std::int64_t testCount() const { return static_cast<std::int64_t>(testLabels.size()); }
    /// Values of one example: channels x height x width (a table's: its features).
    std::int64_t imageBytes() const;
    /// Bytes of all examples' values in memory (1 per pixel, 4 per table feature).
    std::uint64_t valueBytes() const;
};

/// What a dataset holds, for lists and choosers (dropoutlab-cli datasets, the app's chooser).
struct DatasetSummary {
    std::string path;
    DataFormat format = DataFormat::Idx;
    DataShape shape;
    std::vector<std::string> classNames;
    std::vector<std::int64_t> trainPerClass;  ///< examples of each class in the training file
    std::vector<std::int64_t> testPerClass;
    std::int64_t trainCount = 0;
    std::int64_t testCount = 0;
    std::uint64_t memoryBytes = 0;  ///< what training holds in memory
};

/// `${XDG_DATA_HOME:-$HOME/.local/share}/dropoutlab`.
std::string userDataDir();

/// Turns a dataset argument into a path: "" or "mnist" is the installed MNIST, "fashion-mnist"
/// the installed Fashion-MNIST, a bare name that is no path here one in the datasets folder
/// (userDataDir()/datasets), anything else is taken as a folder or file.
std::string resolveDataDir(const std::string& nameOrDir);

/// A dataset found on this machine: its name (what --data takes) and its folder.
struct InstalledDataset {
    std::string name;
    std::string path;
};
/// "mnist", "fashion-mnist" (when installed), then every folder and CSV table (`*.csv`) in
/// userDataDir()/datasets, sorted.
std::vector<InstalledDataset> installedDatasets();

/// Finds the four IDX files in `dir` (names like train-images-idx3-ubyte or
/// train-images.idx3-ubyte, optionally .gz). Throws DataError naming the missing file.
DatasetFiles locateDataset(const std::string& dir);

/// The files a dataset at `path` is read from (its format decided as loadDataset decides it);
/// what a cache compares to see whether the dataset changed. Throws DataError.
std::vector<std::string> datasetFiles(const std::string& path);

/// Reads and cross-checks a dataset: a folder of four IDX files (images N x H x W, or
/// N x H x W x C with C 1 or 3), a folder of CIFAR-10/100 binary batches, an image folder
/// (`train/<class>/*.png|jpg`, optionally `test/<class>/...`), or a CSV table
/// (`FILE.csv`, label in the last column, or `FILE.csv#COLUMN`). Throws DataError naming the
/// file and the problem.
DatasetBytes loadDataset(const std::string& path);

/// The dataset at `path`, loaded once and kept while its files stay the same (the runs of a queue
/// or a sweep usually share one). Thread-safe.
std::shared_ptr<const DatasetBytes> cachedDataset(const std::string& path);

/// Per channel, over the images `indices` picks from the training images.
std::vector<ChannelStatistics> channelStatistics(const DatasetBytes& data, const std::vector<std::int64_t>& indices);
/// Per feature of a table, over the training rows `indices` picks (standardisation).
std::vector<ChannelStatistics> featureStatistics(const DatasetBytes& data, const std::vector<std::int64_t>& indices);
/// How a run's images are normalised (a table's features: standardised with featureStatistics):
/// as `given` (a run's ExperimentConfig::normalisation: one entry per channel, or one for all)
/// where it is not empty; otherwise the MNIST-style IDX datasets as the reference experiment does
/// (x / 127.5 - 1: mean and std 127.5 for every channel), every other dataset with the mean and
/// std of each channel over the run's training part (`trainIndices`). Throws DataError when
/// `given` has another count than the data's channels.
std::vector<ChannelStatistics> runNormalisation(const DatasetBytes& data, const std::vector<std::int64_t>& trainIndices,
                                                const std::vector<ChannelStatistics>& given = {});

/// `config` with its input shape taken from its dataset (loaded through cachedDataset). A dataset
/// that cannot be read leaves the config as it is: the run then fails with that error.
ExperimentConfig withDataShape(ExperimentConfig config);

/// The summary of a loaded dataset.
DatasetSummary summarise(const DatasetBytes& data, const std::string& path);

/// "idx" / "cifar" / "table" / "folder".
std::string toString(DataFormat format);
/// "1x28x28" (channels x height x width).
std::string shapeText(const DataShape& shape);

/// The names a dataset without its own gets: "0" .. "classes - 1".
std::vector<std::string> numberedClassNames(int classes);

} // namespace dropoutlab
