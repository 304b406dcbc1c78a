#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dropoutlab {

/// The four files of an MNIST-style dataset, as found on disk.
struct DatasetFiles {
    std::string trainImages;
    std::string trainLabels;
    std::string testImages;
    std::string testLabels;
};

/// A dataset held in memory as bytes (images N x rows x cols, labels N).
struct DatasetBytes {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::vector<std::uint8_t> trainImages;
    std::vector<std::uint8_t> trainLabels;
    std::vector<std::uint8_t> testImages;
    std::vector<std::uint8_t> testLabels;
    std::int64_t trainCount() const { return static_cast<std::int64_t>(trainLabels.size()); }
    std::int64_t testCount() const { return static_cast<std::int64_t>(testLabels.size()); }
};

/// Number of classes every supported dataset has.
inline constexpr int kClassCount = 10;

/// `${XDG_DATA_HOME:-$HOME/.local/share}/dropoutlab`.
std::string userDataDir();

/// Turns a dataset argument into a folder: "" or "mnist" is the installed MNIST,
/// "fashion-mnist" the installed Fashion-MNIST, anything else is taken as a folder.
std::string resolveDataDir(const std::string& nameOrDir);

/// Finds the four IDX files in `dir` (names like train-images-idx3-ubyte or
/// train-images.idx3-ubyte, optionally .gz). Throws DataError naming the missing file.
DatasetFiles locateDataset(const std::string& dir);

/// Reads and cross-checks all four files. Throws DataError naming the file and the problem.
DatasetBytes loadDataset(const std::string& dir);

} // namespace dropoutlab
