#include "saved_model.h"

#include "dropoutlab/core/dataset.h"
#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_io.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/train/saved_model.h"
#include "dropoutlab/core/zip_check.h"
#include "training_session.h"

#include <torch/serialize.h>

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace dropoutlab {
namespace detail {

namespace {

std::string shapeText(at::IntArrayRef sizes)
{
    std::ostringstream text;
    text << '[';
    for (std::size_t i = 0; i < sizes.size(); ++i)
        text << (i ? " x " : "") << sizes[i];
    text << ']';
    return text.str();
}

/// The archive's bytes, after the checks that need no torch: a plain file within the size limit
/// that starts as a zip archive does.
std::uint32_t crc32Of(const char* data, std::size_t size)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (size > 0) {
        const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
        data += chunk;
        size -= chunk;
    }
    return static_cast<std::uint32_t>(crc);
}

std::vector<char> readArchive(const std::string& path, std::optional<std::uint32_t> expectedCrc)
{
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
        throw ModelError(path + ": no saved model (runs recorded before models were saved, and runs that did not "
                                "complete, have none)");
    std::string bytes;
    try {
        bytes = readTextFile(path, kMaxModelFileBytes);
    } catch (const Error& error) {
        throw ModelError(error.what());
    }
    if (expectedCrc) {
        const std::uint32_t crc = crc32Of(bytes.data(), bytes.size());
        if (crc != *expectedCrc)
            throw ModelError(path + ": damaged or replaced since it was saved (CRC-32 " + std::to_string(crc) +
                             ", result.json recorded " + std::to_string(*expectedCrc) + ")");
    }
    if (bytes.size() < 22 || bytes.compare(0, 4, "PK\x03\x04") != 0)
        throw ModelError(path + ": not a saved model (expected a PyTorch archive, a zip file starting with 'PK')");
    checkZipArchive(bytes, path);  // before torch's reader, which trusts the archive's offsets
    return {bytes.begin(), bytes.end()};
}

/// PyTorch's name of a dtype, as Python prints it ("float32", "int64").
std::string dtypeName(c10::ScalarType type)
{
    switch (type) {
    case torch::kFloat: return "float32";
    case torch::kDouble: return "float64";
    case torch::kHalf: return "float16";
    case torch::kLong: return "int64";
    case torch::kInt: return "int32";
    default: return c10::toString(type);
    }
}

} // namespace

std::uint32_t saveModelFile(const std::string& path, const ExperimentConfig& config,
                            const std::vector<torch::Tensor>& parameters)
{
    const auto names = stateNames(networkSpec(config), config.dropout);
    if (names.size() != parameters.size())
        throw ModelError(path + ": " + std::to_string(parameters.size()) + " tensors to save for a network of " +
                         std::to_string(names.size()));
    c10::Dict<std::string, at::Tensor> weights;
    for (std::size_t i = 0; i < parameters.size(); ++i)
        weights.insert(names[i], parameters[i].detach().to(torch::kCPU).contiguous());
    const std::vector<char> bytes = torch::pickle_save(weights);
    writeFileAtomically(path, std::string(bytes.begin(), bytes.end()));
    return crc32Of(bytes.data(), bytes.size());
}

std::shared_ptr<NetImpl> loadModelFile(const std::string& path, const ExperimentConfig& config,
                                       std::optional<std::uint32_t> crc32)
{
    const std::vector<char> bytes = readArchive(path, crc32);
    c10::IValue value;
    try {
        value = torch::pickle_load(bytes);
    } catch (const std::exception& error) {
        std::string message = error.what();
        message = message.substr(0, message.find('\n'));
        throw ModelError(path + ": not a readable PyTorch archive (" + message + ")");
    }
    if (!value.isGenericDict())
        throw ModelError(path + ": holds a " + value.tagKind() + "; expected a dict of parameter name to tensor");
    const auto dict = value.toGenericDict();
    const auto model = makeModel(config);
    std::vector<std::pair<std::string, torch::Tensor>> expected;
    for (const auto& item : model->named_parameters())
        expected.emplace_back(item.key(), item.value());
    for (const auto& item : model->named_buffers())
        expected.emplace_back(item.key(), item.value());
    const std::string network = networkName(config) + " of " + path.substr(0, path.find_last_of('/') + 1) +
                                "config.json";
    if (dict.size() != expected.size())
        throw ModelError(path + ": holds " + std::to_string(dict.size()) + " entries; the " + network + " has " +
                         std::to_string(expected.size()) + " tensors (parameters and buffers)");
    torch::NoGradGuard noGrad;
    for (auto& [name, target] : expected) {
        const auto found = dict.find(c10::IValue(name));
        if (found == dict.end())
            throw ModelError(path + ": has no '" + name + "'; expected the parameters of the " + network);
        if (!found->value().isTensor())
            throw ModelError(path + ": '" + name + "' is a " + found->value().tagKind() + "; expected a tensor");
        const at::Tensor tensor = found->value().toTensor();
        if (tensor.scalar_type() != target.scalar_type())
            throw ModelError(path + ": '" + name + "' holds " + dtypeName(tensor.scalar_type()) + "; expected " +
                             dtypeName(target.scalar_type()));
        if (tensor.sizes() != target.sizes())
            throw ModelError(path + ": '" + name + "' is " + shapeText(tensor.sizes()) + "; the " + network +
                             " needs " + shapeText(target.sizes()));
        target.copy_(tensor);
    }
    model->eval();
    return model;
}

std::shared_ptr<NetImpl> loadRunModel(const std::string& runDir, const RunRecord& run, const ExperimentConfig& config)
{
    return loadModelFile((std::filesystem::path(runDir) / kModelFileName).string(), config, run.result.modelCrc32);
}

} // namespace detail

void checkModelFile(const std::string& path, const ExperimentConfig& config, std::optional<std::uint32_t> crc32)
{
    detail::loadModelFile(path, config, crc32);
}

ModelEvaluation evaluateSavedModel(const std::string& runDir, const std::string& dataDir, const std::string& device)
{
    const RunRecord run = loadRun(runDir);
    ExperimentConfig config = run.config;
    if (!dataDir.empty())
        config.dataDir = dataDir;
    if (!device.empty())
        config.device = device;
    const detail::TrainingTurn turn;
    const torch::Device target = detail::resolveDevice(config.device);
    detail::prepareThread(config);
    const auto model = detail::loadRunModel(runDir, run, config);
    model->to(target);
    const auto bytes = cachedDataset(resolveDataDir(config.dataDir));
    detail::requireShape(*bytes, config, config.dataDir);
    const detail::DeviceSet test = detail::toDevice(*bytes, true, detail::normalisationOf(config, *bytes), target);
    const auto learner = detail::makeEvaluationLearner(model);
    const auto evaluation = detail::evaluateLearner(*learner, 1, test, torch::Tensor(), config.evalBatchSize, nullptr);
    ModelEvaluation result;
    result.accuracy = evaluation.accuracy.front();
    result.loss = evaluation.loss.front();
    result.images = test.labels.size(0);
    result.device = detail::describeDevice(target);
    result.threads = resolvedThreadCount(config);
    return result;
}

} // namespace dropoutlab

namespace dropoutlab {

struct ModelPredictor::Impl {
    std::shared_ptr<detail::NetImpl> model;
    ExperimentConfig config;
    DataShape input;
    std::vector<std::string> sites;
    std::optional<detail::DeviceSet> norm;  ///< the run's normalisation, found on first use

    const detail::DeviceSet& normalisation()
    {
        if (!norm) {
            std::vector<ChannelStatistics> stats;
            try {
                stats = detail::normalisationOf(config, *cachedDataset(resolveDataDir(config.dataDir)));
            } catch (const Error&) {
                // The run's data has gone: the reference normalisation is right for IDX data (a
                // drawn digit on an MNIST model); a model trained on statistics needs its data.
                if (!config.normalisation.empty())
                    stats = config.normalisation;
                else if (input == DataShape{})
                    stats.assign(1, {127.5, 127.5});
                else
                    throw;
            }
            norm = detail::normalisationSet(stats, false, torch::kCPU);
        }
        return *norm;
    }
};

ModelPredictor::ModelPredictor(const std::string& runDir) : m_impl(std::make_unique<Impl>())
{
    const RunRecord run = loadRun(runDir);
    m_impl->model = detail::loadRunModel(runDir, run, run.config);
    m_impl->input = run.config.input;
    m_impl->config = run.config;
    detail::useConvolutionLayout(*m_impl->model);  // as in training: the same kernels, the same numbers
    m_impl->sites = m_impl->model->activeDropoutSites();
}

ModelPredictor::~ModelPredictor() = default;

const std::vector<std::string>& ModelPredictor::activeSites() const
{
    return m_impl->sites;
}

ModelPredictor::Prediction ModelPredictor::predict(const std::vector<std::uint8_t>& image, int samples,
                                                   std::uint64_t seed)
{
    const DataShape& shape = m_impl->input;
    const auto values = static_cast<std::size_t>(shape.channels) * static_cast<std::size_t>(shape.height) *
                        static_cast<std::size_t>(shape.width);
    if (image.size() != values)
        throw ConfigError("an image of " + std::to_string(image.size()) + " values; this model takes " + shapeText(shape) +
                          " = " + std::to_string(values) + (shape == DataShape{} ? "" : " (a drawn digit is 1x28x28)"));
    torch::NoGradGuard noGrad;
    detail::NetImpl& model = *m_impl->model;
    const std::vector<std::int64_t> sizes{1, shape.channels, shape.height, shape.width};
    const auto bytes = torch::from_blob(const_cast<std::uint8_t*>(image.data()), sizes, torch::kUInt8).clone();
    const torch::Tensor input = detail::normalise(bytes, m_impl->normalisation());
    const auto toVector = [](const torch::Tensor& t) {
        const auto d = t.to(torch::kDouble).contiguous();
        return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
    };
    Prediction prediction;
    prediction.deterministic = toVector(torch::softmax(model.forwardLayers(input, 0, model.spec().layers.size(), false), 1)[0]);
    if (m_impl->sites.empty() || samples < 1)
        return prediction;
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto p = torch::softmax(model.forwardSampled(input.expand({samples, shape.channels, shape.height, shape.width}).contiguous(), generator), 1)
                       .to(torch::kDouble);
    prediction.mcMean = toVector(p.mean(0));
    prediction.mcStd = toVector(samples > 1 ? p.std(0) : torch::zeros({p.size(1)}, p.options()));
    return prediction;
}

} // namespace dropoutlab
