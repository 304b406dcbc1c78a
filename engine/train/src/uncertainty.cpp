#include "dropoutlab/train/uncertainty.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/file_io.h"
#include "dropoutlab/train/experiment.h"
#include "dropoutlab/core/file_limits.h"
#include "dropoutlab/core/results.h"
#include "mc_dropout.h"
#include "saved_model.h"
#include "training_session.h"

#include <chrono>
#include <cmath>
#include <filesystem>

namespace dropoutlab {
namespace {

using detail::Clock;
using detail::NetImpl;

/// Rejected fractions: every percent up to 10 % (where the curves change), then coarser.
constexpr double kRejected[] = {0.0,  0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1,
                                0.15, 0.2,  0.25, 0.3,  0.4,  0.5,  0.6,  0.7,  0.8,  0.9};

void appendRows(ProbabilityTable& table, const torch::Tensor& probabilities, const torch::Tensor& labels)
{
    const auto p = probabilities.to(torch::kCPU, torch::kFloat).contiguous();
    const auto l = labels.to(torch::kCPU, torch::kLong).contiguous();
    table.probabilities.insert(table.probabilities.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
    table.labels.insert(table.labels.end(), l.data_ptr<std::int64_t>(), l.data_ptr<std::int64_t>() + l.numel());
}

/// Rows of one forward through the layers after the first active dropout site, at once: more
/// for cheap fully connected tails, fewer where convolutions follow.
std::int64_t rowsPerPass(const NetImpl& model, std::size_t first)
{
    for (std::size_t i = first; i < model.spec().layers.size(); ++i) {
        if (model.spec().layers[i].kind == LayerSpec::Kind::Conv)
            return 250;  // convolutions run fastest at about this batch here (BENCHMARKS.md)
    }
    return 50000;
}

} // namespace

bool detail::predictSet(NetImpl& model, const DeviceSet& set, int samples, int batchSize, bool stochastic,
                        const CancelToken& cancel, const std::function<void(std::int64_t)>& advance,
                        SetPredictions& out)
{
    torch::NoGradGuard noGrad;
    model.eval();
    const std::int64_t count = set.labels.size(0);
    const std::size_t layers = model.spec().layers.size();
    const std::size_t first = model.firstActiveDropout();
    out.deterministic.classes = out.mc.classes = model.spec().classes;
    for (std::int64_t start = 0; start < count; start += batchSize) {
        if (cancel.isCancelled())
            return false;
        const std::int64_t size = std::min<std::int64_t>(batchSize, count - start);
        const auto [images, labels] = detail::evaluationBatch(set, torch::Tensor(), start, size);
        const torch::Tensor input = detail::normalise(images, set);
        // Everything before the first active site is the same in every pass: computed once.
        const torch::Tensor prefix = model.forwardLayers(input, 0, first, false);
        const torch::Tensor deterministic =
            torch::softmax(model.forwardLayers(prefix.clone(), first, layers, false), 1);
        appendRows(out.deterministic, deterministic, labels);
        if (!stochastic) {
            advance(size);
            continue;
        }
        // The passes, several stacked into one batch: [k * size, ...] rows.
        // DropConnect draws one weight mask per forward batch: its passes go one at a time.
        const std::int64_t tile = model.masksWeights() ? 1 : std::max<std::int64_t>(1, rowsPerPass(model, first) / size);
        // Sums in double: the mean of T equal passes is then exactly their value.
        const auto doubles = deterministic.options().dtype(torch::kDouble);
        torch::Tensor sum = torch::zeros(deterministic.sizes(), doubles);
        torch::Tensor entropySum = torch::zeros({size}, doubles);
        for (std::int64_t t = 0; t < samples; t += tile) {
            if (cancel.isCancelled())
                return false;
            const std::int64_t k = std::min<std::int64_t>(tile, samples - t);
            std::vector<std::int64_t> copies(static_cast<std::size_t>(prefix.dim()), 1);
            copies[0] = k;  // rows: pass 0's batch, then pass 1's, ...
            const torch::Tensor stacked = prefix.repeat(copies);
            const torch::Tensor p = torch::softmax(model.forwardLayers(stacked, first, layers, true), 1)
                                        .view({k, size, -1})
                                        .to(torch::kDouble);
            sum += p.sum(0);
            entropySum -= (p * p.clamp_min(1e-300).log()).sum(2).sum(0);
        }
        const torch::Tensor mean = sum / static_cast<double>(samples);
        const torch::Tensor meanEntropy = entropySum / static_cast<double>(samples);
        const torch::Tensor entropyOfMean = -(mean * mean.clamp_min(1e-300).log()).sum(1);
        appendRows(out.mc, mean, labels);
        const torch::Tensor mi = (entropyOfMean - meanEntropy).clamp_min(0).to(torch::kCPU, torch::kDouble).contiguous();
        out.mutualInformation.insert(out.mutualInformation.end(), mi.data_ptr<double>(), mi.data_ptr<double>() + size);
        advance(size * samples);
    }
    for (std::int64_t i = 0; i < out.deterministic.count(); ++i)
        out.entropyDeterministic.push_back(entropy(out.deterministic.row(i), out.deterministic.classes));
    for (std::int64_t i = 0; i < out.mc.count(); ++i)
        out.entropyMc.push_back(entropy(out.mc.row(i), out.mc.classes));
    return true;
}

namespace {

PredictionScores score(const ProbabilityTable& table, const std::vector<double>& entropyIn,
                       const std::vector<double>* mutualInformation, const std::vector<double>* entropyOut,
                       const std::vector<double>* mutualInformationOut, const UncertaintyOptions& options,
                       double histogramMax)
{
    PredictionScores s;
    s.accuracy = accuracy(table);
    s.nll = negativeLogLikelihood(table);
    s.brier = brierScore(table);
    s.reliability = reliabilityBins(table, options.reliabilityBins);
    s.ece = expectedCalibrationError(s.reliability);
    std::vector<char> correct(static_cast<std::size_t>(table.count()));
    for (std::int64_t i = 0; i < table.count(); ++i)
        correct[static_cast<std::size_t>(i)] = predictedClass(table.row(i), table.classes) == table.labels[static_cast<std::size_t>(i)];
    for (const double rejected : kRejected) {
        RejectionPoint point;
        point.rejected = rejected;
        point.byEntropy = accuracyAfterRejection(correct, entropyIn, point.rejected);
        if (mutualInformation)
            point.byMutualInformation = accuracyAfterRejection(correct, *mutualInformation, point.rejected);
        s.rejection.push_back(point);
    }
    s.entropyIn = histogram(entropyIn, 0.0, histogramMax, options.histogramBins);
    if (entropyOut) {
        s.entropyOut = histogram(*entropyOut, 0.0, histogramMax, options.histogramBins);
        s.oodAuroc = auroc(entropyIn, *entropyOut);
        if (mutualInformation && mutualInformationOut)
            s.oodAurocMutualInformation = auroc(*mutualInformation, *mutualInformationOut);
    }
    return s;
}

} // namespace

std::optional<UncertaintyReport> analyseUncertainty(const std::string& runDir, const UncertaintyOptions& options,
                                                    const CancelToken& cancel, const UncertaintyProgress& progress)
{
    if (options.samples < 1 || options.samples > 10000)
        throw ConfigError("--samples is " + std::to_string(options.samples) + "; expected 1-10000");
    const RunRecord run = loadRun(runDir);
    ExperimentConfig config = run.config;
    if (!options.data.empty())
        config.dataDir = options.data;
    if (!options.device.empty())
        config.device = options.device;
    const int batchSize = options.batchSize > 0 ? options.batchSize : config.evalBatchSize;

    const detail::TrainingTurn turn;
    const torch::Device device = detail::resolveDevice(config.device);
    detail::prepareThread(config);
    const auto model = detail::loadRunModel(runDir, run, config);
    model->to(device);
    detail::useConvolutionLayout(*model);  // as in training: the same kernels, the same numbers

    UncertaintyReport report;
    report.runDir = runDir;
    report.data = config.dataDir;
    report.ood = options.ood;
    report.device = detail::describeDevice(device);
    report.threads = resolvedThreadCount(config);
    report.samples = options.samples;
    report.seed = options.seed;
    report.activeSites = model->activeDropoutSites();
    report.stochastic = !report.activeSites.empty();
    report.histogramMax = std::log(static_cast<double>(model->spec().classes));

    const auto testBytes = cachedDataset(resolveDataDir(config.dataDir));
    detail::requireShape(*testBytes, config, config.dataDir);
    report.classNames = testBytes->classNames;
    const auto norm = detail::normalisationOf(config, *testBytes);
    const auto test = detail::toDevice(*testBytes, true, norm, device);
    report.images = test.labels.size(0);
    std::optional<detail::DeviceSet> ood;
    if (!options.ood.empty()) {
        // Copied out before the cache holds the other dataset.
        // The out-of-distribution images go through the run's own normalisation. Their classes
        // need not be the model's.
        const auto oodBytes = cachedDataset(resolveDataDir(options.ood));
        if (oodBytes->shape.channels != testBytes->shape.channels || oodBytes->shape.height != testBytes->shape.height ||
            oodBytes->shape.width != testBytes->shape.width)
            throw DataError(options.ood + ": images of " + shapeText(oodBytes->shape) + " (channels x height x width); the model takes " +
                            shapeText(testBytes->shape));
        ood = detail::toDevice(*oodBytes, true, norm, device);
        report.oodImages = ood->labels.size(0);
    }

    const std::int64_t passes = report.stochastic ? options.samples : 1;
    const std::int64_t total = (report.images + report.oodImages) * passes;
    std::int64_t done = 0;
    const auto advance = [&](std::int64_t images) {
        done += images;
        if (progress)
            progress(done, total);
    };
    torch::manual_seed(options.seed);
    const auto start = Clock::now();
    detail::SetPredictions in, out;
    if (!detail::predictSet(*model, test, options.samples, batchSize, report.stochastic, cancel, advance, in))
        return std::nullopt;
    if (ood && !detail::predictSet(*model, *ood, options.samples, batchSize, report.stochastic, cancel, advance, out))
        return std::nullopt;
    report.seconds = detail::secondsSince(start);

    report.deterministic = score(in.deterministic, in.entropyDeterministic, nullptr,
                                 ood ? &out.entropyDeterministic : nullptr, nullptr, options, report.histogramMax);
    if (report.stochastic) {
        report.mc = score(in.mc, in.entropyMc, &in.mutualInformation, ood ? &out.entropyMc : nullptr,
                          ood ? &out.mutualInformation : nullptr, options, report.histogramMax);
        report.mcTable = std::move(in.mc);
        report.mcMutualInformation = std::move(in.mutualInformation);
    }
    report.deterministicTable = std::move(in.deterministic);
    return report;
}

std::optional<UncertaintyReport> analyseUncertaintyCached(const std::string& runDir, const UncertaintyOptions& options,
                                                          const CancelToken& cancel, const UncertaintyProgress& progress,
                                                          bool* fromCache)
{
    namespace fs = std::filesystem;
    const std::string cache = analysisCachePath(runDir);
    const fs::path model = fs::path(runDir) / kModelFileName;
    std::error_code ec;
    const auto cacheTime = fs::last_write_time(cache, ec);
    const bool fresh = !ec && cacheTime >= fs::last_write_time(model, ec) && !ec;
    if (fresh) {
        try {
            UncertaintyReport cached = uncertaintyFromJson(readTextFile(cache, kMaxJsonFileBytes), cache);
            const std::string data = options.data.empty() ? loadRun(runDir).config.dataDir : options.data;
            if (cached.samples == options.samples && cached.seed == options.seed && cached.ood == options.ood &&
                cached.data == data) {
                if (fromCache)
                    *fromCache = true;
                return cached;
            }
        } catch (const Error&) {
            // unreadable or from another version: computed afresh and replaced
        }
    }
    if (fromCache)
        *fromCache = false;
    auto report = analyseUncertainty(runDir, options, cancel, progress);
    if (report) {
        try {
            writeFileAtomically(cache, uncertaintyToJson(*report, true));
        } catch (const Error&) {
            // a read-only run folder: the analysis is still shown, only not kept
        }
    }
    return report;
}

} // namespace dropoutlab
