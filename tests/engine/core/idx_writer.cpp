#include "engine/core/idx_writer.h"

#include "dropoutlab/core/dataset.h"

#include <zlib.h>

#include <fstream>
#include <stdexcept>

namespace dropoutlab::test {

std::vector<std::uint8_t> idxBytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                                   const std::vector<std::uint8_t>& payload)
{
    std::vector<std::uint8_t> bytes;
    auto put32 = [&](std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            bytes.push_back(static_cast<std::uint8_t>(v >> shift));
    };
    put32(magic);
    for (const auto d : dims)
        put32(d);
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    return bytes;
}

void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes, bool gzip)
{
    if (gzip) {
        gzFile file = gzopen(path.c_str(), "wb");
        if (!file || gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) != static_cast<int>(bytes.size()))
            throw std::runtime_error("cannot write " + path);
        gzclose(file);
        return;
    }
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

void writeDataset(const std::string& dir, std::uint32_t trainCount, std::uint32_t testCount, bool gzip)
{
    const std::string suffix = gzip ? ".gz" : "";
    auto write = [&](const std::string& prefix, std::uint32_t count) {
        std::vector<std::uint8_t> pixels(std::size_t{count} * 28 * 28);
        std::vector<std::uint8_t> labels(count);
        for (std::size_t i = 0; i < pixels.size(); ++i)
            pixels[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 24);
        for (std::uint32_t i = 0; i < count; ++i)
            labels[i] = static_cast<std::uint8_t>(i % 10);
        writeBytes(dir + "/" + prefix + "-images-idx3-ubyte" + suffix, idxBytes(0x803, {count, 28, 28}, pixels), gzip);
        writeBytes(dir + "/" + prefix + "-labels-idx1-ubyte" + suffix, idxBytes(0x801, {count}, labels), gzip);
    };
    write("train", trainCount);
    write("t10k", testCount);
}

std::size_t writeCifarFromIdx(const std::string& source, const std::string& dir)
{
    const DatasetBytes mnist = loadDataset(source);
    const auto record = [&](const std::vector<std::uint8_t>& images, const std::vector<std::int32_t>& labels,
                            std::size_t i, std::vector<std::uint8_t>& out) {
        const int label = labels[i];
        out.push_back(static_cast<std::uint8_t>(label));
        const int tint[3] = {255 - 20 * label, 60 + 15 * label, 128};
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 32; ++y)
                for (int x = 0; x < 32; ++x) {
                    const bool inside = y >= 2 && y < 30 && x >= 2 && x < 30;
                    const int v = inside ? images[i * 784 + static_cast<std::size_t>((y - 2) * 28 + (x - 2))] : 0;
                    out.push_back(static_cast<std::uint8_t>(v * tint[c] / 255));
                }
    };
    const std::size_t train = mnist.trainLabels.size();
    std::vector<std::uint8_t> first, second, test;
    for (std::size_t i = 0; i < train; ++i)
        record(mnist.trainImages, mnist.trainLabels, i, i < train / 2 ? first : second);
    for (std::size_t i = 0; i < mnist.testLabels.size(); ++i)
        record(mnist.testImages, mnist.testLabels, i, test);
    writeBytes(dir + "/data_batch_1.bin", first, false);
    writeBytes(dir + "/data_batch_2.bin", second, false);
    writeBytes(dir + "/test_batch.bin", test, false);
    std::string names;
    for (int c = 0; c < 10; ++c)
        names += "digit " + std::to_string(c) + "\n";
    writeBytes(dir + "/batches.meta.txt", std::vector<std::uint8_t>(names.begin(), names.end()), false);
    return train;
}

} // namespace dropoutlab::test
