#pragma once
// Internal: the JSON form of a config, shared by config files, presets and run folders.

#include "dropoutlab/experiment_config.h"

#include <nlohmann/json.hpp>

namespace dropoutlab::detail {

nlohmann::json configToJsonObject(const ExperimentConfig& config);

/// Applies the keys present in `object` onto `config` (absent keys keep their value).
/// `where` names the source in error messages; unknown keys and wrong types are ConfigErrors.
void applyConfigJson(ExperimentConfig& config, const nlohmann::json& object, const std::string& where);

/// Parses JSON text, turning syntax errors into ConfigError naming `where`.
nlohmann::json parseJsonText(const std::string& text, const std::string& where);

} // namespace dropoutlab::detail
