#pragma once
// Internal: the JSON form of a config, shared by config files, presets and run folders, and the
// checked field readers every JSON file of DropoutLab goes through.

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/experiment_config.h"
#include "dropoutlab/core/presets.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <set>
#include <string>

namespace dropoutlab::detail {

nlohmann::json configToJsonObject(const ExperimentConfig& config);

/// Applies the keys present in `object` onto `config` (absent keys keep their value).
/// `where` names the source in error messages; unknown keys and wrong types are ConfigErrors.
void applyConfigJson(ExperimentConfig& config, const nlohmann::json& object, const std::string& where);

/// The optimiser and regularisation keys of a config object (part of applyConfigJson).
void applyOptimiserJson(ExperimentConfig& config, const nlohmann::json& object, const std::string& where);

/// Parses JSON text within the file limits (depth, string length); any problem (syntax, a number
/// out of double's range, a limit) is a ConfigError naming `where`.
nlohmann::json parseJsonText(const std::string& text, const std::string& where);

/// A preset from its parsed JSON; `name` is shown in errors as "preset <name>".
Preset presetFromObject(const nlohmann::json& object, const std::string& name);

/// Throws ConfigError unless `object` is an object whose keys are all in `known`.
void checkKeys(const nlohmann::json& object, const std::set<std::string>& known, const std::string& where);

/// A finite number in [min, max]; ConfigError naming `where` and `key` otherwise.
double numberValue(const nlohmann::json& value, const std::string& where, const std::string& key,
                   double min = std::numeric_limits<double>::lowest(), double max = std::numeric_limits<double>::max());
/// An integer in [min, max] (checked before narrowing); ConfigError otherwise.
std::int64_t integerValue(const nlohmann::json& value, const std::string& where, const std::string& key,
                          std::int64_t min, std::int64_t max);
/// A non-negative integer up to 2^64 - 1 (seeds).
std::uint64_t unsignedValue(const nlohmann::json& value, const std::string& where, const std::string& key);
/// A string of at most `maxBytes` bytes.
std::string stringValue(const nlohmann::json& value, const std::string& where, const std::string& key,
                        std::size_t maxBytes);
bool boolValue(const nlohmann::json& value, const std::string& where, const std::string& key);

/// JSON text of `value` (indented by `indent`, or on one line for -1) that never throws: bytes that
/// are not UTF-8 in a string (a message quoting a path) come out as U+FFFD.
std::string dumpJson(const nlohmann::json& value, int indent = -1);
/// Whether `text` is valid UTF-8 (JSON strings must be).
bool isUtf8(const std::string& text);
/// A file system path for JSON, losslessly: Linux paths are bytes. Valid UTF-8 is stored as a
/// string; any other path as {"bytes_hex": "<two lower-case hex digits per byte>"}.
nlohmann::json pathToJson(const std::string& path);
/// Reads what pathToJson wrote (a string, or {"bytes_hex": ...}), at most kMaxPathBytes bytes.
std::string pathValue(const nlohmann::json& value, const std::string& where, const std::string& key);

/// Runs a validation and puts `where` (the file) in front of the ConfigError it throws.
template <typename Validate>
void validateIn(const std::string& where, Validate&& validate)
{
    try {
        validate();
    } catch (const ConfigError& error) {
        throw ConfigError(where + ": " + error.what());
    }
}

} // namespace dropoutlab::detail
