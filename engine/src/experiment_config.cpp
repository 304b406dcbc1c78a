#include "dropoutlab/experiment_config.h"

#include "dropoutlab/errors.h"
#include "dropoutlab/file_limits.h"
#include "dropoutlab/network.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace dropoutlab {
namespace {

const DropoutSite* findSite(const std::vector<DropoutSite>& sites, const std::string& name)
{
    const auto it = std::find_if(sites.begin(), sites.end(), [&](const DropoutSite& site) { return site.name == name; });
    return it == sites.end() ? nullptr : &*it;
}

std::string siteList(const std::vector<DropoutSite>& sites)
{
    std::string list;
    for (const auto& site : sites)
        list += (list.empty() ? "" : ", ") + site.name;
    return list;
}

std::string widthList(const std::vector<int>& widths)
{
    std::string list;
    for (const int w : widths)
        list += (list.empty() ? "" : ",") + std::to_string(w);
    return list;
}

void validateHiddenWidths(const ExperimentConfig& config)
{
    if (config.model == ModelKind::Cnn) {
        if (config.hiddenWidths != kDefaultHiddenWidths)
            throw ConfigError("hidden_widths is [" + widthList(config.hiddenWidths) +
                              "]; hidden widths apply to the mlp model only");
        return;
    }
    const auto layers = static_cast<int>(config.hiddenWidths.size());
    if (layers < 1 || layers > kMaxHiddenLayers)
        throw ConfigError("hidden_widths lists " + std::to_string(layers) + " layers; expected 1-" +
                          std::to_string(kMaxHiddenLayers));
    for (std::size_t i = 0; i < config.hiddenWidths.size(); ++i) {
        const int width = config.hiddenWidths[i];
        if (width < 1 || width > kMaxHiddenWidth)
            throw ConfigError("hidden_widths: layer " + std::to_string(i + 1) + " has " + std::to_string(width) +
                              " units; expected 1-" + std::to_string(kMaxHiddenWidth));
    }
}

std::string trim(const std::string& text)
{
    const auto begin = text.find_first_not_of(" \t");
    if (begin == std::string::npos)
        return {};
    const auto end = text.find_last_not_of(" \t");
    return text.substr(begin, end - begin + 1);
}

std::string formatRate(double rate)
{
    std::ostringstream out;
    out << rate;
    return out.str();
}

} // namespace

bool ExperimentConfig::operator==(const ExperimentConfig& other) const
{
    return name == other.name && dataDir == other.dataDir && model == other.model &&
           hiddenWidths == other.hiddenWidths && dropout == other.dropout &&
           epochs == other.epochs && batchSize == other.batchSize && learningRate == other.learningRate &&
           momentum == other.momentum && trainSubset == other.trainSubset &&
           validationFraction == other.validationFraction && seeds == other.seeds && device == other.device &&
           threads == other.threads && progressEvery == other.progressEvery && evalBatchSize == other.evalBatchSize &&
           earlyStoppingPatience == other.earlyStoppingPatience && trainEvalImages == other.trainEvalImages;
}

const std::vector<DropoutSite>& dropoutSites(ModelKind model)
{
    static const std::vector<DropoutSite> cnn = dropoutSites(networkSpec(ModelKind::Cnn));
    static const std::vector<DropoutSite> mlp = dropoutSites(networkSpec(ModelKind::Mlp));
    return model == ModelKind::Cnn ? cnn : mlp;
}

std::vector<DropoutSite> dropoutSites(const ExperimentConfig& config)
{
    return dropoutSites(networkSpec(config));
}

std::string toString(ModelKind model)
{
    return model == ModelKind::Cnn ? "cnn" : "mlp";
}

std::string toString(DropoutKind kind)
{
    return kind == DropoutKind::Element ? "element" : "channel";
}

ModelKind parseModelKind(const std::string& text, const std::string& where)
{
    if (text == "cnn")
        return ModelKind::Cnn;
    if (text == "mlp")
        return ModelKind::Mlp;
    throw ConfigError(where + ": unknown model '" + text + "'; expected cnn or mlp");
}

DropoutKind parseDropoutKind(const std::string& text, const std::string& where)
{
    if (text == "element")
        return DropoutKind::Element;
    if (text == "channel")
        return DropoutKind::Channel;
    throw ConfigError(where + ": unknown dropout kind '" + text + "'; expected element or channel");
}

std::optional<double> numberFromText(const std::string& text)
{
    std::size_t used = 0;
    double value = 0.0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (used == 0 || used != text.size())
        return std::nullopt;
    return value;
}

std::int64_t parseTrainEvalImages(const std::string& text, const std::string& where)
{
    if (text == "all")
        return kTrainEvalAll;
    if (text == "off")
        return 0;
    const auto value = numberFromText(text);
    if (!value || *value < 0 || *value != std::floor(*value) || *value > 1e15)
        throw ConfigError(where + ": '" + text + "' is not a number of images; expected all, 0 (off) or a count");
    return static_cast<std::int64_t>(*value);
}

std::string trainEvalText(std::int64_t images)
{
    if (images == kTrainEvalAll)
        return "all";
    return images == 0 ? "off" : std::to_string(images);
}

std::vector<int> parseHiddenWidths(const std::string& text, const std::string& where)
{
    std::vector<int> widths;
    std::stringstream items(text);
    std::string item;
    while (std::getline(items, item, ',')) {
        item = trim(item);
        const auto value = numberFromText(item);
        if (!value || *value != std::floor(*value) || *value < 1 || *value > kMaxHiddenWidth)
            throw ConfigError(where + ": width '" + item + "' is not a whole number from 1 to " +
                              std::to_string(kMaxHiddenWidth) + "; expected e.g. 1024,1024,1024");
        widths.push_back(static_cast<int>(*value));
    }
    if (widths.empty() || widths.size() > static_cast<std::size_t>(kMaxHiddenLayers))
        throw ConfigError(where + ": '" + text + "' gives " + std::to_string(widths.size()) + " layers; expected 1-" +
                          std::to_string(kMaxHiddenLayers) + " widths, e.g. 1024,1024,1024");
    return widths;
}

std::map<std::string, DropoutSetting> parseDropoutSpec(const std::string& spec)
{
    std::map<std::string, DropoutSetting> result;
    std::stringstream items(spec);
    std::string item;
    while (std::getline(items, item, ',')) {
        item = trim(item);
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw ConfigError("dropout '" + item + "': expected SITE=RATE or SITE=RATE:KIND, e.g. fc1=0.5 or conv2=0.3:channel");
        const std::string site = trim(item.substr(0, eq));
        std::string value = trim(item.substr(eq + 1));
        DropoutSetting setting;
        if (const auto colon = value.find(':'); colon != std::string::npos) {
            setting.kind = parseDropoutKind(trim(value.substr(colon + 1)), "dropout site " + site);
            value = trim(value.substr(0, colon));
        }
        const auto rate = numberFromText(value);
        if (!rate)
            throw ConfigError("dropout site " + site + ": rate '" + value + "' is not a number; expected 0 <= rate < 1");
        setting.rate = *rate;
        if (result.count(site))
            throw ConfigError("dropout site " + site + " is given twice");
        result[site] = setting;
    }
    return result;
}

ExperimentConfig withoutDropout(const ExperimentConfig& config)
{
    ExperimentConfig without = config;
    without.dropout.clear();
    without.name = (config.model == ModelKind::Mlp ? "mlp " : "") + std::string("no dropout");
    return without;
}

std::string dropoutSummary(const ExperimentConfig& config)
{
    std::string summary;
    for (const auto& site : dropoutSites(config)) {
        const auto it = config.dropout.find(site.name);
        if (it == config.dropout.end() || it->second.rate == 0.0)
            continue;
        summary += (summary.empty() ? "" : ", ") + site.name + " " + formatRate(it->second.rate);
        if (it->second.kind == DropoutKind::Channel)
            summary += " (channel)";
    }
    return summary.empty() ? "none" : summary;
}

void validateConfig(const ExperimentConfig& config)
{
    validateHiddenWidths(config);
    const auto sites = dropoutSites(config);
    for (const auto& [name, setting] : config.dropout) {
        const DropoutSite* site = findSite(sites, name);
        if (!site)
            throw ConfigError("dropout site '" + name + "' does not exist in the " + toString(config.model) +
                              " model; expected one of " + siteList(sites));
        if (!(setting.rate >= 0.0 && setting.rate < 1.0))
            throw ConfigError("dropout site " + name + ": rate " + formatRate(setting.rate) +
                              " is out of range; expected 0 <= rate < 1");
        if (setting.kind == DropoutKind::Channel && !site->allowsChannel)
            throw ConfigError("dropout site " + name + ": kind 'channel' needs feature maps; use it on conv1 or conv2, "
                              "or use kind 'element' here");
    }
    auto require = [](bool ok, const std::string& message) {
        if (!ok)
            throw ConfigError(message);
    };
    require(config.epochs >= 1 && config.epochs <= kMaxEpochs,
            "epochs is " + std::to_string(config.epochs) + "; expected 1-" + std::to_string(kMaxEpochs));
    require(config.batchSize >= 1 && config.batchSize <= kMaxBatchSize,
            "batch_size is " + std::to_string(config.batchSize) + "; expected 1-" + std::to_string(kMaxBatchSize));
    require(std::isfinite(config.learningRate) && config.learningRate > 0.0,
            "learning_rate is " + formatRate(config.learningRate) + "; expected a positive number");
    require(std::isfinite(config.momentum) && config.momentum >= 0.0 && config.momentum < 1.0,
            "momentum is " + formatRate(config.momentum) + "; expected 0 <= momentum < 1");
    require(config.trainSubset >= 0, "train_subset is " + std::to_string(config.trainSubset) + "; expected 0 (all) or a positive count");
    require(config.trainEvalImages >= kTrainEvalAll,
            "train_eval is " + std::to_string(config.trainEvalImages) + "; expected \"all\", 0 (off) or a count");
    require(config.validationFraction > 0.0 && config.validationFraction < 1.0,
            "validation_fraction is " + formatRate(config.validationFraction) + "; expected a value between 0 and 1");
    require(config.device == "auto" || config.device == "cpu" || config.device == "cuda",
            "device is '" + config.device + "'; expected auto, cpu or cuda");
    require(config.threads >= 0 && config.threads <= kMaxThreads, "threads is " + std::to_string(config.threads) +
                                                                      "; expected 0 (all cores) or 1-" +
                                                                      std::to_string(kMaxThreads));
    require(config.progressEvery >= 1 && config.progressEvery <= kMaxProgressEvery,
            "progress_every is " + std::to_string(config.progressEvery) + "; expected 1-" +
                std::to_string(kMaxProgressEvery));
    require(config.earlyStoppingPatience >= 0 && config.earlyStoppingPatience <= kMaxEpochs,
            "early_stopping_patience is " + std::to_string(config.earlyStoppingPatience) + "; expected 0 (off) to " + std::to_string(kMaxEpochs));
    require(config.evalBatchSize >= 1 && config.evalBatchSize <= kMaxBatchSize,
            "eval_batch_size is " + std::to_string(config.evalBatchSize) + "; expected 1-" +
                std::to_string(kMaxBatchSize));
    require(config.name.size() <= kMaxNameBytes,
            "name is " + std::to_string(config.name.size()) + " bytes long; expected at most " + std::to_string(kMaxNameBytes));
    require(config.dataDir.size() <= kMaxPathBytes, "data is " + std::to_string(config.dataDir.size()) +
                                                        " bytes long; expected a folder path of at most " +
                                                        std::to_string(kMaxPathBytes));
}

} // namespace dropoutlab
