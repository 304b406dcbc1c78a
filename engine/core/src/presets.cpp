#include "dropoutlab/core/presets.h"

#include "builtin_presets.h"
#include "config_json.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_limits.h"

#include <algorithm>

namespace dropoutlab {
namespace {

constexpr std::size_t kMaxPresetRuns = 1000;

} // namespace

Preset presetFromJson(const std::string& name, const std::string& text)
{
    return detail::presetFromObject(detail::parseJsonText(text, "preset " + name), name);
}

Preset detail::presetFromObject(const nlohmann::json& object, const std::string& name)
{
    const std::string where = "preset " + name;
    detail::checkKeys(object, {"title", "description", "source", "base", "runs"}, where);
    const auto& runs = object.contains("runs") ? object["runs"] : nlohmann::json();
    if (!runs.is_array() || runs.empty() || runs.size() > kMaxPresetRuns)
        throw ConfigError(where + ": expected a non-empty 'runs' list of at most " + std::to_string(kMaxPresetRuns) +
                          " runs");
    Preset preset;
    preset.name = name;
    preset.title = object.contains("title") ? detail::stringValue(object["title"], where, "title", kMaxNameBytes) : name;
    if (object.contains("description"))
        preset.description = detail::stringValue(object["description"], where, "description", kMaxJsonStringBytes);
    if (object.contains("source"))
        preset.source = detail::stringValue(object["source"], where, "source", kMaxNameBytes);
    ExperimentConfig base;
    if (object.contains("base"))
        detail::applyConfigJson(base, object["base"], where + " base");
    for (std::size_t i = 0; i < runs.size(); ++i) {
        ExperimentConfig run = base;
        const std::string runWhere = where + " run " + std::to_string(i + 1);
        nlohmann::json settings = runs[i];
        std::optional<double> published;
        if (settings.is_object() && settings.contains("published")) {
            const nlohmann::json& entry = settings["published"];
            const std::string publishedWhere = runWhere + " published";
            detail::checkKeys(entry, {"test_error_percent", "test_errors"}, publishedWhere);
            if (entry.contains("test_error_percent"))
                published = detail::numberValue(entry["test_error_percent"], publishedWhere, "test_error_percent", 0.0, 100.0);
            else if (entry.contains("test_errors"))
                published = detail::numberValue(entry["test_errors"], publishedWhere, "test_errors", 0.0, 10000.0) / 100.0;
            settings.erase("published");
        }
        detail::applyConfigJson(run, settings, runWhere);
        preset.publishedTestErrorPercent.push_back(published);
        detail::validateIn(runWhere, [&] { validateConfig(run); });
        preset.runs.push_back(std::move(run));
    }
    return preset;
}

const std::vector<Preset>& builtinPresets()
{
    static const std::vector<Preset> presets = [] {
        std::vector<Preset> list;
        for (const auto& file : detail::builtinPresetFiles())
            list.push_back(presetFromJson(file.name, file.json));
        std::sort(list.begin(), list.end(), [](const Preset& a, const Preset& b) { return a.name < b.name; });
        return list;
    }();
    return presets;
}

const Preset& findPreset(const std::string& name)
{
    const auto& presets = builtinPresets();
    const auto it = std::find_if(presets.begin(), presets.end(), [&](const Preset& p) { return p.name == name; });
    if (it != presets.end())
        return *it;
    std::string names;
    for (const auto& preset : presets)
        names += (names.empty() ? "" : ", ") + preset.name;
    throw ConfigError("unknown preset '" + name + "'; expected one of " + names);
}

} // namespace dropoutlab
