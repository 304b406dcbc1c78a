#pragma once
// Test helper: PNG and JPEG pictures, and image-folder datasets written from IDX ones.

#include <cstdint>
#include <string>
#include <vector>

namespace dropoutlab::test {

/// A PNG of `planar` pixels (1 or 3 planes of height x width), written with libpng.
std::string pngBytes(const std::vector<std::uint8_t>& planar, int channels, int height, int width);
/// A baseline JPEG of `planar` pixels at `quality`, written with libjpeg-turbo.
std::string jpegBytes(const std::vector<std::uint8_t>& planar, int channels, int height, int width, int quality = 90);

/// Writes `bytes` to `path` (throws std::runtime_error).
void writeText(const std::string& path, const std::string& bytes);

/// Writes the first `trainLimit` training and `testLimit` test images of the IDX dataset `source`
/// twice: as an IDX folder `idxDir`, and as an image folder `folderDir` of grey PNGs,
/// train/<label>/<index>.png and test/<label>/<index>.png, numbered so that file-name order is
/// the IDX order. Returns the number of training images written.
std::size_t writeIdxAndFolder(const std::string& source, std::size_t trainLimit, std::size_t testLimit,
                              const std::string& idxDir, const std::string& folderDir);

} // namespace dropoutlab::test
