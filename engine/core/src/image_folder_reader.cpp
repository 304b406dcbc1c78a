// Image folders (docs/datasets.md): `train/<class>/<picture>` and optionally `test/<class>/...`,
// PNG or JPEG pictures of one size and channel count. The folder names are the classes (sorted by
// their bytes); examples are ordered by file name, then by class, so a folder written from an IDX
// file with numbered names holds its examples in the file's order. One level of class folders is
// read, never deeper, so a symlink loop cannot make the walk endless; every entry that is neither
// a picture, a hidden file nor an ignorable file is refused, naming it.

#include "dataset_formats.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_io.h"
#include "config_json.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace dropoutlab::detail {
namespace fs = std::filesystem;
namespace {

/// One picture file; the biggest a 512 x 512 RGB picture needs, with room for metadata.
constexpr std::uint64_t kMaxPictureFileBytes = std::uint64_t{64} << 20;

struct Picture {
    std::string path;
    std::string name;  ///< the file name, the first sort key
    std::int32_t label = 0;
};

bool hasPictureName(const fs::path& file)
{
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

bool isHidden(const fs::path& entry)
{
    const std::string name = entry.filename().string();
    return !name.empty() && name.front() == '.';
}

/// What an entry is, following symlinks; a broken link or a loop is refused, naming it.
fs::file_status statusOf(const fs::path& entry)
{
    std::error_code ec;
    const fs::file_status status = fs::status(entry, ec);
    if (ec)
        throw DataError(entry.string() + ": cannot be read (" + ec.message() +
                        "; a broken symlink or a symlink loop?)");
    return status;
}

std::vector<fs::path> sortedEntries(const fs::path& dir)
{
    std::vector<fs::path> entries;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec)
        throw DataError(dir.string() + ": cannot list the folder (" + ec.message() + ")");
    for (fs::directory_iterator end; it != end; it.increment(ec)) {
        if (ec)
            throw DataError(dir.string() + ": cannot list the folder (" + ec.message() + ")");
        entries.push_back(it->path());
        if (entries.size() > static_cast<std::size_t>(kMaxExamples))
            throw DataError(dir.string() + ": holds more than " + std::to_string(kMaxExamples) + " entries; too many");
    }
    std::sort(entries.begin(), entries.end());
    return entries;
}

/// The class folders of `part` (train/ or test/), sorted; files beside them that are no pictures
/// (a README, a licence) are passed over.
std::vector<fs::path> classFolders(const fs::path& part)
{
    std::vector<fs::path> folders;
    for (const auto& entry : sortedEntries(part)) {
        if (isHidden(entry))
            continue;
        const fs::file_status status = statusOf(entry);
        if (fs::is_directory(status)) {
            const std::string name = entry.filename().string();
            if (!isUtf8(name))
                throw DataError(entry.string() + ": the class folder's name is not valid UTF-8; class names are text (rename the folder)");
            if (name.size() > 256)
                throw DataError(entry.string() + ": the class folder's name is " + std::to_string(name.size()) +
                                " bytes long; a class name may have at most 256");
            folders.push_back(entry);
        } else if (hasPictureName(entry)) {
            throw DataError(entry.string() + ": a picture outside a class folder; expected " + part.string() +
                            "/<class>/<picture>");
        }
    }
    return folders;
}

/// The pictures of one class folder. Hidden files and files that are no pictures by name
/// (Thumbs.db, notes) are passed over; folders, FIFOs, devices and broken links are refused.
void addPictures(const fs::path& folder, std::int32_t label, std::vector<Picture>& out)
{
    for (const auto& entry : sortedEntries(folder)) {
        if (isHidden(entry))
            continue;
        const fs::file_status status = statusOf(entry);
        if (fs::is_directory(status))
            throw DataError(entry.string() + ": a folder inside a class folder; expected only pictures (<part>/<class>/<picture>)");
        if (!hasPictureName(entry))
            continue;
        if (!fs::is_regular_file(status))
            throw DataError(entry.string() + ": not a regular file (a FIFO, socket or device); expected a PNG or JPEG picture");
        out.push_back({entry.string(), entry.filename().string(), label});
        if (out.size() > static_cast<std::size_t>(kMaxExamples))
            throw DataError(folder.string() + ": more than " + std::to_string(kMaxExamples) + " pictures in all; too many");
    }
}

struct Listing {
    std::vector<std::string> classes;
    std::vector<Picture> train;
    std::vector<Picture> test;
    bool hasTest = false;
};

void sortPictures(std::vector<Picture>& pictures)
{
    std::sort(pictures.begin(), pictures.end(), [](const Picture& a, const Picture& b) {
        return a.name != b.name ? a.name < b.name : a.label < b.label;
    });
}

Listing listFolder(const std::string& dir)
{
    const fs::path root(dir);
    const fs::path trainDir = root / "train";
    Listing listing;
    const std::vector<fs::path> trainClasses = classFolders(trainDir);
    if (trainClasses.size() < static_cast<std::size_t>(kMinClasses))
        throw DataError(trainDir.string() + ": holds " + std::to_string(trainClasses.size()) +
                        " class folder(s); a classification needs at least 2 (train/<class>/<picture>)");
    if (trainClasses.size() > static_cast<std::size_t>(kMaxClasses))
        throw DataError(trainDir.string() + ": holds " + std::to_string(trainClasses.size()) + " class folders; at most " +
                        std::to_string(kMaxClasses) + " classes are supported");
    for (std::size_t c = 0; c < trainClasses.size(); ++c) {
        listing.classes.push_back(trainClasses[c].filename().string());
        const std::size_t before = listing.train.size();
        addPictures(trainClasses[c], static_cast<std::int32_t>(c), listing.train);
        if (listing.train.size() == before)
            throw DataError(trainClasses[c].string() + ": holds no pictures (.png, .jpg or .jpeg); every class needs some");
    }
    const fs::path testDir = root / "test";
    std::error_code ec;
    listing.hasTest = fs::exists(testDir, ec);
    if (listing.hasTest) {
        for (const auto& folder : classFolders(testDir)) {
            const std::string name = folder.filename().string();
            const auto at = std::find(listing.classes.begin(), listing.classes.end(), name);
            if (at == listing.classes.end())
                throw DataError(folder.string() + ": a test class that train/ does not have; expected one of train/'s class folders");
            addPictures(folder, static_cast<std::int32_t>(at - listing.classes.begin()), listing.test);
        }
        if (listing.test.empty())
            throw DataError(testDir.string() + ": holds no pictures; remove it to hold out 20 % of train/ instead");
    }
    sortPictures(listing.train);
    sortPictures(listing.test);
    return listing;
}

/// Decodes `pictures` into `images` and `labels`; every picture must have `shape`'s size and
/// channels, which the first picture of the dataset sets.
void decodeAll(const std::vector<Picture>& pictures, DataShape& shape, std::string& first, std::size_t totalCount,
               std::vector<std::uint8_t>& images, std::vector<std::int32_t>& labels)
{
    for (const auto& picture : pictures) {
        std::string bytes;
        try {
            bytes = readTextFile(picture.path, kMaxPictureFileBytes);
        } catch (const IoError& e) {
            throw DataError(e.what());
        }
        const DecodedImage image = decodeImage(bytes, picture.path);
        const DataShape found{image.channels, image.height, image.width, shape.classes};
        if (first.empty()) {
            shape = found;
            first = picture.path;
            const std::uint64_t total = static_cast<std::uint64_t>(image.pixels.size()) * totalCount;
            if (total > kMaxDatasetBytes)
                throw DataError(picture.path + ": " + std::to_string(totalCount) + " pictures of " + shapeText(found) +
                                " take " + std::to_string(total >> 20) + " MiB; at most " +
                                std::to_string(kMaxDatasetBytes >> 20) + " MiB are supported");
        } else if (found != shape) {
            throw DataError(picture.path + ": the picture is " + shapeText(found) + " (channels x height x width); " + first +
                            ", the dataset's first, is " + shapeText(shape) +
                            "; every picture of a dataset must have one size and channel count");
        }
        if (images.empty())
            images.reserve(pictures.size() * image.pixels.size());
        images.insert(images.end(), image.pixels.begin(), image.pixels.end());
        labels.push_back(picture.label);
    }
}

} // namespace

bool isImageFolder(const std::string& dir)
{
    std::error_code ec;
    return fs::is_directory(fs::path(dir) / "train", ec);
}

std::vector<std::string> imageFolderFiles(const std::string& dir)
{
    const Listing listing = listFolder(dir);
    std::vector<std::string> files;
    for (const auto* part : {&listing.train, &listing.test})
        for (const auto& picture : *part)
            files.push_back(picture.path);
    return files;
}

DatasetBytes loadImageFolder(const std::string& dir)
{
    const Listing listing = listFolder(dir);
    DatasetBytes data;
    data.format = DataFormat::Folder;
    data.classNames = listing.classes;
    data.shape.classes = static_cast<int>(listing.classes.size());
    std::string first;
    const std::size_t total = listing.train.size() + listing.test.size();
    if (listing.hasTest) {
        decodeAll(listing.train, data.shape, first, total, data.trainImages, data.trainLabels);
        decodeAll(listing.test, data.shape, first, total, data.testImages, data.testLabels);
    } else {
        std::vector<std::uint8_t> images;
        std::vector<std::int32_t> labels;
        decodeAll(listing.train, data.shape, first, total, images, labels);
        const std::vector<char> isTest = heldOutTestSet(labels, listing.classes.size());
        const auto bytes = static_cast<std::size_t>(data.imageBytes());
        for (std::size_t i = 0; i < labels.size(); ++i) {
            auto& target = isTest[i] ? data.testImages : data.trainImages;
            target.insert(target.end(), images.begin() + static_cast<std::ptrdiff_t>(i * bytes),
                          images.begin() + static_cast<std::ptrdiff_t>((i + 1) * bytes));
            (isTest[i] ? data.testLabels : data.trainLabels).push_back(labels[i]);
        }
    }
    finishDataset(data, dir, {});
    return data;
}

} // namespace dropoutlab::detail
