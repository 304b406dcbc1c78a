// PNG and JPEG pictures for image-folder datasets, decoded with libraries made for untrusted files:
// libpng's simplified API and libjpeg-turbo. A picture's header is checked against the side limit
// before any pixel is decoded, so a header claiming 100,000 x 100,000 pixels costs nothing; a
// truncated or corrupt file (libjpeg's warnings included) is refused, not filled in.

#include "dataset_formats.h"

#include "dropoutlab/core/errors.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>

#ifdef DROPOUTLAB_HAVE_IMAGE_CODECS
#include <jpeglib.h>
#include <png.h>
#endif

namespace dropoutlab::detail {
namespace {
#ifdef DROPOUTLAB_HAVE_IMAGE_CODECS

/// Progressive JPEGs may hold any number of scans, each one a pass over the whole picture; more than
/// this is refused (libjpeg-turbo's TurboJPEG applies the same limit).
constexpr int kMaxJpegScans = 500;

void checkSides(std::int64_t width, std::int64_t height, int maxSide, const std::string& path)
{
    if (width < 1 || height < 1 || width > maxSide || height > maxSide)
        throw DataError(path + ": the picture is " + std::to_string(width) + " x " + std::to_string(height) +
                        " pixels; expected 1 to " + std::to_string(maxSide) +
                        " pixels a side (resize the pictures of the dataset)");
}

/// Interleaved pixels (RGBRGB...) to planes (RR..GG..BB..).
std::vector<std::uint8_t> toPlanar(const std::vector<std::uint8_t>& interleaved, int channels)
{
    if (channels == 1)
        return interleaved;
    std::vector<std::uint8_t> planar(interleaved.size());
    interleavedToPlanar(interleaved.data(), planar.data(), interleaved.size() / static_cast<std::size_t>(channels), channels);
    return planar;
}

DecodedImage decodePng(const std::string& bytes, const std::string& path, int maxSide)
{
    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    const auto fail = [&](const char* stage) {
        const std::string message = image.message[0] ? image.message : "unknown error";
        png_image_free(&image);
        return DataError(path + ": not a readable PNG (" + message + ", while " + stage + ")");
    };
    if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()))
        throw fail("reading its header");
    try {
        checkSides(image.width, image.height, maxSide, path);
    } catch (...) {
        png_image_free(&image);
        throw;
    }
    DecodedImage out;
    out.channels = (image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
    out.width = static_cast<int>(image.width);
    out.height = static_cast<int>(image.height);
    // 8 bits per channel; an alpha channel is composed onto black, 16-bit samples are reduced.
    image.format = out.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    std::vector<std::uint8_t> pixels(PNG_IMAGE_SIZE(image));
    const png_color black{0, 0, 0};
    if (!png_image_finish_read(&image, &black, pixels.data(), 0, nullptr))
        throw fail("decoding its pixels");
    out.pixels = toPlanar(pixels, out.channels);
    return out;
}

/// libjpeg reports errors through a callback that must not return: it jumps back to the setjmp
/// of the decoding function. Warnings (a truncated or corrupt stream) are errors here too.
struct JpegErrors {
    jpeg_error_mgr manager;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpegFail(j_common_ptr info)
{
    auto* errors = reinterpret_cast<JpegErrors*>(info->err);
    (*info->err->format_message)(info, errors->message);
    std::longjmp(errors->jump, 1);
}

void jpegMessage(j_common_ptr info, int level)
{
    if (level < 0)  // a warning: corrupt data, or a stream that ended early
        jpegFail(info);
}

void jpegProgress(j_common_ptr info)
{
    auto* decoder = reinterpret_cast<j_decompress_ptr>(info);
    if (decoder->is_decompressor && decoder->input_scan_number > kMaxJpegScans) {
        auto* errors = reinterpret_cast<JpegErrors*>(info->err);
        std::snprintf(errors->message, sizeof errors->message, "more than %d progressive scans", kMaxJpegScans);
        std::longjmp(errors->jump, 1);
    }
}

/// The C part: no object with a destructor lives in this frame, so jumping back here is sound.
/// Every libjpeg call is made in here. `stage` 0 sets `info` up on `bytes` and reads the header,
/// 1 decodes into `pixels` (rows of `rowBytes`). Returns false with errors->message set.
bool runJpeg(jpeg_decompress_struct* info, JpegErrors* errors, jpeg_progress_mgr* progress, const std::string* bytes,
             int stage, std::uint8_t* pixels, std::size_t rowBytes)
{
    if (setjmp(errors->jump))
        return false;
    if (stage == 0) {
        jpeg_create_decompress(info);
        info->progress = progress;
        jpeg_mem_src(info, reinterpret_cast<const unsigned char*>(bytes->data()), static_cast<unsigned long>(bytes->size()));
        jpeg_read_header(info, TRUE);
        return true;
    }
    jpeg_start_decompress(info);
    while (info->output_scanline < info->output_height) {
        JSAMPROW row = pixels + static_cast<std::size_t>(info->output_scanline) * rowBytes;
        jpeg_read_scanlines(info, &row, 1);
    }
    jpeg_finish_decompress(info);
    return true;
}

DecodedImage decodeJpeg(const std::string& bytes, const std::string& path, int maxSide)
{
    jpeg_decompress_struct info;
    std::memset(&info, 0, sizeof info);  // destroying a struct whose creation failed is then sound
    JpegErrors errors;
    std::memset(&errors, 0, sizeof errors);
    info.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = jpegFail;
    errors.manager.emit_message = jpegMessage;
    jpeg_progress_mgr progress{};
    progress.progress_monitor = jpegProgress;
    struct Destroy {
        jpeg_decompress_struct* info;
        ~Destroy() { jpeg_destroy_decompress(info); }
    } destroy{&info};
    const auto fail = [&]() { return DataError(path + ": not a readable JPEG (" + errors.message + ")"); };
    if (!runJpeg(&info, &errors, &progress, &bytes, 0, nullptr, 0))
        throw fail();
    checkSides(info.image_width, info.image_height, maxSide, path);
    DecodedImage out;
    switch (info.jpeg_color_space) {
    case JCS_GRAYSCALE: out.channels = 1; info.out_color_space = JCS_GRAYSCALE; break;
    case JCS_YCbCr:
    case JCS_RGB: out.channels = 3; info.out_color_space = JCS_RGB; break;
    default:
        throw DataError(path + ": a CMYK JPEG; expected a grey or colour (RGB/YCbCr) one");
    }
    out.width = static_cast<int>(info.image_width);
    out.height = static_cast<int>(info.image_height);
    const std::size_t rowBytes = static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.channels);
    std::vector<std::uint8_t> pixels(rowBytes * static_cast<std::size_t>(out.height));
    if (!runJpeg(&info, &errors, &progress, &bytes, 1, pixels.data(), rowBytes))
        throw fail();
    out.pixels = toPlanar(pixels, out.channels);
    return out;
}
#else
DecodedImage unavailable(const std::string& path)
{
    throw DataError(path + ": this build of DropoutLab reads no pictures (built with DROPOUTLAB_IMAGE_CODECS=OFF)");
}
DecodedImage decodePng(const std::string&, const std::string& path, int) { return unavailable(path); }
DecodedImage decodeJpeg(const std::string&, const std::string& path, int) { return unavailable(path); }
#endif

} // namespace

ImageKind imageKindOf(const std::string& bytes)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (bytes.size() >= 8 && std::memcmp(bytes.data(), png, 8) == 0)
        return ImageKind::Png;
    if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xff && static_cast<unsigned char>(bytes[1]) == 0xd8 &&
        static_cast<unsigned char>(bytes[2]) == 0xff)
        return ImageKind::Jpeg;
    return ImageKind::Unknown;
}

DecodedImage decodeImage(const std::string& bytes, const std::string& path, int maxSide)
{
    switch (imageKindOf(bytes)) {
    case ImageKind::Png: return decodePng(bytes, path, maxSide);
    case ImageKind::Jpeg: return decodeJpeg(bytes, path, maxSide);
    case ImageKind::Unknown: break;
    }
    throw DataError(path + ": neither a PNG nor a JPEG (its first bytes are no picture's signature)");
}

} // namespace dropoutlab::detail
