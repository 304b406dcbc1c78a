#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dropoutlab {

/// The network architectures the engine trains.
enum class ModelKind { Cnn, Mlp };

/// `Element` zeroes single activations; `Channel` zeroes whole feature maps (conv sites only).
enum class DropoutKind { Element, Channel };

/// Dropout at one site of a model.
struct DropoutSetting {
    double rate = 0.0;  ///< probability of dropping, 0 <= rate < 1
    DropoutKind kind = DropoutKind::Element;

    bool operator==(const DropoutSetting& other) const { return rate == other.rate && kind == other.kind; }
};

/// Describes a place in a model where dropout can be applied.
struct DropoutSite {
    std::string name;         ///< e.g. "fc1"
    std::string description;  ///< one sentence for tooltips and help
    bool allowsChannel = false;
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

/// Ranges validateConfig() accepts (the CLI, the panel and the file readers use the same).
inline constexpr int kMaxBatchSize = 65536;    ///< training and evaluation batch
inline constexpr int kMaxThreads = 1024;       ///< 0 means all cores
inline constexpr int kMaxProgressEvery = 1000000000;
inline constexpr int kMaxHiddenLayers = 4;     ///< MLP hidden layers
inline constexpr int kMaxHiddenWidth = 16384;  ///< units of one MLP hidden layer
inline constexpr std::int64_t kDefaultTrainEvalImages = 10000;
inline constexpr std::int64_t kTrainEvalAll = -1;  ///< trainEvalImages: every training image
/// The MLP's hidden layers unless a config says otherwise: 784-800-800-10.
inline const std::vector<int> kDefaultHiddenWidths = {800, 800};

/// Everything that defines one training run. Defaults are the published reference experiment.
struct ExperimentConfig {
    std::string name = "run";
    std::string dataDir;  ///< folder with the four IDX files; empty: the installed MNIST
    ModelKind model = ModelKind::Cnn;
    std::vector<int> hiddenWidths = kDefaultHiddenWidths;  ///< MLP only: 1-4 hidden layers (sites hidden1..N)
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

    bool operator==(const ExperimentConfig& other) const;
};

/// The dropout sites of a model with its default widths, in forward order (see network.h).
const std::vector<DropoutSite>& dropoutSites(ModelKind model);
/// The dropout sites of the network a config trains (an MLP's depend on its hidden layers).
std::vector<DropoutSite> dropoutSites(const ExperimentConfig& config);

/// "cnn" / "mlp".
std::string toString(ModelKind model);
/// "element" / "channel".
std::string toString(DropoutKind kind);
/// Parses "cnn"/"mlp"; throws ConfigError naming `where` otherwise.
ModelKind parseModelKind(const std::string& text, const std::string& where);
/// Parses "element"/"channel"; throws ConfigError naming `where` otherwise.
DropoutKind parseDropoutKind(const std::string& text, const std::string& where);

/// The number `text` spells, the whole of it (no trailing characters); nullopt when it is none.
std::optional<double> numberFromText(const std::string& text);
/// Parses a train-eval size: "all", or a count (0: off); throws ConfigError naming `where`.
std::int64_t parseTrainEvalImages(const std::string& text, const std::string& where);
/// "all", "off" or the count.
std::string trainEvalText(std::int64_t images);
/// Parses "1024,1024,1024" into MLP hidden widths; throws ConfigError naming `where`.
std::vector<int> parseHiddenWidths(const std::string& text, const std::string& where);
/// Parses "fc1=0.5,input=0.2,conv2=0.3:channel" into settings; throws ConfigError.
std::map<std::string, DropoutSetting> parseDropoutSpec(const std::string& spec);
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
/// Reads and parses a config file; throws ConfigError (or IoError if unreadable).
ExperimentConfig loadConfigFile(const std::string& path);

} // namespace dropoutlab
