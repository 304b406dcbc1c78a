#include "engine/core/idx_writer.h"

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

} // namespace dropoutlab::test
