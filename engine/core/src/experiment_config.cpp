#include "dropoutlab/core/experiment_config.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/network.h"
#include "config_json.h"

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

std::string channelSiteList(const std::vector<DropoutSite>& sites)
{
    std::string list;
    for (const auto& site : sites)
        if (site.allowsChannel)
            list += (list.empty() ? "" : ", ") + site.name;
    return list.empty() ? "this network has none" : list;
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
    if (config.model != ModelKind::Mlp) {
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

/// Throws ConfigError with `message()` unless `ok`; the message is only built when it is needed
/// (a workspace of 100,000 runs validates 100,000 configs).
template <typename Message>
void require(bool ok, Message&& message)
{
    if (!ok)
        throw ConfigError(std::string(message()));
}

bool inRange(double value, double low, double high)
{
    return std::isfinite(value) && value >= low && value <= high;
}

void validateOptimiser(const ExperimentConfig& c)
{
    const bool sgd = c.optimiser == OptimiserKind::Sgd;
    require(inRange(c.initStd, 0.0, 100.0) && c.initStd > 0.0, [&] {
        return "init_std is " + formatRate(c.initStd) + "; expected a standard deviation above 0, up to 100";
    });
    require(inRange(c.weightDecay, 0.0, 1e3),
            [&] { return "weight_decay is " + formatRate(c.weightDecay) + "; expected 0 (off) to 1000"; });
    require(inRange(c.adamBeta1, 0.0, 1.0) && c.adamBeta1 < 1.0,
            [&] { return "adam_beta1 is " + formatRate(c.adamBeta1) + "; expected 0 <= beta1 < 1"; });
    require(inRange(c.adamBeta2, 0.0, 1.0) && c.adamBeta2 < 1.0,
            [&] { return "adam_beta2 is " + formatRate(c.adamBeta2) + "; expected 0 <= beta2 < 1"; });
    // Below float's smallest normal number eps is 0 or denormal in training: a division by ~0.
    require(inRange(c.adamEps, 1e-30, 1.0),
            [&] { return "adam_eps is " + formatRate(c.adamEps) + "; expected 1e-30 <= eps <= 1"; });
    require(!c.nesterov || sgd,
            [&] { return "nesterov is true; Nesterov momentum applies to the sgd optimiser only"; });
    require(!c.nesterov || (c.momentum > 0.0 && !c.dampenedMomentum),
            [&] { return "nesterov is true; it needs momentum above 0 and dampened_momentum off"; });
    require(!c.dampenedMomentum || sgd,
            [&] { return "dampened_momentum is true; it applies to the sgd optimiser only"; });
    require(c.lrStepEpochs >= 1 && c.lrStepEpochs <= kMaxScheduleEpochs, [&] {
        return "lr_step_epochs is " + std::to_string(c.lrStepEpochs) + "; expected 1-" +
               std::to_string(kMaxScheduleEpochs);
    });
    require(inRange(c.lrGamma, 0.0, 1.0) && c.lrGamma > 0.0,
            [&] { return "lr_gamma is " + formatRate(c.lrGamma) + "; expected a factor 0 < gamma <= 1"; });
    require(inRange(c.lrMin, 0.0, c.learningRate), [&] {
        return "lr_min is " + formatRate(c.lrMin) + "; expected 0 <= lr_min <= learning_rate (" +
               formatRate(c.learningRate) + ")";
    });
    require(c.warmupEpochs >= 0 && c.warmupEpochs <= kMaxScheduleEpochs, [&] {
        return "warmup_epochs is " + std::to_string(c.warmupEpochs) + "; expected 0 (off) to " +
               std::to_string(kMaxScheduleEpochs);
    });
    require(c.momentumRampEpochs >= 0 && c.momentumRampEpochs <= kMaxScheduleEpochs, [&] {
        return "momentum_ramp_epochs is " + std::to_string(c.momentumRampEpochs) + "; expected 0 (off) to " +
               std::to_string(kMaxScheduleEpochs);
    });
    require(c.momentumRampEpochs == 0 || sgd, [&] {
        return "momentum_ramp_epochs is " + std::to_string(c.momentumRampEpochs) +
               "; a momentum ramp applies to the sgd optimiser only (Adam has betas)";
    });
    require(inRange(c.momentumStart, 0.0, 1.0) && c.momentumStart < 1.0,
            [&] { return "momentum_start is " + formatRate(c.momentumStart) + "; expected 0 <= momentum_start < 1"; });
    require(inRange(c.maxNorm, 0.0, 1e6),
            [&] { return "max_norm is " + formatRate(c.maxNorm) + "; expected 0 (off) or a norm bound up to 1e6"; });
    require(c.maxNormLayers.empty() || c.maxNorm > 0.0,
            [&] { return "max_norm_layers is set, but max_norm is 0 (off); give max_norm too"; });
    if (!c.maxNormLayers.empty()) {
        const std::vector<std::string> weighted = weightedLayers(networkSpec(c));
        std::string list;
        for (const auto& name : weighted)
            list += (list.empty() ? "" : ", ") + name;
        for (std::size_t i = 0; i < c.maxNormLayers.size(); ++i) {
            const std::string& name = c.maxNormLayers[i];
            require(std::find(weighted.begin(), weighted.end(), name) != weighted.end(), [&] {
                return "max_norm_layers: '" + name + "' is not a weighted layer of the " + networkName(c) +
                       " model; expected some of " + list;
            });
            require(std::find(c.maxNormLayers.begin(), c.maxNormLayers.begin() + static_cast<long>(i), name) ==
                        c.maxNormLayers.begin() + static_cast<long>(i),
                    [&] { return "max_norm_layers: '" + name + "' is listed twice"; });
        }
    }
}

} // namespace

bool ExperimentConfig::operator==(const ExperimentConfig& other) const
{
    return name == other.name && dataDir == other.dataDir && input == other.input && model == other.model && network == other.network &&
           hiddenWidths == other.hiddenWidths && dropout == other.dropout &&
           epochs == other.epochs && batchSize == other.batchSize && learningRate == other.learningRate &&
           momentum == other.momentum && trainSubset == other.trainSubset &&
           validationFraction == other.validationFraction && seeds == other.seeds && device == other.device &&
           threads == other.threads && progressEvery == other.progressEvery && evalBatchSize == other.evalBatchSize &&
           earlyStoppingPatience == other.earlyStoppingPatience && trainEvalImages == other.trainEvalImages &&
           normalisation == other.normalisation &&
           activation == other.activation && pixels == other.pixels && init == other.init && initStd == other.initStd && optimiser == other.optimiser &&
           nesterov == other.nesterov && dampenedMomentum == other.dampenedMomentum && adamBeta1 == other.adamBeta1 &&
           adamBeta2 == other.adamBeta2 && adamEps == other.adamEps && weightDecay == other.weightDecay &&
           lrSchedule == other.lrSchedule && lrStepEpochs == other.lrStepEpochs && lrGamma == other.lrGamma &&
           lrMin == other.lrMin && warmupEpochs == other.warmupEpochs && momentumStart == other.momentumStart &&
           momentumRampEpochs == other.momentumRampEpochs && maxNorm == other.maxNorm &&
           maxNormLayers == other.maxNormLayers;
}

double learningRateAt(const ExperimentConfig& config, int epoch)
{
    const double base = config.learningRate;
    if (epoch <= config.warmupEpochs)
        return base * epoch / (config.warmupEpochs + 1.0);
    // Epochs since the warm-up ended: 0 in the first epoch at the full rate.
    const int t = epoch - 1 - config.warmupEpochs;
    switch (config.lrSchedule) {
    case LrSchedule::Constant: return base;
    case LrSchedule::Step: return base * std::pow(config.lrGamma, t / config.lrStepEpochs);
    case LrSchedule::Exponential: return base * std::pow(config.lrGamma, t);
    case LrSchedule::Cosine: {
        const int span = std::max(1, config.epochs - config.warmupEpochs);
        const double pi = std::acos(-1.0);
        return config.lrMin + (base - config.lrMin) * (1.0 + std::cos(pi * t / span)) / 2.0;
    }
    case LrSchedule::InverseTime: return base / (1.0 + static_cast<double>(t) / config.lrStepEpochs);
    }
    return base;
}

double momentumAt(const ExperimentConfig& config, int epoch)
{
    if (config.momentumRampEpochs <= 0 || epoch > config.momentumRampEpochs)
        return config.momentum;
    const double f = static_cast<double>(epoch - 1) / config.momentumRampEpochs;
    return config.momentumStart + (config.momentum - config.momentumStart) * f;
}

bool hasEpochSchedule(const ExperimentConfig& config)
{
    return config.lrSchedule != LrSchedule::Constant || config.warmupEpochs > 0 ||
           (config.optimiser == OptimiserKind::Sgd && config.momentumRampEpochs > 0);
}

std::vector<std::string> maxNormLayerNames(const ExperimentConfig& config)
{
    if (config.maxNorm <= 0.0)
        return {};
    if (!config.maxNormLayers.empty())
        return config.maxNormLayers;
    std::vector<std::string> hidden = weightedLayers(networkSpec(config));
    if (!hidden.empty())
        hidden.pop_back();  // the output layer
    return hidden;
}

std::string optimiserSummary(const ExperimentConfig& config)
{
    std::string text;
    if (config.optimiser == OptimiserKind::Sgd) {
        text = config.nesterov ? "SGD Nesterov" : "SGD";
        if (config.momentumRampEpochs > 0)
            text += " momentum " + formatRate(config.momentumStart) + "->" + formatRate(config.momentum) + " over " +
                    std::to_string(config.momentumRampEpochs) + " epochs";
        else if (config.momentum > 0.0)
            text += " momentum " + formatRate(config.momentum);
        if (config.dampenedMomentum)
            text += " (dampened)";
    } else {
        text = config.optimiser == OptimiserKind::Adam ? "Adam" : "AdamW";
    }
    text += ", lr " + formatRate(config.learningRate);
    switch (config.lrSchedule) {
    case LrSchedule::Constant: break;
    case LrSchedule::Step:
        text += " x" + formatRate(config.lrGamma) + " every " + std::to_string(config.lrStepEpochs) + " epochs";
        break;
    case LrSchedule::Exponential: text += " x" + formatRate(config.lrGamma) + " per epoch"; break;
    case LrSchedule::Cosine: text += " cosine to " + formatRate(config.lrMin); break;
    case LrSchedule::InverseTime: text += " / (1 + t/" + std::to_string(config.lrStepEpochs) + ")"; break;
    }
    if (config.warmupEpochs > 0)
        text += ", warm-up " + std::to_string(config.warmupEpochs) + " epochs";
    if (config.weightDecay > 0.0)
        text += ", weight decay " + formatRate(config.weightDecay);
    if (config.maxNorm > 0.0) {
        text += ", max-norm " + formatRate(config.maxNorm);
        if (!config.maxNormLayers.empty()) {
            std::string layers;
            for (const auto& name : config.maxNormLayers)
                layers += (layers.empty() ? "" : ",") + name;
            text += " (" + layers + ")";
        }
    }
    return text;
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
    switch (model) {
    case ModelKind::Cnn: return "cnn";
    case ModelKind::Mlp: return "mlp";
    case ModelKind::Custom: return "custom";
    }
    return "cnn";
}

std::string networkName(const ExperimentConfig& config)
{
    if (config.model != ModelKind::Custom)
        return toString(config.model);
    return config.network.name.empty() ? std::string("custom network") : config.network.name;
}

void applyDefaultKind(ExperimentConfig& config, const std::string& site)
{
    const auto it = config.dropout.find(site);
    if (it == config.dropout.end() || config.model != ModelKind::Custom)
        return;  // the built-in networks' sites all default to element
    for (const auto& layer : config.network.layers)
        if (layer.kind == LayerSpec::Kind::Dropout && layer.name == site)
            it->second.kind = layer.dropoutKind;
}

namespace {

const std::vector<std::pair<DropoutKind, const char*>>& kindNames()
{
    static const std::vector<std::pair<DropoutKind, const char*>> names = {
        {DropoutKind::Element, "element"},         {DropoutKind::Channel, "channel"},
        {DropoutKind::Gaussian, "gaussian"},       {DropoutKind::Alpha, "alpha"},
        {DropoutKind::DropConnect, "dropconnect"}, {DropoutKind::DropBlock, "dropblock"},
        {DropoutKind::Concrete, "concrete"},
    };
    return names;
}

} // namespace

std::string toString(DropoutKind kind)
{
    for (const auto& [k, name] : kindNames())
        if (k == kind)
            return name;
    return "element";
}

bool needsFeatureMaps(DropoutKind kind)
{
    return kind == DropoutKind::Channel || kind == DropoutKind::DropBlock;
}

std::string toString(RateSchedule schedule)
{
    switch (schedule) {
    case RateSchedule::Ramp: return "ramp";
    case RateSchedule::Curriculum: return "curriculum";
    default: return "constant";
    }
}

RateSchedule parseRateSchedule(const std::string& text, const std::string& where)
{
    for (const auto schedule : {RateSchedule::Constant, RateSchedule::Ramp, RateSchedule::Curriculum})
        if (text == toString(schedule))
            return schedule;
    throw ConfigError(where + ": unknown schedule '" + text + "'; expected constant, ramp or curriculum");
}

double scheduledRate(const DropoutSetting& setting, int epoch)
{
    const double n = std::max(1, setting.rampEpochs);
    const double e = std::max(0, epoch);
    switch (setting.schedule) {
    case RateSchedule::Ramp: return setting.startRate + (setting.rate - setting.startRate) * std::min(1.0, e / n);
    case RateSchedule::Curriculum: return setting.rate * (1.0 - std::exp(-5.0 * e / n));
    default: return setting.rate;
    }
}

std::string toString(PixelRange pixels)
{
    return pixels == PixelRange::Centred ? "centred" : "unit";
}

PixelRange parsePixelRange(const std::string& text, const std::string& where)
{
    if (text == "centred")
        return PixelRange::Centred;
    if (text == "unit")
        return PixelRange::Unit;
    throw ConfigError(where + ": unknown pixels '" + text + "'; expected centred (x/127.5 - 1) or unit (x/255)");
}

std::string toString(InitScheme init)
{
    switch (init) {
    case InitScheme::Default: return "default";
    case InitScheme::Normal: return "normal";
    case InitScheme::NormalFanIn: return "normal_fan_in";
    }
    return "default";
}

InitScheme parseInitScheme(const std::string& text, const std::string& where)
{
    for (const auto init : {InitScheme::Default, InitScheme::Normal, InitScheme::NormalFanIn}) {
        if (text == toString(init))
            return init;
    }
    throw ConfigError(where + ": unknown init '" + text + "'; expected default, normal or normal_fan_in");
}

std::string toString(Activation activation)
{
    return activation == Activation::Relu ? "relu" : "sigmoid";
}

std::string toString(OptimiserKind optimiser)
{
    switch (optimiser) {
    case OptimiserKind::Sgd: return "sgd";
    case OptimiserKind::Adam: return "adam";
    case OptimiserKind::AdamW: return "adamw";
    }
    return "sgd";
}

std::string toString(LrSchedule schedule)
{
    switch (schedule) {
    case LrSchedule::Constant: return "constant";
    case LrSchedule::Step: return "step";
    case LrSchedule::Exponential: return "exponential";
    case LrSchedule::Cosine: return "cosine";
    case LrSchedule::InverseTime: return "inverse_time";
    }
    return "constant";
}

Activation parseActivation(const std::string& text, const std::string& where)
{
    if (text == "relu")
        return Activation::Relu;
    if (text == "sigmoid" || text == "logistic")
        return Activation::Sigmoid;
    throw ConfigError(where + ": unknown activation '" + text + "'; expected relu or sigmoid");
}

OptimiserKind parseOptimiserKind(const std::string& text, const std::string& where)
{
    for (const auto kind : {OptimiserKind::Sgd, OptimiserKind::Adam, OptimiserKind::AdamW}) {
        if (text == toString(kind))
            return kind;
    }
    throw ConfigError(where + ": unknown optimiser '" + text + "'; expected sgd, adam or adamw");
}

LrSchedule parseLrSchedule(const std::string& text, const std::string& where)
{
    for (const auto schedule : {LrSchedule::Constant, LrSchedule::Step, LrSchedule::Exponential, LrSchedule::Cosine,
                                LrSchedule::InverseTime}) {
        if (text == toString(schedule))
            return schedule;
    }
    throw ConfigError(where + ": unknown lr_schedule '" + text +
                      "'; expected constant, step, exponential, cosine or inverse_time");
}

ModelKind parseModelKind(const std::string& text, const std::string& where)
{
    if (text == "cnn")
        return ModelKind::Cnn;
    if (text == "mlp")
        return ModelKind::Mlp;
    if (text == "custom")
        return ModelKind::Custom;
    throw ConfigError(where + ": unknown model '" + text + "'; expected cnn, mlp or custom (with a network)");
}

DropoutKind parseDropoutKind(const std::string& text, const std::string& where)
{
    std::string names;
    for (const auto& [kind, name] : kindNames()) {
        if (text == name)
            return kind;
        names += (names.empty() ? "" : ", ") + std::string(name);
    }
    throw ConfigError(where + ": unknown dropout kind '" + text + "'; expected one of " + names);
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

namespace {

/// "ramp:10", "ramp:10:0.1" or "curriculum:20" into `setting`'s schedule.
void parseScheduleText(const std::string& text, const std::string& where, DropoutSetting& setting)
{
    std::vector<std::string> parts;
    std::stringstream items(text);
    for (std::string part; std::getline(items, part, ':');)
        parts.push_back(trim(part));
    const auto epochs = parts.size() >= 2 ? numberFromText(parts[1]) : std::nullopt;
    if (parts.empty() || parts.size() > 3 || !epochs)
        throw ConfigError(where + ": schedule '" + text + "': expected ramp:EPOCHS, ramp:EPOCHS:START_RATE or curriculum:EPOCHS");
    setting.schedule = parseRateSchedule(parts[0], where);
    if (setting.schedule == RateSchedule::Constant || (setting.schedule == RateSchedule::Curriculum && parts.size() == 3))
        throw ConfigError(where + ": schedule '" + text + "': expected ramp:EPOCHS, ramp:EPOCHS:START_RATE or curriculum:EPOCHS");
    if (*epochs != std::floor(*epochs) || *epochs < 1 || *epochs > kMaxScheduleEpochs)
        throw ConfigError(where + ": schedule '" + text + "': the epochs must be a whole number from 1 to " +
                          std::to_string(kMaxScheduleEpochs));
    setting.rampEpochs = static_cast<int>(*epochs);
    if (parts.size() == 3) {
        const auto start = numberFromText(parts[2]);
        if (!start)
            throw ConfigError(where + ": schedule '" + text + "': start rate '" + parts[2] + "' is not a number");
        setting.startRate = *start;
    }
}

} // namespace

std::map<std::string, DropoutSetting> parseDropoutSpec(const std::string& spec, std::vector<std::string>* withoutKind)
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
        if (const auto at = value.find('@'); at != std::string::npos) {
            parseScheduleText(trim(value.substr(at + 1)), "dropout site " + site, setting);
            value = trim(value.substr(0, at));
        }
        if (const auto colon = value.find(':'); colon != std::string::npos) {
            std::string kind = trim(value.substr(colon + 1));
            if (const auto slash = kind.find('/'); slash != std::string::npos) {
                const auto block = numberFromText(trim(kind.substr(slash + 1)));
                if (!block || *block != std::floor(*block) || *block < 1 || *block > kMaxBlockSize)
                    throw ConfigError("dropout site " + site + ": block size '" + kind.substr(slash + 1) +
                                      "' is not a whole number from 1 to " + std::to_string(kMaxBlockSize));
                setting.blockSize = static_cast<int>(*block);
                kind = trim(kind.substr(0, slash));
            }
            setting.kind = parseDropoutKind(kind, "dropout site " + site);
            value = trim(value.substr(0, colon));
        } else if (withoutKind) {
            withoutKind->push_back(site);
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
    const std::string prefix = config.model == ModelKind::Cnn ? "" : networkName(config) + " ";
    without.name = prefix + "no dropout";
    return without;
}

std::string dropoutSummary(const ExperimentConfig& config)
{
    std::string summary;
    for (const auto& site : dropoutSites(config)) {
        const auto it = config.dropout.find(site.name);
        if (it == config.dropout.end() || it->second.rate == 0.0)
            continue;
        const DropoutSetting& s = it->second;
        summary += (summary.empty() ? "" : ", ") + site.name + " " + formatRate(s.rate);
        if (s.kind == DropoutKind::DropBlock)
            summary += " (dropblock " + std::to_string(s.blockSize) + ")";
        else if (s.kind != DropoutKind::Element)
            summary += " (" + toString(s.kind) + ")";
        if (s.schedule == RateSchedule::Ramp)
            summary += " ramp " + std::to_string(s.rampEpochs);
        else if (s.schedule == RateSchedule::Curriculum)
            summary += " curriculum " + std::to_string(s.rampEpochs);
    }
    return summary.empty() ? "none" : summary;
}

namespace {

void validateInput(const DataShape& in)
{
    if (!(in.channels >= 1 && in.channels <= 3 && in.height >= 1 && in.height <= kMaxImageSide && in.width >= 1 &&
          in.width <= kMaxImageSide && in.classes >= kMinClasses && in.classes <= kMaxClasses))
        throw ConfigError("input is " + shapeText(in) + " with " + std::to_string(in.classes) +
                          " classes; expected 1-3 channels, sides of 1-" + std::to_string(kMaxImageSide) + " pixels and " +
                          std::to_string(kMinClasses) + "-" + std::to_string(kMaxClasses) + " classes");
}

void validateNormalisation(const std::vector<ChannelStatistics>& given)
{
    if (given.size() > static_cast<std::size_t>(kMaxImageSide))
        throw ConfigError("normalisation gives " + std::to_string(given.size()) + " channels; expected at most " +
                          std::to_string(kMaxImageSide));
    for (const auto& c : given)
        if (!(std::isfinite(c.mean) && std::isfinite(c.std) && c.std > 0.0 && std::abs(c.mean) <= 1e6 && c.std <= 1e6))
            throw ConfigError("normalisation has mean " + formatRate(c.mean) + " and std " + formatRate(c.std) +
                              "; expected finite values, |mean| <= 1e6 and 0 < std <= 1e6");
}

/// One site's setting against the site: its rate, schedule, and whether its kind fits there.
void validateDropoutSetting(const DropoutSetting& setting, const DropoutSite& site, const std::vector<DropoutSite>& sites)
{
    const std::string where = "dropout site " + site.name;
    if (!(setting.rate >= 0.0 && setting.rate < 1.0))
        throw ConfigError(where + ": rate " + formatRate(setting.rate) + " is out of range; expected 0 <= rate < 1");
    if (setting.schedule == RateSchedule::Ramp && !(setting.startRate >= 0.0 && setting.startRate < 1.0))
        throw ConfigError(where + ": start rate " + formatRate(setting.startRate) + " is out of range; expected 0 <= rate < 1");
    if (setting.schedule != RateSchedule::Constant && !(setting.rampEpochs >= 1 && setting.rampEpochs <= kMaxScheduleEpochs))
        throw ConfigError(where + ": a " + toString(setting.schedule) + " schedule needs ramp_epochs from 1 to " +
                          std::to_string(kMaxScheduleEpochs));
    if (needsFeatureMaps(setting.kind) && (site.mapHeight == 0 || (setting.kind == DropoutKind::Channel && !site.allowsChannel)))
        throw ConfigError(where + ": kind '" + toString(setting.kind) + "' needs feature maps; use it on a site after a "
                          "convolution (" + channelSiteList(sites) + "), or use kind 'element' here");
    if (setting.kind == DropoutKind::DropBlock &&
        !(setting.blockSize >= 1 && setting.blockSize <= std::min(site.mapHeight, site.mapWidth)))
        throw ConfigError(where + ": block_size " + std::to_string(setting.blockSize) + " does not fit its feature maps of " +
                          std::to_string(site.mapHeight) + "x" + std::to_string(site.mapWidth) +
                          "; expected 1 to " + std::to_string(std::min(site.mapHeight, site.mapWidth)));
    if (setting.kind == DropoutKind::DropConnect && site.weightedAfter.empty())
        throw ConfigError(where + ": kind 'dropconnect' masks the weights of the convolution or linear layer after the "
                          "site, and none follows it; use another kind here");
    if (setting.kind == DropoutKind::Concrete && site.weightedAfter.empty())
        throw ConfigError(where + ": kind 'concrete' regularises the weights of the convolution or linear layer after "
                          "the site, and none follows it; use another kind here");
    if (setting.kind == DropoutKind::Concrete && !(setting.rate > 0.0))
        throw ConfigError(where + ": kind 'concrete' learns its rate from the given one, which must be above 0 (e.g. 0.1)");
    if (setting.kind == DropoutKind::Concrete && setting.schedule != RateSchedule::Constant)
        throw ConfigError(where + ": kind 'concrete' learns its rate; it cannot also follow a schedule");
}

} // namespace

void validateConfig(const ExperimentConfig& config)
{
    validateHiddenWidths(config);
    const auto sites = dropoutSites(config);
    for (const auto& [name, setting] : config.dropout) {
        if (setting.kind == DropoutKind::Concrete && config.weightDecay != 0.0)
            throw ConfigError("dropout site " + name + ": concrete dropout brings its own weight regulariser "
                              "(l^2/N ||W||^2 / (1-p), docs/dropout-kinds.md); set weight_decay to 0");
        const DropoutSite* site = findSite(sites, name);
        if (!site)
            throw ConfigError("dropout site '" + name + "' does not exist in the " + networkName(config) +
                              " model; expected one of " + siteList(sites));
        validateDropoutSetting(setting, *site, sites);
    }
    require(config.epochs >= 1 && config.epochs <= kMaxEpochs, [&] {
        return "epochs is " + std::to_string(config.epochs) + "; expected 1-" + std::to_string(kMaxEpochs);
    });
    require(config.batchSize >= 1 && config.batchSize <= kMaxBatchSize, [&] {
        return "batch_size is " + std::to_string(config.batchSize) + "; expected 1-" + std::to_string(kMaxBatchSize);
    });
    // Training runs in float: a rate above kMaxLearningRate only overflows (1e308 used to fail at
    // epoch 1 with "cannot be converted to float").
    require(std::isfinite(config.learningRate) && config.learningRate > 0.0 && config.learningRate <= kMaxLearningRate,
            [&] {
                return "learning_rate is " + formatRate(config.learningRate) + "; expected a positive number up to " +
                       formatRate(kMaxLearningRate);
            });
    require(std::isfinite(config.momentum) && config.momentum >= 0.0 && config.momentum < 1.0,
            [&] { return "momentum is " + formatRate(config.momentum) + "; expected 0 <= momentum < 1"; });
    require(config.trainSubset >= 0, [&] {
        return "train_subset is " + std::to_string(config.trainSubset) + "; expected 0 (all) or a positive count";
    });
    require(config.trainEvalImages >= kTrainEvalAll, [&] {
        return "train_eval is " + std::to_string(config.trainEvalImages) + "; expected \"all\", 0 (off) or a count";
    });
    validateNormalisation(config.normalisation);
    require(config.validationFraction > 0.0 && config.validationFraction < 1.0, [&] {
        return "validation_fraction is " + formatRate(config.validationFraction) + "; expected a value between 0 and 1";
    });
    require(config.device == "auto" || config.device == "cpu" || config.device == "cuda",
            [&] { return "device is '" + config.device + "'; expected auto, cpu or cuda"; });
    require(config.threads >= 0 && config.threads <= kMaxThreads, [&] {
        return "threads is " + std::to_string(config.threads) + "; expected 0 (all cores) or 1-" +
               std::to_string(kMaxThreads);
    });
    require(config.progressEvery >= 1 && config.progressEvery <= kMaxProgressEvery, [&] {
        return "progress_every is " + std::to_string(config.progressEvery) + "; expected 1-" +
               std::to_string(kMaxProgressEvery);
    });
    require(config.earlyStoppingPatience >= 0 && config.earlyStoppingPatience <= kMaxEpochs, [&] {
        return "early_stopping_patience is " + std::to_string(config.earlyStoppingPatience) + "; expected 0 (off) to " +
               std::to_string(kMaxEpochs);
    });
    require(config.evalBatchSize >= 1 && config.evalBatchSize <= kMaxBatchSize, [&] {
        return "eval_batch_size is " + std::to_string(config.evalBatchSize) + "; expected 1-" +
               std::to_string(kMaxBatchSize);
    });
    validateOptimiser(config);
    require(config.name.size() <= kMaxNameBytes, [&] {
        return "name is " + std::to_string(config.name.size()) + " bytes long; expected at most " +
               std::to_string(kMaxNameBytes);
    });
    require(detail::isUtf8(config.name), [&] {
        return "name " + detail::dumpJson(config.name) +
               " is not valid UTF-8 (shown with U+FFFD for the bad bytes); a run name is text: use UTF-8";
    });
    require(config.dataDir.find('\0') == std::string::npos,
            [&] { return "data holds a NUL byte; a folder path cannot"; });
    require(config.dataDir.size() <= kMaxPathBytes, [&] {
        return "data is " + std::to_string(config.dataDir.size()) + " bytes long; expected a folder path of at most " +
               std::to_string(kMaxPathBytes);
    });
    validateInput(config.input);
}

} // namespace dropoutlab
