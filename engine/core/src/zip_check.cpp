#include "dropoutlab/core/zip_check.h"

#include "dropoutlab/core/errors.h"

#include <cstdint>

namespace dropoutlab {

namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kCentralSize = 46;
constexpr std::size_t kLocalSize = 30;
constexpr std::size_t kZip64EndSize = 56;
constexpr std::size_t kZip64LocatorSize = 20;

class Reader {
public:
    Reader(const std::string& bytes, const std::string& where) : m_bytes(bytes), m_where(where) {}

    std::uint64_t le(std::uint64_t at, int width) const
    {
        need(at, static_cast<std::uint64_t>(width), "a field");
        std::uint64_t value = 0;
        for (int i = width - 1; i >= 0; --i)
            value = (value << 8) | static_cast<unsigned char>(m_bytes[static_cast<std::size_t>(at) + static_cast<std::size_t>(i)]);
        return value;
    }
    void need(std::uint64_t at, std::uint64_t size, const char* what) const
    {
        if (at > m_bytes.size() || size > m_bytes.size() - at)
            fail(std::string(what) + " at byte " + std::to_string(at) + " runs past the end of the file (" +
                 std::to_string(m_bytes.size()) + " bytes)");
    }
    [[noreturn]] void fail(const std::string& problem) const
    {
        throw ModelError(m_where + ": not a readable model archive: " + problem);
    }

private:
    const std::string& m_bytes;
    const std::string& m_where;
};

} // namespace

void checkZipArchive(const std::string& bytes, const std::string& where, std::size_t maxEntries)
{
    const Reader r(bytes, where);
    const std::uint64_t size = bytes.size();
    if (size < kEndSize)
        r.fail("too short for a zip archive");
    // The end record: the last signature in the final 64 KiB + 22 bytes (as zip readers search),
    // and its comment must end exactly at the end of the file.
    std::uint64_t end = size - kEndSize;
    const std::uint64_t lowest = size > kEndSize + 0xffff ? size - kEndSize - 0xffff : 0;
    while (r.le(end, 4) != kEndSig) {
        if (end == lowest)
            r.fail("no end-of-central-directory record");
        --end;
    }
    if (end + kEndSize + r.le(end + 20, 2) != size)
        r.fail("the end-of-central-directory record does not end the file");
    if (r.le(end + 4, 2) != 0 || r.le(end + 6, 2) != 0)
        r.fail("a multi-disk archive");
    std::uint64_t entries = r.le(end + 10, 2);
    std::uint64_t cdSize = r.le(end + 12, 4);
    std::uint64_t cdOffset = r.le(end + 16, 4);
    if (r.le(end + 8, 2) != entries)
        r.fail("inconsistent entry counts");
    std::uint64_t cdEnd = end;  // the central directory ends where the end records begin
    if (end >= kZip64LocatorSize && r.le(end - kZip64LocatorSize, 4) == kZip64LocatorSig) {
        const std::uint64_t locator = end - kZip64LocatorSize;
        const std::uint64_t record = r.le(locator + 8, 8);
        if (record > locator || locator - record < kZip64EndSize || r.le(record, 4) != kZip64EndSig)
            r.fail("the zip64 end record is not where its locator says");
        const std::uint64_t entries64 = r.le(record + 32, 8);
        const std::uint64_t cdSize64 = r.le(record + 40, 8);
        const std::uint64_t cdOffset64 = r.le(record + 48, 8);
        if ((entries != 0xffff && entries != entries64) || (cdSize != 0xffffffff && cdSize != cdSize64) ||
            (cdOffset != 0xffffffff && cdOffset != cdOffset64) || r.le(record + 24, 8) != entries64)
            r.fail("the zip64 end record contradicts the end record");
        entries = entries64;
        cdSize = cdSize64;
        cdOffset = cdOffset64;
        cdEnd = record;
    } else if (entries == 0xffff || cdSize == 0xffffffff || cdOffset == 0xffffffff) {
        r.fail("zip64 sizes without a zip64 end record");
    }
    if (entries == 0 || entries > maxEntries)
        r.fail(std::to_string(entries) + " entries; expected 1-" + std::to_string(maxEntries));
    if (cdOffset > cdEnd || cdSize != cdEnd - cdOffset)
        r.fail("the central directory (" + std::to_string(cdSize) + " bytes at " + std::to_string(cdOffset) +
               ") does not end where the end records begin");
    std::uint64_t at = cdOffset;
    for (std::uint64_t i = 0; i < entries; ++i) {
        r.need(at, kCentralSize, "a central directory entry");
        if (at + kCentralSize > cdEnd || r.le(at, 4) != kCentralSig)
            r.fail("central directory entry " + std::to_string(i + 1) + " is damaged");
        const std::uint64_t method = r.le(at + 10, 2);
        const std::uint64_t compressed = r.le(at + 20, 4);
        const std::uint64_t uncompressed = r.le(at + 24, 4);
        const std::uint64_t nameLength = r.le(at + 28, 2);
        const std::uint64_t extraLength = r.le(at + 30, 2);
        const std::uint64_t commentLength = r.le(at + 32, 2);
        const std::uint64_t local = r.le(at + 42, 4);
        if (method != 0 || compressed != uncompressed)
            r.fail("entry " + std::to_string(i + 1) + " is compressed; a model archive stores its entries");
        if (compressed == 0xffffffff || local == 0xffffffff)
            r.fail("entry " + std::to_string(i + 1) + " has zip64 sizes");
        if (nameLength == 0)
            r.fail("entry " + std::to_string(i + 1) + " has no name");
        const std::uint64_t next = at + kCentralSize + nameLength + extraLength + commentLength;
        if (next > cdEnd)
            r.fail("central directory entry " + std::to_string(i + 1) + " runs past the directory");
        // Its local header and data must lie before the central directory.
        if (local > cdOffset || cdOffset - local < kLocalSize || r.le(local, 4) != kLocalSig)
            r.fail("entry " + std::to_string(i + 1) + "'s local header is not where the directory says");
        const std::uint64_t data = local + kLocalSize + r.le(local + 26, 2) + r.le(local + 28, 2);
        if (data > cdOffset || compressed > cdOffset - data)
            r.fail("entry " + std::to_string(i + 1) + "'s data runs into the central directory");
        at = next;
    }
    if (at != cdEnd)
        r.fail("the central directory holds more than its " + std::to_string(entries) + " entries");
}

} // namespace dropoutlab
