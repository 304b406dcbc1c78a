#pragma once
// Fuzz targets for every reader of files a user may be handed: IDX (raw and gzip), config and
// sweep-spec JSON, run results (result.json, metrics.jsonl), datasets (CSV tables, CIFAR batches,
// image folders). Each target returns normally or
// throws dropoutlab::Error for input it rejects. Anything else is a bug: another exception
// escaping (std::logic_error reports a broken invariant), a crash, or a sanitizer report.
// The same functions serve libFuzzer and the regression test that replays saved inputs.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dropoutlab::fuzz {

using TargetFunction = void (*)(const std::uint8_t* data, std::size_t size);

struct Target {
    const char* name;  ///< also the folder name under fuzz/corpus and fuzz/regressions
    TargetFunction run;
};

void idxRaw(const std::uint8_t* data, std::size_t size);
void idxGzip(const std::uint8_t* data, std::size_t size);
void configJson(const std::uint8_t* data, std::size_t size);
void sweepSpec(const std::uint8_t* data, std::size_t size);
void runResults(const std::uint8_t* data, std::size_t size);
/// The structural check model.pt passes before torch's archive reader sees it.
void modelArchive(const std::uint8_t* data, std::size_t size);
/// A network file (network.h): read, checked as the editor checks it, written back.
void networkJson(const std::uint8_t* data, std::size_t size);
/// A CSV table, its label the last column or the one the first header cell names.
void csvTable(const std::uint8_t* data, std::size_t size);
/// CIFAR-10/100 batches (the first three bytes say which, and where the test batch starts).
void cifarBatches(const std::uint8_t* data, std::size_t size);
/// A PNG or JPEG picture, alone and as the pictures of an image folder.
void imageFolder(const std::uint8_t* data, std::size_t size);

const std::vector<Target>& targets();

} // namespace dropoutlab::fuzz
