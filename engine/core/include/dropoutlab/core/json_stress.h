#pragma once
// Worst-case JSON inputs for DropoutLab's readers, and a timer over every reader. Shared by
// `dropoutlab-cli bench --readers` (figures at the size limit) and the test that keeps the
// readers linear in their input.

#include <cstddef>
#include <string>
#include <vector>

namespace dropoutlab {

/// Names of the generated document shapes: objects, arrays, keys, numbers, floats, strings,
/// nesting, mixed.
const std::vector<std::string>& jsonStressShapes();

/// A syntactically valid JSON document of `shape` of close to (never more than) `bytes` bytes.
/// Throws std::invalid_argument for an unknown shape.
std::string jsonStressDocument(const std::string& shape, std::size_t bytes);

/// Names of the readers timed by timeJsonReaders: config, runs file, sweep spec, result.json,
/// metrics line.
const std::vector<std::string>& jsonStressReaders();

struct ReaderTiming {
    std::string reader;
    std::string shape;
    std::size_t bytes = 0;
    double seconds = 0.0;
    std::string outcome;  ///< "accepted", or the first line of the error that refused it
};

/// Writes each shape of `bytes` bytes, as each reader's file, under `folder` (which must exist),
/// times that reader on it, and removes the files again.
std::vector<ReaderTiming> timeJsonReaders(const std::string& folder, std::size_t bytes);

} // namespace dropoutlab
