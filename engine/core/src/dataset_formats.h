#pragma once
// Internal: the readers behind loadDataset() (dataset.h), one per format, and what they share.

#include "dropoutlab/core/dataset.h"

#include <string>
#include <vector>

namespace dropoutlab::detail {

/// Checks what every reader must (at least 2 training and 1 test example, labels in range, the
/// size limit) and sets the class count and names: `classes.txt` in the folder `where` (one name
/// per line) or names the reader set, otherwise "0" .. the largest label. `labelFiles` name the
/// training and test labels' files in errors (`where` when empty).
void finishDataset(DatasetBytes& data, const std::string& where, const std::vector<std::string>& labelFiles);

/// One class name per non-empty line (trailing blanks dropped); at most kMaxClasses.
std::vector<std::string> readClassNames(const std::string& path);

/// CIFAR-10 (data_batch_1.bin ... data_batch_5.bin, test_batch.bin, batches.meta.txt) or CIFAR-100
/// (train.bin, test.bin, fine_label_names.txt) binary batches in `dir`.
DatasetBytes loadCifar(const std::string& dir);
/// The files loadCifar reads.
std::vector<std::string> cifarFiles(const std::string& dir);

/// A table's path: the CSV file and the label column named after '#' (empty: the last column).
struct TablePath {
    std::string file;
    std::string labelColumn;
};
TablePath splitTablePath(const std::string& path);
/// True for `*.csv` and `*.csv#COLUMN`.
bool isTablePath(const std::string& path);
/// A CSV table (docs/datasets.md): numeric features, a label column, 20 % of each class held out
/// as the test set with a fixed seed.
DatasetBytes loadCsv(const std::string& path);

/// Marks a fixed, seeded share (20 %) of each class's examples as the test set, at least one of
/// a class of two or more: the test set of a table, and of an image folder without `test/`.
std::vector<char> heldOutTestSet(const std::vector<std::int32_t>& classes, std::size_t classCount);

/// One picture's `pixels` x `channels` interleaved values (RGBRGB...) as planes (RR..GG..BB..).
void interleavedToPlanar(const std::uint8_t* from, std::uint8_t* to, std::size_t pixels, int channels);

/// A picture's file format, told by its first bytes (not by its name).
enum class ImageKind { Unknown, Png, Jpeg };
ImageKind imageKindOf(const std::string& bytes);
/// A decoded picture: 8-bit grey (1 channel) or RGB (3), planes one after another.
struct DecodedImage {
    int channels = 0;
    int height = 0;
    int width = 0;
    std::vector<std::uint8_t> pixels;
};
/// Decodes a PNG or JPEG held in `bytes` (`path` names it in errors). A side beyond `maxSide` is
/// refused from the header, before any pixel is decoded; corrupt or truncated data is refused;
/// an alpha channel is composed onto black. Throws DataError.
DecodedImage decodeImage(const std::string& bytes, const std::string& path, int maxSide = kMaxImageSide);

/// An image folder: `train/<class>/*.png|jpg|jpeg` and optionally `test/<class>/...` beside it
/// (without `test/`, a fixed seeded 20 % of each class is the test set).
bool isImageFolder(const std::string& dir);
DatasetBytes loadImageFolder(const std::string& dir);
/// The picture files loadImageFolder reads.
std::vector<std::string> imageFolderFiles(const std::string& dir);

} // namespace dropoutlab::detail
