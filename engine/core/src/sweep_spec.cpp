#include "config_json.h"
#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/core/sweep.h"

#include <cmath>
#include <set>
#include <sstream>

namespace dropoutlab {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxGridRuns = 100000;
constexpr std::size_t kMaxAxes = 8;
constexpr std::size_t kMaxAxisValues = 10000;
constexpr std::int64_t kMaxRepeats = 1000;

std::string formatValue(double value)
{
    std::ostringstream out;
    out << value;
    return out.str();
}

double parseNumber(const std::string& text, const std::string& where)
{
    const auto value = numberFromText(text);
    if (!value)
        throw ConfigError(where + ": '" + text + "' is not a number");
    return *value;
}

std::vector<double> expandRange(double start, double stop, double step, const std::string& where)
{
    if (!(step > 0.0))
        throw ConfigError(where + ": step " + formatValue(step) + " must be positive");
    if (stop < start)
        throw ConfigError(where + ": stop " + formatValue(stop) + " is below start " + formatValue(start));
    std::vector<double> values;
    // Count steps with a tolerance so 0:0.5:0.1 includes 0.5 despite rounding; compare as a
    // double first, a huge count does not fit an integer.
    const double steps = std::floor((stop - start) / step + 1e-9);
    if (!(steps < static_cast<double>(kMaxAxisValues)))
        throw ConfigError(where + ": the range has more than " + std::to_string(kMaxAxisValues) + " values");
    const auto count = static_cast<long>(steps);
    for (long i = 0; i <= count; ++i)
        values.push_back(std::round((start + static_cast<double>(i) * step) * 1e9) / 1e9);
    return values;
}

void applyValue(ExperimentConfig& config, const std::string& parameter, double value)
{
    if (parameter == "learning_rate") {
        config.learningRate = value;
    } else if (parameter == "momentum") {
        config.momentum = value;
    } else if (parameter == "weight_decay") {
        config.weightDecay = value;
    } else if (parameter == "max_norm") {
        config.maxNorm = value;
        if (value == 0.0)
            config.maxNormLayers.clear();  // off: no layer list without a bound
    } else if (parameter == "train_subset") {
        // Out-of-range values must not reach llround (undefined there); 0 means "all".
        if (!(value >= 0.0 && value <= 1e15))
            throw ConfigError("train_subset " + formatValue(value) + ": expected 0 (all) or a positive image count");
        config.trainSubset = static_cast<std::int64_t>(std::llround(value));
    } else if (value == 0.0) {
        config.dropout.erase(parameter);
    } else {
        // Keep the base's kind (e.g. channel) for this site.
        DropoutSetting setting = config.dropout.count(parameter) ? config.dropout.at(parameter) : DropoutSetting{};
        setting.rate = value;
        config.dropout[parameter] = setting;
    }
}

std::string slugValue(const std::string& parameter, double value)
{
    std::string text = parameter + "=" + formatValue(value);
    for (char& c : text) {
        if (c == ' ' || c == '/' || c == ',')
            c = '_';
    }
    return text;
}

} // namespace

std::string SweepPoint::label() const
{
    std::string text;
    for (const auto& [parameter, value] : values)
        text += (text.empty() ? "" : ", ") + parameter + "=" + formatValue(value);
    return text.empty() ? "base" : text;
}

const std::vector<SweepSetting>& sweepSettings()
{
    static const std::vector<SweepSetting> settings = {
        {"learning_rate", "Learning rate"}, {"momentum", "Momentum"},
        {"weight_decay", "Weight decay"},   {"max_norm", "Max-norm bound"},
        {"train_subset", "Training images"},
    };
    return settings;
}

bool isSweepHyperparameter(const std::string& parameter)
{
    for (const auto& setting : sweepSettings()) {
        if (setting.name == parameter)
            return true;
    }
    return false;
}

static std::string sweepSettingList()
{
    std::string names;
    for (const auto& setting : sweepSettings())
        names += (names.empty() ? "" : ", ") + setting.name;
    return names;
}

SweepAxis parseSweepAxis(const std::string& text)
{
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw ConfigError("axis '" + text + "': expected PARAMETER=V1,V2,... or PARAMETER=START:STOP:STEP, e.g. fc1=0,0.25,0.5");
    SweepAxis axis;
    axis.parameter = text.substr(0, eq);
    const std::string values = text.substr(eq + 1);
    const std::string where = "axis " + axis.parameter;
    if (values.find(':') != std::string::npos) {
        std::vector<double> parts;
        std::stringstream stream(values);
        std::string part;
        while (std::getline(stream, part, ':'))
            parts.push_back(parseNumber(part, where));
        if (parts.size() != 3)
            throw ConfigError(where + ": a range is START:STOP:STEP, e.g. 0:0.5:0.1");
        axis.values = expandRange(parts[0], parts[1], parts[2], where);
        return axis;
    }
    std::stringstream stream(values);
    std::string part;
    while (std::getline(stream, part, ',')) {
        if (axis.values.size() >= kMaxAxisValues)
            throw ConfigError(where + ": more than " + std::to_string(kMaxAxisValues) + " values");
        axis.values.push_back(parseNumber(part, where));
    }
    return axis;
}

void validateSweep(const SweepSpec& spec)
{
    validateConfig(spec.base);
    if (spec.repeats < 1 || spec.repeats > 1000)
        throw ConfigError("repeats is " + std::to_string(spec.repeats) + "; expected 1-1000");
    std::set<std::string> seen;
    std::size_t runs = static_cast<std::size_t>(spec.repeats);
    for (const auto& axis : spec.axes) {
        const std::string where = "axis " + axis.parameter;
        if (!seen.insert(axis.parameter).second)
            throw ConfigError(where + " is given twice");
        if (axis.values.empty())
            throw ConfigError(where + " has no values");
        if (!isSweepHyperparameter(axis.parameter)) {
            bool known = false;
            std::string names;
            for (const auto& site : dropoutSites(spec.base)) {
                known = known || site.name == axis.parameter;
                names += site.name + ", ";
            }
            if (!known)
                throw ConfigError(where + ": '" + axis.parameter + "' is not a dropout site of the " +
                                  toString(spec.base.model) + " model nor a sweepable setting; expected one of " + names +
                                  sweepSettingList());
        }
        for (const double value : axis.values) {
            ExperimentConfig probe = spec.base;
            try {
                applyValue(probe, axis.parameter, value);
                validateConfig(probe);
            } catch (const ConfigError& error) {
                throw ConfigError(where + ": value " + formatValue(value) + " is invalid (" + error.what() + ")");
            }
        }
        runs *= axis.values.size();
        if (runs > kMaxGridRuns)
            throw ConfigError("the sweep has more than " + std::to_string(kMaxGridRuns) + " runs; reduce axes or repeats");
    }
    if (spec.halving.atEpoch < 0 || (spec.halving.atEpoch > 0 && spec.halving.atEpoch >= spec.base.epochs))
        throw ConfigError("successive halving at epoch " + std::to_string(spec.halving.atEpoch) +
                          ": expected 0 (off) or an epoch before the last (" + std::to_string(spec.base.epochs) + ")");
}

std::vector<SweepPoint> expandPoints(const SweepSpec& spec)
{
    std::vector<SweepPoint> points(1);
    for (const auto& axis : spec.axes) {
        std::vector<SweepPoint> next;
        for (const auto& point : points) {
            for (const double value : axis.values) {
                SweepPoint extended = point;
                extended.values.emplace_back(axis.parameter, value);
                next.push_back(std::move(extended));
            }
        }
        points = std::move(next);
    }
    return points;
}

std::vector<SweepRun> expandSweep(const SweepSpec& spec)
{
    validateSweep(spec);
    const auto points = expandPoints(spec);
    const int width = points.size() > 99 ? (points.size() > 999 ? 4 : 3) : 2;
    std::vector<SweepRun> runs;
    for (std::size_t p = 0; p < points.size(); ++p) {
        std::string slug;
        for (const auto& [parameter, value] : points[p].values)
            slug += "-" + slugValue(parameter, value);
        std::string number = std::to_string(p);
        number.insert(0, static_cast<std::size_t>(std::max(0, width - static_cast<int>(number.size()))), '0');
        for (int r = 0; r < spec.repeats; ++r) {
            SweepRun run;
            run.point = static_cast<int>(p);
            run.repeat = r;
            run.config = spec.base;
            for (const auto& [parameter, value] : points[p].values)
                applyValue(run.config, parameter, value);
            const std::uint64_t seed = spec.firstSeed + static_cast<std::uint64_t>(r);
            run.config.seeds.init = run.config.seeds.shuffle = run.config.seeds.dropout = seed;
            if (spec.varySplit)
                run.config.seeds.split = spec.base.seeds.split + static_cast<std::uint64_t>(r);
            run.config.name = points[p].label() + " seed " + std::to_string(seed);
            run.id = "p" + number + slug + "-s" + std::to_string(seed);
            runs.push_back(std::move(run));
        }
    }
    return runs;
}

std::vector<SweepRun> shardRuns(const std::vector<SweepRun>& runs, int index, int count)
{
    if (count < 1 || index < 1 || index > count)
        throw ConfigError("shard " + std::to_string(index) + "/" + std::to_string(count) + ": expected 1 <= K <= N");
    std::vector<SweepRun> mine;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (static_cast<int>(i % static_cast<std::size_t>(count)) == index - 1)
            mine.push_back(runs[i]);
    }
    return mine;
}

std::pair<int, int> parseShard(const std::string& text)
{
    const auto slash = text.find('/');
    int k = 0;
    int n = 0;
    try {
        if (slash == std::string::npos)
            throw std::invalid_argument("no slash");
        std::size_t usedK = 0;
        std::size_t usedN = 0;
        k = std::stoi(text.substr(0, slash), &usedK);
        n = std::stoi(text.substr(slash + 1), &usedN);
        if (usedK != slash || usedN != text.size() - slash - 1)
            throw std::invalid_argument("trailing text");
    } catch (const std::exception&) {
        throw ConfigError("--shard '" + text + "': expected K/N with 1 <= K <= N, e.g. 2/3");
    }
    if (n < 1 || k < 1 || k > n)
        throw ConfigError("--shard '" + text + "': expected K/N with 1 <= K <= N, e.g. 2/3");
    return {k, n};
}

namespace {

SweepAxis axisFromJson(const json& item, const std::string& where)
{
    detail::checkKeys(item, {"parameter", "values", "range"}, where);
    if (!item.contains("parameter"))
        throw ConfigError(where + ": missing 'parameter' (a dropout site or one of " + sweepSettingList() + ")");
    SweepAxis axis;
    axis.parameter = detail::stringValue(item["parameter"], where, "parameter", 64);
    const std::string axisWhere = where + " (" + axis.parameter + ")";
    if (item.contains("values")) {
        const json& values = item["values"];
        if (!values.is_array() || values.size() > kMaxAxisValues)
            throw ConfigError(axisWhere + ": 'values' must be a list of at most " + std::to_string(kMaxAxisValues) +
                              " numbers");
        for (const auto& value : values)
            axis.values.push_back(detail::numberValue(value, axisWhere, "values"));
    } else if (item.contains("range")) {
        const json& range = item["range"];
        const std::string rangeWhere = axisWhere + ": range";
        detail::checkKeys(range, {"start", "stop", "step"}, rangeWhere);
        for (const char* key : {"start", "stop", "step"}) {
            if (!range.contains(key))
                throw ConfigError(rangeWhere + ": missing '" + key + "'; expected {start, stop, step}");
        }
        axis.values = expandRange(detail::numberValue(range["start"], rangeWhere, "start"),
                                  detail::numberValue(range["stop"], rangeWhere, "stop"),
                                  detail::numberValue(range["step"], rangeWhere, "step"), rangeWhere);
    } else {
        throw ConfigError(axisWhere + ": expected 'values': [...] or 'range': {start, stop, step}");
    }
    return axis;
}

} // namespace

std::string sweepToJson(const SweepSpec& spec)
{
    json axes = json::array();
    for (const auto& axis : spec.axes)
        axes.push_back({{"parameter", axis.parameter}, {"values", axis.values}});
    json object = {{"name", spec.name},
                   {"base", detail::configToJsonObject(spec.base)},
                   {"axes", axes},
                   {"repeats", spec.repeats},
                   {"first_seed", spec.firstSeed}};
    if (spec.varySplit)
        object["vary_split"] = true;
    if (spec.halving.atEpoch > 0)
        object["successive_halving"] = {{"at_epoch", spec.halving.atEpoch}};
    return detail::dumpJson(object, 2) + "\n";
}

SweepSpec sweepFromJson(const std::string& text, const std::string& where)
{
    const json object = detail::parseJsonText(text, where);
    if (!object.is_object())
        throw ConfigError(where + ": expected a JSON object");
    for (const auto& item : object.items()) {
        static const std::set<std::string> known = {"name", "description", "base", "axes", "repeats", "first_seed",
                                                    "vary_split", "successive_halving"};
        if (!known.count(item.key()))
            throw ConfigError(where + ": unknown key '" + item.key() +
                              "'; expected name, description, base, axes, repeats, first_seed, vary_split, "
                              "successive_halving");
    }
    SweepSpec spec;
    if (object.contains("name"))
        spec.name = detail::stringValue(object["name"], where, "name", kMaxNameBytes);
    if (object.contains("description"))
        detail::stringValue(object["description"], where, "description", kMaxJsonStringBytes);
    if (object.contains("base"))
        detail::applyConfigJson(spec.base, object["base"], where + ": base");
    if (object.contains("repeats"))
        spec.repeats = static_cast<int>(detail::integerValue(object["repeats"], where, "repeats", 1, kMaxRepeats));
    if (object.contains("first_seed"))
        spec.firstSeed = detail::unsignedValue(object["first_seed"], where, "first_seed");
    if (object.contains("vary_split")) {
        if (!object["vary_split"].is_boolean())
            throw ConfigError(where + ": 'vary_split' must be true or false");
        spec.varySplit = object["vary_split"].get<bool>();
    }
    if (object.contains("successive_halving")) {
        const json& halving = object["successive_halving"];
        const std::string halvingWhere = where + ": successive_halving";
        detail::checkKeys(halving, {"at_epoch"}, halvingWhere);
        if (halving.contains("at_epoch"))
            spec.halving.atEpoch =
                static_cast<int>(detail::integerValue(halving["at_epoch"], halvingWhere, "at_epoch", 0, kMaxEpochs));
    }
    if (object.contains("axes")) {
        const json& axes = object["axes"];
        if (!axes.is_array() || axes.size() > kMaxAxes)
            throw ConfigError(where + ": 'axes' must be a list of at most " + std::to_string(kMaxAxes) + " axes");
        for (std::size_t i = 0; i < axes.size(); ++i)
            spec.axes.push_back(axisFromJson(axes[i], where + ": axes[" + std::to_string(i) + "]"));
    }
    detail::validateIn(where, [&] { validateSweep(spec); });
    return spec;
}

SweepSpec loadSweepFile(const std::string& path)
{
    return sweepFromJson(readTextFile(path, kMaxJsonFileBytes), path);
}

} // namespace dropoutlab
