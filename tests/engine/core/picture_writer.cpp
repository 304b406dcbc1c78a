#include "engine/core/picture_writer.h"

#include "engine/core/idx_writer.h"

#include "dropoutlab/core/dataset.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <jpeglib.h>
#include <png.h>

namespace dropoutlab::test {
namespace {

std::vector<std::uint8_t> interleaved(const std::vector<std::uint8_t>& planar, int channels)
{
    const std::size_t pixels = planar.size() / static_cast<std::size_t>(channels);
    std::vector<std::uint8_t> out(planar.size());
    for (std::size_t p = 0; p < pixels; ++p)
        for (int c = 0; c < channels; ++c)
            out[p * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] = planar[static_cast<std::size_t>(c) * pixels + p];
    return out;
}

} // namespace

std::string pngBytes(const std::vector<std::uint8_t>& planar, int channels, int height, int width)
{
    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(width);
    image.height = static_cast<png_uint_32>(height);
    image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    const std::vector<std::uint8_t> pixels = interleaved(planar, channels);
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data(), 0, nullptr))
        throw std::runtime_error(std::string("png size: ") + image.message);
    std::string out(size, '\0');
    if (!png_image_write_to_memory(&image, out.data(), &size, 0, pixels.data(), 0, nullptr))
        throw std::runtime_error(std::string("png write: ") + image.message);
    out.resize(size);
    return out;
}

std::string jpegBytes(const std::vector<std::uint8_t>& planar, int channels, int height, int width, int quality)
{
    jpeg_compress_struct info;
    jpeg_error_mgr errors;
    info.err = jpeg_std_error(&errors);  // a helper's error ends the test process, which is fine
    jpeg_create_compress(&info);
    unsigned char* buffer = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&info, &buffer, &size);
    info.image_width = static_cast<JDIMENSION>(width);
    info.image_height = static_cast<JDIMENSION>(height);
    info.input_components = channels;
    info.in_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    std::vector<std::uint8_t> pixels = interleaved(planar, channels);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = pixels.data() + std::size_t{info.next_scanline} * static_cast<std::size_t>(width * channels);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    std::string out(reinterpret_cast<const char*>(buffer), size);
    std::free(buffer);
    return out;
}

void writeText(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

std::size_t writeIdxAndFolder(const std::string& source, std::size_t trainLimit, std::size_t testLimit,
                              const std::string& idxDir, const std::string& folderDir)
{
    namespace fs = std::filesystem;
    const DatasetBytes data = loadDataset(source);
    const auto side = static_cast<std::size_t>(data.imageBytes());
    const auto write = [&](const std::vector<std::uint8_t>& images, const std::vector<std::int32_t>& labels,
                           std::size_t limit, const std::string& idxPrefix, const std::string& part) {
        const std::size_t count = std::min(limit, labels.size());
        std::vector<std::uint8_t> pixels(images.begin(), images.begin() + static_cast<std::ptrdiff_t>(count * side));
        std::vector<std::uint8_t> labelBytes;
        for (std::size_t i = 0; i < count; ++i) {
            labelBytes.push_back(static_cast<std::uint8_t>(labels[i]));
            const fs::path folder = fs::path(folderDir) / part / std::to_string(labels[i]);
            fs::create_directories(folder);
            char name[32];
            std::snprintf(name, sizeof name, "%06zu.png", i);
            const std::vector<std::uint8_t> one(pixels.begin() + static_cast<std::ptrdiff_t>(i * side),
                                                pixels.begin() + static_cast<std::ptrdiff_t>((i + 1) * side));
            writeText((folder / name).string(), pngBytes(one, 1, data.shape.height, data.shape.width));
        }
        const auto h = static_cast<std::uint32_t>(data.shape.height), w = static_cast<std::uint32_t>(data.shape.width);
        writeBytes(idxDir + "/" + idxPrefix + "-images-idx3-ubyte", idxBytes(0x803, {static_cast<std::uint32_t>(count), h, w}, pixels), false);
        writeBytes(idxDir + "/" + idxPrefix + "-labels-idx1-ubyte", idxBytes(0x801, {static_cast<std::uint32_t>(count)}, labelBytes), false);
        return count;
    };
    fs::create_directories(idxDir);
    const std::size_t train = write(data.trainImages, data.trainLabels, trainLimit, "train", "train");
    write(data.testImages, data.testLabels, testLimit, "t10k", "test");
    return train;
}

} // namespace dropoutlab::test
