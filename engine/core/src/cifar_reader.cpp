// The CIFAR-10/100 binary format (https://www.cs.toronto.edu/~kriz/cifar.html): records of one
// label byte (CIFAR-100: a coarse and a fine label byte) and 3072 pixel bytes, the 32x32 red
// plane, then green, then blue. DropoutLab trains on CIFAR-100's fine labels.

#include "dataset_formats.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_io.h"

#include <filesystem>

namespace dropoutlab::detail {
namespace fs = std::filesystem;
namespace {

constexpr int kSide = 32;
constexpr std::size_t kPixels = 3 * kSide * kSide;

struct Layout {
    bool hundred = false;  ///< CIFAR-100: two label bytes
    std::vector<std::string> train;
    std::string test;
    std::string names;  ///< the class names file, or empty
    std::size_t recordBytes() const { return (hundred ? 2 : 1) + kPixels; }
};

Layout layoutOf(const std::string& dir)
{
    const fs::path root(dir);
    std::error_code ec;
    Layout layout;
    if (fs::exists(root / "train.bin", ec)) {
        layout.hundred = true;
        layout.train = {(root / "train.bin").string()};
        layout.test = (root / "test.bin").string();
        layout.names = (root / "fine_label_names.txt").string();
    } else {
        for (int i = 1; i <= 5; ++i) {
            const fs::path batch = root / ("data_batch_" + std::to_string(i) + ".bin");
            if (fs::exists(batch, ec))
                layout.train.push_back(batch.string());
        }
        layout.test = (root / "test_batch.bin").string();
        layout.names = (root / "batches.meta.txt").string();
    }
    if (!fs::exists(layout.test, ec))
        throw DataError(layout.test + ": file not found (a CIFAR folder holds its test batch beside the training ones)");
    if (!fs::is_regular_file(layout.names, ec))
        layout.names.clear();
    return layout;
}

/// Appends a batch file's records to `images` and `labels`.
void readBatch(const std::string& path, const Layout& layout, std::vector<std::uint8_t>& images,
               std::vector<std::int32_t>& labels)
{
    const std::size_t record = layout.recordBytes();
    const std::string bytes = readTextFile(path, kMaxDatasetBytes);
    if (bytes.empty() || bytes.size() % record != 0)
        throw DataError(path + ": " + std::to_string(bytes.size()) + " bytes are not a whole number of " +
                        std::to_string(record) + "-byte records (" +
                        (layout.hundred ? "CIFAR-100: a coarse and a fine label byte" : "CIFAR-10: a label byte") +
                        " and 32x32x3 pixels)");
    const std::size_t count = bytes.size() / record;
    if (labels.size() + count > static_cast<std::size_t>(kMaxExamples))
        throw DataError(path + ": more than " + std::to_string(kMaxExamples) + " images in all; too many");
    images.reserve(images.size() + count * kPixels);
    for (std::size_t i = 0; i < count; ++i) {
        const char* at = bytes.data() + i * record;
        const auto label = static_cast<unsigned char>(at[layout.hundred ? 1 : 0]);
        labels.push_back(label);
        const char* pixels = at + (layout.hundred ? 2 : 1);
        images.insert(images.end(), reinterpret_cast<const std::uint8_t*>(pixels),
                      reinterpret_cast<const std::uint8_t*>(pixels) + kPixels);
    }
}

} // namespace

std::vector<std::string> cifarFiles(const std::string& dir)
{
    Layout layout = layoutOf(dir);
    std::vector<std::string> files = layout.train;
    files.push_back(layout.test);
    if (!layout.names.empty())
        files.push_back(layout.names);
    return files;
}

DatasetBytes loadCifar(const std::string& dir)
{
    const Layout layout = layoutOf(dir);
    DatasetBytes data;
    data.format = DataFormat::Cifar;
    data.shape.channels = 3;
    data.shape.height = kSide;
    data.shape.width = kSide;
    for (const auto& batch : layout.train)
        readBatch(batch, layout, data.trainImages, data.trainLabels);
    readBatch(layout.test, layout, data.testImages, data.testLabels);
    if (!layout.names.empty())
        data.classNames = readClassNames(layout.names);
    finishDataset(data, dir, {layout.train.front(), layout.test});
    return data;
}

} // namespace dropoutlab::detail
