#include "dropoutlab/core/idx_reader.h"

#include "dropoutlab/core/errors.h"

#include <zlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace dropoutlab {
namespace {

constexpr std::uint8_t kUnsignedByteType = 0x08;
constexpr std::size_t kChunkBytes = std::size_t{1} << 20;

[[noreturn]] void fail(const std::string& path, const std::string& problem)
{
    throw DataError(path + ": " + problem);
}

std::string hex32(std::uint32_t value)
{
    std::array<char, 16> text{};
    std::snprintf(text.data(), text.size(), "0x%08x", value);
    return text.data();
}

/// A file's bytes, decompressed when it is gzip: one member, whose CRC-32 and length trailer
/// are checked, and nothing after it (zlib's gzread accepts a missing trailer and ignores
/// trailing garbage). Raw files are passed through.
class ByteSource {
public:
    ByteSource(const std::string& path, bool gzip)
        : m_path(path), m_file(std::fopen(path.c_str(), "rb"), &std::fclose), m_gzip(gzip), m_in(kChunkBytes)
    {
        if (!m_file)
            fail(path, "cannot open for reading");
        if (m_gzip && inflateInit2(&m_stream, 16 + MAX_WBITS) != Z_OK)
            fail(path, "cannot start decompression (out of memory)");
    }
    ~ByteSource()
    {
        if (m_gzip)
            inflateEnd(&m_stream);
    }
    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;

    /// Reads up to `size` bytes; returns how many arrived (fewer only at the end of the data).
    std::size_t read(std::uint8_t* out, std::size_t size)
    {
        if (!m_gzip)
            return std::fread(out, 1, size, m_file.get());
        std::size_t done = 0;
        while (done < size && !m_ended) {
            if (m_stream.avail_in == 0) {
                const std::size_t got = std::fread(m_in.data(), 1, m_in.size(), m_file.get());
                if (got == 0)
                    fail(m_path, "truncated: the gzip stream ends before its end (its CRC-32 and length trailer "
                                 "are missing)");
                m_stream.next_in = m_in.data();
                m_stream.avail_in = static_cast<uInt>(got);
            }
            const auto want = static_cast<uInt>(std::min(size - done, kChunkBytes));
            m_stream.next_out = out + done;
            m_stream.avail_out = want;
            const int code = inflate(&m_stream, Z_NO_FLUSH);
            done += want - m_stream.avail_out;
            if (code == Z_STREAM_END) {
                m_ended = true;  // inflate has checked the CRC-32 and the length
                std::uint8_t extra = 0;
                if (m_stream.avail_in != 0 || std::fread(&extra, 1, 1, m_file.get()) != 0)
                    fail(m_path, "unexpected data after the end of the gzip stream");
            } else if (code == Z_DATA_ERROR) {
                fail(m_path, std::string("corrupt compressed data (") + (m_stream.msg ? m_stream.msg : "zlib error") +
                                 ")");
            } else if (code != Z_OK && code != Z_BUF_ERROR) {
                fail(m_path, "decompression failed (zlib code " + std::to_string(code) + ")");
            }
        }
        return done;
    }

private:
    std::string m_path;
    std::unique_ptr<FILE, int (*)(FILE*)> m_file;
    bool m_gzip;
    std::vector<std::uint8_t> m_in;
    z_stream m_stream{};
    bool m_ended = false;
};

std::uint32_t bigEndian32(const std::uint8_t* bytes)
{
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
}

bool isGzip(const std::string& path)
{
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    std::array<unsigned char, 2> magic{};
    return file && std::fread(magic.data(), 1, 2, file.get()) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

} // namespace

IdxArray readIdxFile(const std::string& path, int expectedRank, int maxRank)
{
    if (maxRank < expectedRank)
        maxRank = expectedRank;
    const std::string ranks =
        std::to_string(expectedRank) + (maxRank > expectedRank ? " to " + std::to_string(maxRank) : std::string());
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec))
        fail(path, "file not found");
    if (!fs::is_regular_file(path, ec))
        fail(path, "not a regular file");
    const bool compressed = isGzip(path);

    ByteSource file(path, compressed);

    std::array<std::uint8_t, 4> magic{};
    if (file.read(magic.data(), magic.size()) != magic.size())
        fail(path, "truncated: shorter than the 4-byte IDX header");
    const std::uint32_t magicValue = bigEndian32(magic.data());
    if (magic[0] != 0 || magic[1] != 0)
        fail(path, "not an IDX file: magic number " + hex32(magicValue) + ", expected " +
                       hex32(0x0800u | static_cast<std::uint32_t>(expectedRank)));
    if (magic[2] != kUnsignedByteType)
        fail(path, "element type " + hex32(magic[2]) + " is not supported: expected unsigned bytes (0x08)");
    if (magic[3] < expectedRank || magic[3] > maxRank)
        fail(path, "wrong dimensions: the file has " + std::to_string(magic[3]) + " dimension(s), expected " + ranks);
    const int rank = magic[3];

    IdxArray array;
    std::vector<std::uint8_t> dimBytes(static_cast<std::size_t>(rank) * 4);
    if (file.read(dimBytes.data(), dimBytes.size()) != dimBytes.size())
        fail(path, "truncated: the header ends before its " + std::to_string(rank) + " dimension sizes");
    std::uint64_t total = 1;
    for (int i = 0; i < rank; ++i) {
        const std::uint32_t dim = bigEndian32(dimBytes.data() + 4 * i);
        if (dim > 0x7fffffffu)
            fail(path, "dimension " + std::to_string(i) + " claims " + std::to_string(dim) + " elements: not a valid size");
        array.dims.push_back(dim);
        total *= dim;  // below 2^31 before, times a factor below 2^31: exact, then compared with the limit
        if (total > kMaxIdxBytes)
            fail(path, "header claims an absurd size (more than " + std::to_string(kMaxIdxBytes) +
                           " bytes of data): the header is corrupt or this is not an IDX file");
    }

    const std::uint64_t headerBytes = 4 + dimBytes.size();
    if (!compressed) {
        // A raw file's size is known: check before allocating anything.
        const std::uint64_t size = fs::file_size(path, ec);
        if (!ec && size < headerBytes + total)
            fail(path, "truncated: header claims " + std::to_string(total) + " data bytes, the file holds " +
                           std::to_string(size - headerBytes));
    }

    // Compressed files grow the buffer chunk by chunk, so a lying header costs no more
    // memory than the data that is really there.
    array.data.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(total, 64 * kChunkBytes)));
    while (array.data.size() < total) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(total - array.data.size(), kChunkBytes));
        const std::size_t before = array.data.size();
        array.data.resize(before + want);
        const std::size_t got = file.read(array.data.data() + before, want);
        if (got < want)
            fail(path, "truncated: header claims " + std::to_string(total) + " data bytes, the file holds " +
                           std::to_string(before + got));
    }
    std::uint8_t extra = 0;
    if (file.read(&extra, 1) != 0)
        fail(path, "unexpected data after the " + std::to_string(total) + " bytes the header declares");
    return array;
}

} // namespace dropoutlab
