#include "dropoutlab/core/uncertainty_report.h"

#include "config_json.h"
#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_limits.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

namespace dropoutlab {

using nlohmann::json;

namespace {

constexpr std::int64_t kMaxImages = 1000000;  // test images of a report (kMaxClasses: dataset.h)
constexpr std::size_t kMaxBins = 10000;

json scoresToJson(const PredictionScores& s, bool mc)
{
    json bins = json::array();
    for (const auto& b : s.reliability)
        bins.push_back({{"lower", b.lower}, {"upper", b.upper}, {"count", b.count},
                        {"mean_confidence", b.meanConfidence}, {"accuracy", b.accuracy}});
    json rejection = json::array();
    for (const auto& r : s.rejection) {
        json point = {{"rejected", r.rejected}, {"accuracy_by_entropy", r.byEntropy}};
        if (mc)
            point["accuracy_by_mutual_information"] = r.byMutualInformation;
        rejection.push_back(point);
    }
    json out = {{"accuracy", s.accuracy}, {"nll", s.nll},             {"brier", s.brier},
                {"ece", s.ece},           {"reliability", bins},       {"rejection", rejection},
                {"entropy_histogram_test", s.entropyIn}};
    if (s.oodAuroc) {
        out["entropy_histogram_ood"] = s.entropyOut;
        out["ood_auroc_entropy"] = *s.oodAuroc;
    }
    if (s.oodAurocMutualInformation)
        out["ood_auroc_mutual_information"] = *s.oodAurocMutualInformation;
    return out;
}

json tableToJson(const ProbabilityTable& t)
{
    return {{"classes", t.classes}, {"labels", t.labels}, {"probabilities", t.probabilities}};
}

// --- reading -------------------------------------------------------------------------------

double fractionAt(const json& o, const char* key, const std::string& where)
{
    if (!o.contains(key))
        throw IoError(where + ": '" + key + "' is missing");
    return detail::numberValue(o[key], where, key, 0.0, 1.0);
}

double numberAt(const json& o, const char* key, const std::string& where, double min, double max)
{
    if (!o.contains(key))
        throw IoError(where + ": '" + key + "' is missing");
    return detail::numberValue(o[key], where, key, min, max);
}

const json& listAt(const json& o, const char* key, const std::string& where, std::size_t maxSize)
{
    if (!o.contains(key) || !o[key].is_array() || o[key].size() > maxSize)
        throw IoError(where + ": '" + key + "' must be a list of at most " + std::to_string(maxSize) + " entries");
    return o[key];
}

std::vector<std::int64_t> countsAt(const json& o, const char* key, const std::string& where)
{
    std::vector<std::int64_t> counts;
    for (const auto& v : listAt(o, key, where, kMaxBins))
        counts.push_back(detail::integerValue(v, where, key, 0, kMaxImages));
    return counts;
}

PredictionScores scoresFromJson(const json& o, const std::string& where, bool mc)
{
    detail::checkKeys(o,
                      {"accuracy", "nll", "brier", "ece", "reliability", "rejection", "entropy_histogram_test",
                       "entropy_histogram_ood", "ood_auroc_entropy", "ood_auroc_mutual_information"},
                      where);
    PredictionScores s;
    s.accuracy = fractionAt(o, "accuracy", where);
    s.nll = numberAt(o, "nll", where, 0.0, 1e6);
    s.brier = numberAt(o, "brier", where, 0.0, 2.0);
    s.ece = fractionAt(o, "ece", where);
    for (const auto& b : listAt(o, "reliability", where, kMaxBins)) {
        const std::string binWhere = where + ": reliability bin";
        detail::checkKeys(b, {"lower", "upper", "count", "mean_confidence", "accuracy"}, binWhere);
        ReliabilityBin bin;
        bin.lower = fractionAt(b, "lower", binWhere);
        bin.upper = fractionAt(b, "upper", binWhere);
        bin.count = detail::integerValue(b.at("count"), binWhere, "count", 0, kMaxImages);
        bin.meanConfidence = fractionAt(b, "mean_confidence", binWhere);
        bin.accuracy = fractionAt(b, "accuracy", binWhere);
        s.reliability.push_back(bin);
    }
    for (const auto& r : listAt(o, "rejection", where, kMaxBins)) {
        const std::string pointWhere = where + ": rejection point";
        detail::checkKeys(r, {"rejected", "accuracy_by_entropy", "accuracy_by_mutual_information"}, pointWhere);
        RejectionPoint point;
        point.rejected = fractionAt(r, "rejected", pointWhere);
        point.byEntropy = fractionAt(r, "accuracy_by_entropy", pointWhere);
        if (mc)
            point.byMutualInformation = fractionAt(r, "accuracy_by_mutual_information", pointWhere);
        s.rejection.push_back(point);
    }
    s.entropyIn = countsAt(o, "entropy_histogram_test", where);
    if (o.contains("ood_auroc_entropy")) {
        s.oodAuroc = fractionAt(o, "ood_auroc_entropy", where);
        s.entropyOut = countsAt(o, "entropy_histogram_ood", where);
    }
    if (o.contains("ood_auroc_mutual_information"))
        s.oodAurocMutualInformation = fractionAt(o, "ood_auroc_mutual_information", where);
    return s;
}

ProbabilityTable tableFromJson(const json& o, const std::string& where)
{
    detail::checkKeys(o, {"classes", "labels", "probabilities"}, where);
    ProbabilityTable t;
    t.classes = static_cast<int>(detail::integerValue(o.at("classes"), where, "classes", 2, kMaxClasses));
    for (const auto& v : listAt(o, "labels", where, static_cast<std::size_t>(kMaxImages)))
        t.labels.push_back(detail::integerValue(v, where, "labels", 0, t.classes - 1));
    const json& probabilities = listAt(o, "probabilities", where, static_cast<std::size_t>(kMaxImages) * 10);
    if (probabilities.size() != t.labels.size() * static_cast<std::size_t>(t.classes))
        throw IoError(where + ": " + std::to_string(probabilities.size()) + " probabilities for " +
                      std::to_string(t.labels.size()) + " images of " + std::to_string(t.classes) +
                      " classes; expected " + std::to_string(t.labels.size() * static_cast<std::size_t>(t.classes)));
    t.probabilities.reserve(probabilities.size());
    for (const auto& v : probabilities)
        t.probabilities.push_back(static_cast<float>(detail::numberValue(v, where, "probabilities", 0.0, 1.0)));
    return t;
}

} // namespace

std::string uncertaintyToJson(const UncertaintyReport& r, bool tables)
{
    json out = {{"run", r.runDir},
                {"data", r.data},
                {"device", r.device},
                {"threads", r.threads},
                {"samples", r.samples},
                {"seed", r.seed},
                {"active_dropout_sites", r.activeSites},
                {"stochastic", r.stochastic},
                {"images", r.images},
                {"entropy_histogram_max", r.histogramMax},
                {"seconds", r.seconds},
                {"deterministic", scoresToJson(r.deterministic, false)}};
    if (!r.classNames.empty())
        out["class_names"] = r.classNames;
    if (!r.ood.empty()) {
        out["ood"] = r.ood;
        out["ood_images"] = r.oodImages;
    }
    if (r.mc)
        out["mc"] = scoresToJson(*r.mc, true);
    else
        out["note"] = "no dropout site is active, so the T passes would be identical: deterministic figures only";
    if (tables) {
        out["deterministic_table"] = tableToJson(r.deterministicTable);
        if (r.mcTable) {
            out["mc_table"] = tableToJson(*r.mcTable);
            out["mc_mutual_information"] = r.mcMutualInformation;
        }
    }
    return detail::dumpJson(out, tables ? -1 : 2);
}

UncertaintyReport uncertaintyFromJson(const std::string& text, const std::string& where)
{
    const json o = detail::parseJsonText(text, where);
    detail::checkKeys(o,
                      {"run", "data", "device", "threads", "samples", "seed", "active_dropout_sites", "stochastic",
                       "images", "entropy_histogram_max", "seconds", "deterministic", "ood", "ood_images", "mc", "class_names",
                       "note", "deterministic_table", "mc_table", "mc_mutual_information"},
                      where);
    try {
        UncertaintyReport r;
        r.runDir = detail::stringValue(o.at("run"), where, "run", kMaxPathBytes);
        r.data = detail::stringValue(o.at("data"), where, "data", kMaxPathBytes);
        r.device = detail::stringValue(o.at("device"), where, "device", 32);
        r.threads = static_cast<int>(detail::integerValue(o.at("threads"), where, "threads", 0, 1024));
        r.samples = static_cast<int>(detail::integerValue(o.at("samples"), where, "samples", 1, 10000));
        r.seed = detail::unsignedValue(o.at("seed"), where, "seed");
        for (const auto& site : listAt(o, "active_dropout_sites", where, 64))
            r.activeSites.push_back(detail::stringValue(site, where, "active_dropout_sites", kMaxNameBytes));
        r.stochastic = detail::boolValue(o.at("stochastic"), where, "stochastic");
        r.images = detail::integerValue(o.at("images"), where, "images", 0, kMaxImages);
        r.histogramMax = numberAt(o, "entropy_histogram_max", where, 0.0, 100.0);
        r.seconds = numberAt(o, "seconds", where, 0.0, 1e9);
        r.deterministic = scoresFromJson(o.at("deterministic"), where + ": deterministic", false);
        if (o.contains("ood")) {
            r.ood = detail::stringValue(o["ood"], where, "ood", kMaxPathBytes);
            r.oodImages = detail::integerValue(o.at("ood_images"), where, "ood_images", 0, kMaxImages);
        }
        if (o.contains("mc"))
            r.mc = scoresFromJson(o["mc"], where + ": mc", true);
        if (r.stochastic != r.mc.has_value())
            throw IoError(where + ": 'stochastic' says " + (r.stochastic ? "true" : "false") + " but 'mc' is " +
                          (r.mc ? "present" : "absent"));
        if (!o.contains("deterministic_table"))
            throw IoError(where + ": 'deterministic_table' is missing (a report without tables is not a cache)");
        r.deterministicTable = tableFromJson(o["deterministic_table"], where + ": deterministic_table");
        if (o.contains("class_names")) {
            for (const auto& name : listAt(o, "class_names", where, kMaxClasses))
                r.classNames.push_back(detail::stringValue(name, where, "class_names", kMaxNameBytes));
            if (r.classNames.size() != static_cast<std::size_t>(r.deterministicTable.classes))
                throw IoError(where + ": 'class_names' names " + std::to_string(r.classNames.size()) +
                              " classes; the table has " + std::to_string(r.deterministicTable.classes));
        }
        if (r.deterministicTable.count() != r.images)
            throw IoError(where + ": the table holds " + std::to_string(r.deterministicTable.count()) +
                          " images; 'images' says " + std::to_string(r.images));
        if (r.mc) {
            r.mcTable = tableFromJson(o.at("mc_table"), where + ": mc_table");
            if (r.mcTable->count() != r.images)
                throw IoError(where + ": mc_table holds " + std::to_string(r.mcTable->count()) + " images; expected " +
                              std::to_string(r.images));
            for (const auto& v : listAt(o, "mc_mutual_information", where, static_cast<std::size_t>(kMaxImages)))
                r.mcMutualInformation.push_back(detail::numberValue(v, where, "mc_mutual_information", 0.0, 100.0));
            if (static_cast<std::int64_t>(r.mcMutualInformation.size()) != r.images)
                throw IoError(where + ": 'mc_mutual_information' holds " + std::to_string(r.mcMutualInformation.size()) +
                              " values; expected " + std::to_string(r.images));
        }
        return r;
    } catch (const json::exception& error) {
        throw IoError(where + ": malformed analysis (" + error.what() + ")");
    }
}

std::string analysisCachePath(const std::string& runDir)
{
    return (std::filesystem::path(runDir) / "analysis.json").string();
}

} // namespace dropoutlab
