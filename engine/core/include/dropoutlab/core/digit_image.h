#pragma once
// A drawn digit made into an MNIST image the way MNIST's were made (LeCun et al.): the ink's
// bounding box scaled, aspect kept, to fit 20x20 pixels (anti-aliased by area averaging), then
// placed in 28x28 so that its centre of mass is at the centre. Core library: no torch, no Qt.

#include <cstdint>
#include <vector>

namespace dropoutlab {

inline constexpr int kMnistSide = 28;
inline constexpr int kMnistInkBox = 20;

/// `canvas` is `width` x `height` ink values in [0, 1], row-major (1: full ink). Returns 28 x 28
/// bytes (0 background, 255 full ink), row-major; all zero when the canvas has no ink.
std::vector<std::uint8_t> mnistFromCanvas(const std::vector<float>& canvas, int width, int height);

} // namespace dropoutlab
