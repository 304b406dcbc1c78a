#pragma once

#include "dropoutlab/core/experiment_config.h"

#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

/// A named list of runs shipped with DropoutLab (resources/presets/*.json).
struct Preset {
    std::string name;
    std::string title;
    std::string description;
    std::string source;  ///< the publication the preset reproduces, if any
    std::vector<ExperimentConfig> runs;
    /// Per run: the test error (percent of the 10,000 MNIST test images) its source published,
    /// from the run's "published" entry ({"test_error_percent": 1.25} or {"test_errors": 125}).
    std::vector<std::optional<double>> publishedTestErrorPercent;
};

/// All built-in presets, sorted by name.
const std::vector<Preset>& builtinPresets();

/// The built-in preset called `name`; throws ConfigError listing the known names otherwise.
const Preset& findPreset(const std::string& name);

/// Parses a preset file's JSON: {"title","description","base":{config},"runs":[{overrides}]}.
Preset presetFromJson(const std::string& name, const std::string& text);

} // namespace dropoutlab
