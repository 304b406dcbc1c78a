#pragma once

#include "dropoutlab/core/layer_spec.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

/// The network a config trains: the reference CNN, the MLP of `hiddenWidths`, or the layer stack
/// in `ExperimentConfig::network` (a network file).
enum class ModelKind { Cnn, Mlp, Custom };

/// The non-linearity of hidden units: ReLU, or the logistic sigmoid of the early dropout papers.
enum class Activation { Relu, Sigmoid };

/// The pixel range the network sees: `Centred` x/127.5 - 1 in [-1, 1] (the reference
/// experiment's Normalize(0.5, 0.5)); `Unit` x/255 in [0, 1] (the dropout papers').
enum class PixelRange { Centred, Unit };

/// How the weights start: PyTorch's default (Kaiming-uniform), N(0, init_std^2), or
/// N(0, init_std^2 / fan_in) (the dropout authors' code); biases start at 0 with the latter two.
enum class InitScheme { Default, Normal, NormalFanIn };

/// The optimisers a run can train with (PyTorch's algorithms; see docs of torch.optim).
enum class OptimiserKind { Sgd, Adam, AdamW };

/// How the learning rate changes from epoch to epoch (after an optional linear warm-up).
enum class LrSchedule {
    Constant,     ///< the base rate throughout
    Step,         ///< multiplied by lr_gamma every lr_step_epochs epochs
    Exponential,  ///< multiplied by lr_gamma after every epoch
    Cosine,       ///< half a cosine from the base rate down to lr_min over the remaining epochs
    InverseTime,  ///< base / (1 + t / lr_step_epochs): halved after lr_step_epochs epochs
};


/// How a site's rate changes over the epochs (the rate in force during epoch e, 1-based).
enum class RateSchedule {
    Constant,    ///< `rate` throughout
    Ramp,        ///< linear from `startRate` to `rate` over `rampEpochs`: p0 + (p - p0) min(1, e / N) (DropBlock's schedule)
    Curriculum,  ///< p (1 - exp(-5 e / N)): from 0 towards `rate`, within 1 % of it after N epochs (Morerio et al. 2017)
};

inline constexpr int kDefaultBlockSize = 3;  ///< DropBlock's block side unless a config gives one
inline constexpr int kMaxBlockSize = 512;

/// Dropout at one site of a model.
struct DropoutSetting {
    double rate = 0.0;  ///< probability of dropping, 0 <= rate < 1 (the final rate of a schedule)
    DropoutKind kind = DropoutKind::Element;
    int blockSize = kDefaultBlockSize;  ///< DropBlock only: the side of a dropped block
    RateSchedule schedule = RateSchedule::Constant;
    double startRate = 0.0;  ///< Ramp: the rate of epoch 0
    int rampEpochs = 0;      ///< Ramp and Curriculum: N, the epochs until the rate is reached

    bool operator==(const DropoutSetting& other) const
    {
        return rate == other.rate && kind == other.kind && blockSize == other.blockSize &&
               schedule == other.schedule && startRate == other.startRate && rampEpochs == other.rampEpochs;
    }
};

/// Describes a place in a model where dropout can be applied.
struct DropoutSite {
    std::string name;         ///< e.g. "fc1"
    std::string description;  ///< one sentence for tooltips and help
    bool allowsChannel = false;
    DropoutKind defaultKind = DropoutKind::Element;  ///< the kind a run uses unless it names one
    int mapHeight = 0;        ///< the feature maps' height and width at the site; 0 on flat features
    int mapWidth = 0;
    std::string weightedAfter;  ///< the first convolution or linear layer after the site (DropConnect masks its weights); empty: none
};

/// Independent seeds, so that e.g. two runs can share a split but differ in initialisation.
struct Seeds {
    std::uint64_t init = 1;     ///< weight initialisation
    std::uint64_t split = 42;   ///< train/validation split and training subset
    std::uint64_t shuffle = 1;  ///< order of training batches
    std::uint64_t dropout = 1;  ///< dropout masks

    bool operator==(const Seeds& other) const
    {
        return init == other.init && split == other.split && shuffle == other.shuffle && dropout == other.dropout;
    }
};

/// The data a run trains on, as its network sees it: images of channels x height x width and the
/// class count. MNIST's unless the dataset says otherwise; a run takes it from its dataset when
/// it starts (config.json keeps it), and its network is built for it.
struct DataShape {
    int channels = 1;
    int height = 28;
    int width = 28;
    int classes = 10;

    bool operator==(const DataShape& other) const
    {
        return channels == other.channels && height == other.height && width == other.width &&
               classes == other.classes;
    }
    bool operator!=(const DataShape& other) const { return !(*this == other); }
};

/// A channel's (or a table feature's) mean and standard deviation, in pixel values (0-255) for
/// images: the input is normalised to (x - mean) / std.
struct ChannelStatistics {
    double mean = 0.0;
    double std = 1.0;
    bool operator==(const ChannelStatistics& other) const { return mean == other.mean && std == other.std; }
};

/// Ranges validateConfig() accepts (the CLI, the panel and the file readers use the same).
inline constexpr int kMaxBatchSize = 65536;    ///< training and evaluation batch
inline constexpr int kMaxThreads = 1024;       ///< 0 means all cores
inline constexpr int kMaxProgressEvery = 1000000000;
inline constexpr int kMaxHiddenLayers = 4;     ///< MLP hidden layers
inline constexpr int kMaxHiddenWidth = 16384;  ///< units of one MLP hidden layer
inline constexpr int kMaxScheduleEpochs = 1000000;  ///< lr_step_epochs, warm-up and momentum ramp
inline constexpr std::int64_t kDefaultTrainEvalImages = 10000;
inline constexpr std::int64_t kTrainEvalAll = -1;  ///< trainEvalImages: every training image
/// The MLP's hidden layers unless a config says otherwise: 784-800-800-10.
inline const std::vector<int> kDefaultHiddenWidths = {800, 800};

/// Everything that defines one training run. Defaults are the published reference experiment.
struct ExperimentConfig {
    std::string name = "run";
    std::string dataDir;  ///< the dataset's folder or file (dataset.h); empty: the installed MNIST
    DataShape input;      ///< the dataset's shape (set from the data when the run starts)
    ModelKind model = ModelKind::Cnn;
    std::vector<int> hiddenWidths = kDefaultHiddenWidths;  ///< MLP only: 1-4 hidden layers (sites hidden1..N)
    /// Custom only: the network file's definition (layers with their file fields; see network.h).
    NetworkSpec network;
    std::map<std::string, DropoutSetting> dropout;  ///< by site name; absent means rate 0
    int epochs = 10;
    int batchSize = 100;
    double learningRate = 0.01;
    double momentum = 0.9;
    std::int64_t trainSubset = 0;      ///< 0: the whole training part of the split
    double validationFraction = 0.2;
    Seeds seeds;
    std::string device = "auto";       ///< auto, cpu or cuda
    int threads = 0;                   ///< 0: all cores
    int progressEvery = 10;            ///< batches between progress reports
    int evalBatchSize = 250;  ///< smaller batches keep peak memory low at the same speed (BENCHMARKS.md)
    /// Stop when the validation loss has not improved for this many epochs and report the best
    /// epoch's test accuracy; 0: off.
    int earlyStoppingPatience = 0;
    /// Training images evaluated after each epoch with dropout off (a fixed, seeded,
    /// class-balanced sample of the training part): the honest training metric beside the
    /// running one measured with dropout on. 0: off; kTrainEvalAll: the whole training part.
    std::int64_t trainEvalImages = kDefaultTrainEvalImages;
    /// The input's normalisation as given: one mean and std per channel (or one for every
    /// channel). Empty: the dataset's own (runNormalisation in dataset.h).
    std::vector<ChannelStatistics> normalisation;

    // Network details beyond the architecture.
    Activation activation = Activation::Relu;  ///< hidden units
    PixelRange pixels = PixelRange::Centred;
    InitScheme init = InitScheme::Default;
    /// Normal: the weights' standard deviation (Hinton et al. 2012: 0.01); NormalFanIn: divided by
    /// sqrt(fan_in) (the dropout authors' code: 1.0).
    double initStd = 0.01;

    // Optimiser and regularisation. The defaults are plain SGD with momentum at a constant rate:
    // the reference experiment.
    OptimiserKind optimiser = OptimiserKind::Sgd;
    bool nesterov = false;            ///< SGD: Nesterov momentum
    /// SGD: the papers' form of momentum, dw <- m dw - (1 - m) lr g, so that the step size does
    /// not grow as the momentum ramps up (trained as PyTorch's SGD at rate (1 - m) lr).
    bool dampenedMomentum = false;
    double adamBeta1 = 0.9;           ///< Adam/AdamW
    double adamBeta2 = 0.999;
    double adamEps = 1e-8;
    /// L2 penalty: SGD and Adam add weight_decay * w to every gradient (biases included, as
    /// PyTorch does); AdamW decays the weights directly.
    double weightDecay = 0.0;
    LrSchedule lrSchedule = LrSchedule::Constant;
    int lrStepEpochs = 10;            ///< Step: epochs between decays; InverseTime: epochs to halve
    double lrGamma = 0.1;             ///< Step and Exponential: the factor
    double lrMin = 0.0;               ///< Cosine: the rate reached at the end
    int warmupEpochs = 0;             ///< linear warm-up: epoch e <= W trains at base * e / (W + 1)
    /// Momentum ramp (SGD): from momentum_start in epoch 1 linearly to `momentum` in epoch
    /// 1 + momentum_ramp_epochs, then constant. 0: no ramp.
    double momentumStart = 0.5;
    int momentumRampEpochs = 0;
    /// Max-norm: after each step, each unit's incoming weight vector (a row of a linear layer, a
    /// filter of a convolution) is rescaled to L2 norm <= max_norm. 0: off.
    double maxNorm = 0.0;
    /// The layers max-norm applies to (e.g. "fc1"); empty: every hidden layer (all weighted
    /// layers but the output layer).
    std::vector<std::string> maxNormLayers;

    bool operator==(const ExperimentConfig& other) const;
};

/// The learning rate of epoch `epoch` (1-based): warm-up, then the schedule.
double learningRateAt(const ExperimentConfig& config, int epoch);
/// The SGD momentum of epoch `epoch` (1-based): the ramp, then `momentum`.
double momentumAt(const ExperimentConfig& config, int epoch);
/// True when the learning rate or the momentum changes from one epoch to another.
bool hasEpochSchedule(const ExperimentConfig& config);
/// The weighted layers max-norm constrains ("fc1", ...); empty when max-norm is off.
std::vector<std::string> maxNormLayerNames(const ExperimentConfig& config);
/// One line on the optimiser and regularisation, e.g. "SGD momentum 0.9, lr 0.01" or
/// "Adam lr 0.001, cosine schedule, weight decay 0.0005, max-norm 3".
std::string optimiserSummary(const ExperimentConfig& config);

/// The dropout sites of a model with its default widths, in forward order (see network.h).
const std::vector<DropoutSite>& dropoutSites(ModelKind model);
/// The dropout sites of the network a config trains (an MLP's depend on its hidden layers).
std::vector<DropoutSite> dropoutSites(const ExperimentConfig& config);

/// "cnn" / "mlp" / "custom".
std::string toString(ModelKind model);
/// The network's name for messages and tables: "cnn", "mlp", or a custom network's name.
std::string networkName(const ExperimentConfig& config);
/// Gives `site`'s setting in config.dropout the kind its network names as the site's default
/// (a rate given without a kind).
void applyDefaultKind(ExperimentConfig& config, const std::string& site);
/// "element", "channel", "gaussian", "alpha", "dropconnect", "dropblock".
std::string toString(DropoutKind kind);
/// "constant", "ramp", "curriculum".
std::string toString(RateSchedule schedule);
RateSchedule parseRateSchedule(const std::string& text, const std::string& where);
/// The rate in force at a site during epoch `epoch` (1-based), after its schedule.
double scheduledRate(const DropoutSetting& setting, int epoch);
/// Whether a kind works on feature maps only (channel, dropblock).
bool needsFeatureMaps(DropoutKind kind);
/// "centred" / "unit".
std::string toString(PixelRange pixels);
PixelRange parsePixelRange(const std::string& text, const std::string& where);
/// "default" / "normal" / "normal_fan_in".
std::string toString(InitScheme init);
InitScheme parseInitScheme(const std::string& text, const std::string& where);
/// "relu" / "sigmoid".
std::string toString(Activation activation);
/// "sgd" / "adam" / "adamw".
std::string toString(OptimiserKind optimiser);
/// "constant" / "step" / "exponential" / "cosine" / "inverse_time".
std::string toString(LrSchedule schedule);
Activation parseActivation(const std::string& text, const std::string& where);
OptimiserKind parseOptimiserKind(const std::string& text, const std::string& where);
LrSchedule parseLrSchedule(const std::string& text, const std::string& where);
/// Parses "cnn"/"mlp"/"custom"; throws ConfigError naming `where` otherwise.
ModelKind parseModelKind(const std::string& text, const std::string& where);
/// Parses a kind's name (toString(DropoutKind)); throws ConfigError naming `where` otherwise.
DropoutKind parseDropoutKind(const std::string& text, const std::string& where);

/// The number `text` spells, the whole of it (no trailing characters); nullopt when it is none.
std::optional<double> numberFromText(const std::string& text);
/// Parses a train-eval size: "all", or a count (0: off); throws ConfigError naming `where`.
std::int64_t parseTrainEvalImages(const std::string& text, const std::string& where);
/// "all", "off" or the count.
std::string trainEvalText(std::int64_t images);
/// Parses "1024,1024,1024" into MLP hidden widths; throws ConfigError naming `where`.
std::vector<int> parseHiddenWidths(const std::string& text, const std::string& where);
/// Parses "fc1=0.5,input=0.2,conv2=0.3:channel" into settings; throws ConfigError. An item is
/// SITE=RATE[:KIND[/BLOCK]][@SCHEDULE]: "conv2=0.1:dropblock/5", "fc1=0.5@ramp:10" (from 0 over
/// 10 epochs), "fc1=0.5@ramp:10:0.1" (from 0.1), "fc1=0.5@curriculum:20". The sites given
/// without a kind (element by default) are added to `withoutKind` when it is given.
std::map<std::string, DropoutSetting> parseDropoutSpec(const std::string& spec,
                                                       std::vector<std::string>* withoutKind = nullptr);
/// The same run without any dropout, named "no dropout" ("mlp no dropout" for the MLP): the
/// other half of a with/without comparison.
ExperimentConfig withoutDropout(const ExperimentConfig& config);
/// Human-readable summary, e.g. "input 0.2, fc1 0.5" or "none".
std::string dropoutSummary(const ExperimentConfig& config);

/// Throws ConfigError with the offending field (and site) if the config cannot run.
void validateConfig(const ExperimentConfig& config);

/// JSON text of a config (snake_case keys).
std::string configToJson(const ExperimentConfig& config);
/// Parses a config from JSON text; `where` names the source in error messages. Unknown keys are errors.
ExperimentConfig configFromJson(const std::string& text, const std::string& where);
/// Sets one config key from text, as the CLI's --set KEY=VALUE does: the value is read as JSON
/// when it is valid JSON, otherwise as a string (so lr_schedule=cosine and max_norm=3 both work).
/// Throws ConfigError naming `where` and the key.
void applyConfigSetting(ExperimentConfig& config, const std::string& key, const std::string& value,
                        const std::string& where);
/// Reads and parses a config file; throws ConfigError (or IoError if unreadable).
ExperimentConfig loadConfigFile(const std::string& path);

} // namespace dropoutlab
