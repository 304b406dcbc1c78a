#include "dropoutlab/core/digit_image.h"

#include <algorithm>
#include <cmath>

namespace dropoutlab {

namespace {

constexpr float kInk = 1.0f / 255.0f;  // below this a canvas pixel counts as background

/// Area-averaging resample of the box [x0, x0 + w) x [y0, y0 + h) of `canvas` to `outW` x `outH`.
std::vector<double> resample(const std::vector<float>& canvas, int width, int x0, int y0, int w, int h, int outW,
                             int outH)
{
    std::vector<double> out(static_cast<std::size_t>(outW) * outH, 0.0);
    const double sx = static_cast<double>(w) / outW;
    const double sy = static_cast<double>(h) / outH;
    for (int oy = 0; oy < outH; ++oy) {
        const double top = oy * sy, bottom = (oy + 1) * sy;
        for (int ox = 0; ox < outW; ++ox) {
            const double left = ox * sx, right = (ox + 1) * sx;
            double sum = 0.0;
            for (int y = static_cast<int>(std::floor(top)); y < static_cast<int>(std::ceil(bottom)); ++y) {
                const double cover = std::min<double>(y + 1, bottom) - std::max<double>(y, top);
                if (cover <= 0.0)
                    continue;
                for (int x = static_cast<int>(std::floor(left)); x < static_cast<int>(std::ceil(right)); ++x) {
                    const double coverX = std::min<double>(x + 1, right) - std::max<double>(x, left);
                    if (coverX > 0.0)
                        sum += cover * coverX * canvas[static_cast<std::size_t>(y0 + y) * width + (x0 + x)];
                }
            }
            out[static_cast<std::size_t>(oy) * outW + ox] = sum / (sx * sy);
        }
    }
    return out;
}

} // namespace

std::vector<std::uint8_t> mnistFromCanvas(const std::vector<float>& canvas, int width, int height)
{
    std::vector<std::uint8_t> image(kMnistSide * kMnistSide, 0);
    if (width <= 0 || height <= 0 || canvas.size() != static_cast<std::size_t>(width) * height)
        return image;
    int left = width, right = -1, top = height, bottom = -1;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            if (canvas[static_cast<std::size_t>(y) * width + x] >= kInk) {
                left = std::min(left, x);
                right = std::max(right, x);
                top = std::min(top, y);
                bottom = std::max(bottom, y);
            }
        }
    }
    if (right < 0)
        return image;
    const int boxW = right - left + 1, boxH = bottom - top + 1;
    // The longer side becomes 20 pixels; the other keeps the aspect ratio (at least 1 pixel).
    const double scale = static_cast<double>(kMnistInkBox) / std::max(boxW, boxH);
    const int outW = std::clamp(static_cast<int>(std::lround(boxW * scale)), 1, kMnistInkBox);
    const int outH = std::clamp(static_cast<int>(std::lround(boxH * scale)), 1, kMnistInkBox);
    const std::vector<double> ink = resample(canvas, width, left, top, boxW, boxH, outW, outH);

    // Centre of mass of the scaled ink, moved to the image centre (14, 14) in whole pixels.
    double mass = 0.0, cx = 0.0, cy = 0.0;
    for (int y = 0; y < outH; ++y) {
        for (int x = 0; x < outW; ++x) {
            const double v = ink[static_cast<std::size_t>(y) * outW + x];
            mass += v;
            cx += v * (x + 0.5);
            cy += v * (y + 0.5);
        }
    }
    const double centre = kMnistSide / 2.0;
    const int offsetX = std::clamp(static_cast<int>(std::lround(centre - cx / mass)), 0, kMnistSide - outW);
    const int offsetY = std::clamp(static_cast<int>(std::lround(centre - cy / mass)), 0, kMnistSide - outH);
    for (int y = 0; y < outH; ++y) {
        for (int x = 0; x < outW; ++x) {
            const double v = std::clamp(ink[static_cast<std::size_t>(y) * outW + x], 0.0, 1.0);
            image[static_cast<std::size_t>(offsetY + y) * kMnistSide + offsetX + x] =
                static_cast<std::uint8_t>(std::lround(v * 255.0));
        }
    }
    return image;
}

} // namespace dropoutlab
