#include "dropoutlab/presets.h"

#include "builtin_presets.h"
#include "config_json.h"
#include "dropoutlab/errors.h"

#include <algorithm>

namespace dropoutlab {

Preset presetFromJson(const std::string& name, const std::string& text)
{
    const std::string where = "preset " + name;
    const nlohmann::json object = detail::parseJsonText(text, where);
    if (!object.is_object() || !object.contains("runs") || !object["runs"].is_array() || object["runs"].empty())
        throw ConfigError(where + ": expected an object with a non-empty 'runs' list");
    for (const auto& item : object.items()) {
        if (item.key() != "title" && item.key() != "description" && item.key() != "base" && item.key() != "runs")
            throw ConfigError(where + ": unknown key '" + item.key() + "'; expected title, description, base, runs");
    }
    Preset preset;
    preset.name = name;
    preset.title = object.value("title", name);
    preset.description = object.value("description", "");
    ExperimentConfig base;
    if (object.contains("base"))
        detail::applyConfigJson(base, object["base"], where + " base");
    for (std::size_t i = 0; i < object["runs"].size(); ++i) {
        ExperimentConfig run = base;
        detail::applyConfigJson(run, object["runs"][i], where + " run " + std::to_string(i + 1));
        validateConfig(run);
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
