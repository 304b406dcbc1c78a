#pragma once
// Test helper: writes IDX files, valid or deliberately broken.

#include <cstdint>
#include <string>
#include <vector>

namespace dropoutlab::test {

/// Raw bytes of an IDX file with the given magic word and dimensions, followed by `payload`.
std::vector<std::uint8_t> idxBytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                                   const std::vector<std::uint8_t>& payload);

/// Writes bytes to `path`, gzip-compressed when `gzip` is true.
void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes, bool gzip);

/// Writes a complete, valid dataset of `trainCount`/`testCount` random 28x28 images into `dir`.
void writeDataset(const std::string& dir, std::uint32_t trainCount, std::uint32_t testCount, bool gzip);

/// Writes an MNIST-style dataset (`source`, any IDX folder of 28x28 grey images) into `dir` in
/// the CIFAR-10 binary format: each digit centred in a 32x32 frame, its strokes tinted per class
/// (red, green and blue planes differ), the training images over two batches, and
/// batches.meta.txt naming the classes "digit 0" .. "digit 9". Returns the number of training
/// images written.
std::size_t writeCifarFromIdx(const std::string& source, const std::string& dir);

} // namespace dropoutlab::test
