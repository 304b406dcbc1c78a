#include "config_json.h"
#include "dropoutlab/errors.h"
#include "dropoutlab/results.h"
#include "dropoutlab/sweep.h"

#include <cmath>
#include <set>
#include <sstream>

namespace dropoutlab {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxGridRuns = 100000;

std::string formatValue(double value)
{
    std::ostringstream out;
    out << value;
    return out.str();
}

double parseNumber(const std::string& text, const std::string& where)
{
    std::size_t used = 0;
    double value = 0.0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size())
        throw ConfigError(where + ": '" + text + "' is not a number");
    return value;
}

std::vector<double> expandRange(double start, double stop, double step, const std::string& where)
{
    if (!(step > 0.0))
        throw ConfigError(where + ": step " + formatValue(step) + " must be positive");
    if (stop < start)
        throw ConfigError(where + ": stop " + formatValue(stop) + " is below start " + formatValue(start));
    std::vector<double> values;
    // Count steps with a tolerance so 0:0.5:0.1 includes 0.5 despite rounding.
    const auto count = static_cast<long>(std::floor((stop - start) / step + 1e-9));
    if (count > 10000)
        throw ConfigError(where + ": the range has more than 10000 values");
    for (long i = 0; i <= count; ++i)
        values.push_back(std::round((start + static_cast<double>(i) * step) * 1e9) / 1e9);
    return values;
}

void applyValue(ExperimentConfig& config, const std::string& parameter, double value)
{
    if (parameter == "learning_rate") {
        config.learningRate = value;
    } else if (parameter == "train_subset") {
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

bool isSweepHyperparameter(const std::string& parameter)
{
    return parameter == "learning_rate" || parameter == "train_subset";
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
    while (std::getline(stream, part, ','))
        axis.values.push_back(parseNumber(part, where));
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
            for (const auto& site : dropoutSites(spec.base.model)) {
                known = known || site.name == axis.parameter;
                names += site.name + ", ";
            }
            if (!known)
                throw ConfigError(where + ": '" + axis.parameter + "' is not a dropout site of the " +
                                  toString(spec.base.model) + " model nor a sweepable setting; expected one of " + names +
                                  "learning_rate, train_subset");
        }
        for (const double value : axis.values) {
            ExperimentConfig probe = spec.base;
            applyValue(probe, axis.parameter, value);
            try {
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
    if (spec.halving.atEpoch > 0)
        object["successive_halving"] = {{"at_epoch", spec.halving.atEpoch}};
    return object.dump(2) + "\n";
}

SweepSpec sweepFromJson(const std::string& text, const std::string& where)
{
    const json object = detail::parseJsonText(text, where);
    if (!object.is_object())
        throw ConfigError(where + ": expected a JSON object");
    for (const auto& item : object.items()) {
        static const std::set<std::string> known = {"name", "description", "base", "axes", "repeats", "first_seed",
                                                    "successive_halving"};
        if (!known.count(item.key()))
            throw ConfigError(where + ": unknown key '" + item.key() +
                              "'; expected name, description, base, axes, repeats, first_seed, successive_halving");
    }
    SweepSpec spec;
    try {
        spec.name = object.value("name", "sweep");
        if (object.contains("base"))
            detail::applyConfigJson(spec.base, object["base"], where + ": base");
        spec.repeats = object.value("repeats", 1);
        spec.firstSeed = object.value("first_seed", std::uint64_t{1});
        if (object.contains("successive_halving"))
            spec.halving.atEpoch = object["successive_halving"].value("at_epoch", 0);
        for (const auto& item : object.value("axes", json::array())) {
            const std::string axisWhere = where + ": axis " + item.value("parameter", std::string("?"));
            SweepAxis axis;
            axis.parameter = item.at("parameter").get<std::string>();
            if (item.contains("values")) {
                axis.values = item.at("values").get<std::vector<double>>();
            } else if (item.contains("range")) {
                const json& range = item.at("range");
                axis.values = expandRange(range.at("start").get<double>(), range.at("stop").get<double>(),
                                          range.at("step").get<double>(), axisWhere);
            } else {
                throw ConfigError(axisWhere + ": expected 'values': [...] or 'range': {start, stop, step}");
            }
            spec.axes.push_back(std::move(axis));
        }
    } catch (const json::exception& error) {
        throw ConfigError(where + ": " + error.what());
    }
    validateSweep(spec);
    return spec;
}

SweepSpec loadSweepFile(const std::string& path)
{
    return sweepFromJson(readTextFile(path), path);
}

} // namespace dropoutlab
