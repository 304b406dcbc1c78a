#pragma once
// Structural check of a zip archive (a PyTorch model.pt) before any other reader sees it: every
// offset and size the archive states must lie inside it. LibTorch 1.13's archive reader trusts
// them and reads out of bounds on a damaged file (found by DropoutLab's damaged-model test under
// AddressSanitizer). Core library, so the fuzz targets cover it.

#include <cstddef>
#include <string>

namespace dropoutlab {

/// Throws ModelError naming `where` unless `bytes` is a well-formed, uncompressed ("stored") zip
/// archive: end-of-central-directory record at the end (and, if present, a consistent zip64
/// record), a central directory inside the file whose entries match its stated count and size,
/// and every entry's local header and data inside the file, before the central directory.
void checkZipArchive(const std::string& bytes, const std::string& where, std::size_t maxEntries = 100000);

} // namespace dropoutlab
