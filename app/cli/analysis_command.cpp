#include "analysis_command.h"

#include "exit_codes.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/train/saved_model.h"
#include "dropoutlab/core/file_io.h"
#include "dropoutlab/train/uncertainty.h"
#include "interrupt_guard.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace dropoutlab::cli {

int evaluateCommand(const EvaluateOptions& options)
{
    try {
        const RunRecord run = loadRun(options.runDir);
        const ModelEvaluation e = evaluateSavedModel(options.runDir, options.data, options.device);
        // result.json's figure is comparable when the same test set is used.
        const bool sameData = options.data.empty() || options.data == run.config.dataDir;
        const auto recorded = sameData ? run.result.testAccuracy : std::nullopt;
        if (options.json) {
            nlohmann::json out = {{"run", options.runDir},       {"test_accuracy", e.accuracy}, {"test_loss", e.loss},
                                  {"images", e.images},          {"device", e.device},         {"threads", e.threads},
                                  {"data", options.data.empty() ? run.config.dataDir : options.data}};
            if (recorded) {
                out["recorded_test_accuracy"] = *recorded;
                out["matches_recorded"] = *recorded == e.accuracy;
            }
            std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
            return kExitOk;
        }
        std::printf("%s: test accuracy %.2f %% (%lld images, loss %.4f) on %s with %d thread(s)\n",
                    options.runDir.c_str(), 100.0 * e.accuracy, static_cast<long long>(e.images), e.loss,
                    e.device.c_str(), e.threads);
        if (recorded) {
            std::printf("recorded in result.json: %.2f %% (%s)\n", 100.0 * *recorded,
                        *recorded == e.accuracy ? "the same, exactly" : "differs: another device, thread count or build");
        }
        return kExitOk;
    } catch (const Error& error) {
        return reportError(error, kExitFailed);
    }
}

namespace {

std::string pct(double fraction)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f %%", 100.0 * fraction);
    return text;
}

std::string num(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", value);
    return text;
}

void printRow(const char* label, const std::string& deterministic, const std::string& mc)
{
    std::printf("  %-36s %14s %14s\n", label, deterministic.c_str(), mc.c_str());
}

const RejectionPoint* atRejection(const PredictionScores& s, double fraction)
{
    for (const auto& p : s.rejection) {
        if (std::abs(p.rejected - fraction) < 1e-9)
            return &p;
    }
    return nullptr;
}

void printReport(const UncertaintyReport& r)
{
    std::string sites;
    for (const auto& site : r.activeSites)
        sites += (sites.empty() ? "" : ", ") + site;
    std::printf("%s: %lld test images, %s\n", r.runDir.c_str(), static_cast<long long>(r.images),
                r.stochastic ? ("dropout active at " + sites + ", T = " + std::to_string(r.samples) +
                                " passes, seed " + std::to_string(r.seed))
                                   .c_str()
                             : "no dropout site is active: the T passes would be identical, so only the "
                               "deterministic figures are reported");
    std::printf("  %.2f s on %s with %d thread(s)\n\n", r.seconds, r.device.c_str(), r.threads);
    const PredictionScores& d = r.deterministic;
    const PredictionScores* m = r.mc ? &*r.mc : nullptr;
    const auto mc = [&](const std::function<std::string(const PredictionScores&)>& f) { return m ? f(*m) : "-"; };
    printRow("", "deterministic", r.stochastic ? "MC mean" : "");
    printRow("accuracy", pct(d.accuracy), mc([](auto& s) { return pct(s.accuracy); }));
    printRow("negative log-likelihood", num(d.nll), mc([](auto& s) { return num(s.nll); }));
    printRow("Brier score", num(d.brier), mc([](auto& s) { return num(s.brier); }));
    printRow("expected calibration error (15 bins)", num(d.ece), mc([](auto& s) { return num(s.ece); }));
    for (double fraction : {0.05, 0.1, 0.2}) {
        const std::string label = "accuracy, " + std::to_string(static_cast<int>(fraction * 100 + 0.5)) +
                                  " % rejected by entropy";
        const RejectionPoint* dp = atRejection(d, fraction);
        printRow(label.c_str(), dp ? pct(dp->byEntropy) : "-", mc([&](auto& s) {
                     const RejectionPoint* p = atRejection(s, fraction);
                     return p ? pct(p->byEntropy) : "-";
                 }));
    }
    if (m) {
        const RejectionPoint* p = atRejection(*m, 0.1);
        printRow("accuracy, 10 % rejected by mutual inf.", "-", p ? pct(p->byMutualInformation) : "-");
    }
    if (d.oodAuroc) {
        const std::string label = "OOD AUROC, entropy (" + r.ood + ")";
        printRow(label.c_str(), num(*d.oodAuroc), mc([](auto& s) { return num(s.oodAuroc.value_or(0)); }));
        if (m && m->oodAurocMutualInformation)
            printRow("OOD AUROC, mutual information", "-", num(*m->oodAurocMutualInformation));
    }
}

/// uncertainty.json and CSV tables of the reliability diagram, rejection curves and entropy
/// histograms, for plotting elsewhere.
void writeOutputs(const UncertaintyReport& r, const std::string& dir)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw IoError(dir + ": cannot create the folder (" + ec.message() + ")");
    writeFileAtomically(dir + "/uncertainty.json", uncertaintyToJson(r) + "\n");
    std::ostringstream reliability, rejection, histograms;
    reliability << "prediction,lower,upper,count,mean_confidence,accuracy\n";
    rejection << "prediction,rejected,accuracy_by_entropy,accuracy_by_mutual_information\n";
    histograms << "prediction,set,bin_lower,bin_upper,count\n";
    const double width = r.histogramMax / static_cast<double>(r.deterministic.entropyIn.size());
    for (const auto* s : {&r.deterministic, r.mc ? &*r.mc : nullptr}) {
        if (!s)
            continue;
        const char* name = s == &r.deterministic ? "deterministic" : "mc";
        for (const auto& b : s->reliability)
            reliability << name << ',' << b.lower << ',' << b.upper << ',' << b.count << ',' << b.meanConfidence << ','
                        << b.accuracy << '\n';
        for (const auto& p : s->rejection) {
            rejection << name << ',' << p.rejected << ',' << p.byEntropy << ',';
            if (s != &r.deterministic)
                rejection << p.byMutualInformation;
            rejection << '\n';
        }
        for (const auto& [set, counts] : {std::pair{"test", &s->entropyIn}, std::pair{"ood", &s->entropyOut}}) {
            for (std::size_t b = 0; b < counts->size(); ++b)
                histograms << name << ',' << set << ',' << b * width << ',' << (b + 1) * width << ','
                           << (*counts)[b] << '\n';
        }
    }
    writeFileAtomically(dir + "/reliability.csv", reliability.str());
    writeFileAtomically(dir + "/rejection.csv", rejection.str());
    writeFileAtomically(dir + "/entropy_histograms.csv", histograms.str());
}

} // namespace

int uncertaintyCommand(const UncertaintyCommandOptions& options)
{
    try {
        UncertaintyOptions o;
        o.samples = options.samples;
        o.seed = options.seed;
        o.data = options.data;
        o.ood = options.ood;
        o.device = options.device;
        o.batchSize = options.batchSize;
        InterruptGuard interrupt;
        int lastPercent = -1;
        const auto progress = [&](std::int64_t done, std::int64_t total) {
            const int percent = static_cast<int>(100 * done / std::max<std::int64_t>(total, 1));
            if (options.quiet || options.json || percent == lastPercent)
                return;
            lastPercent = percent;
            std::fprintf(stderr, "\rpasses: %3d %%", percent);
            if (done == total)
                std::fprintf(stderr, "\n");
        };
        const auto report = analyseUncertainty(options.runDir, o, interrupt.token(), progress);
        if (!report) {
            std::fprintf(stderr, "\ndropoutlab-cli: interrupted; nothing written\n");
            return kExitInterrupted;
        }
        if (!options.outDir.empty())
            writeOutputs(*report, options.outDir);
        if (options.json)
            std::cout << uncertaintyToJson(*report) << "\n";
        else
            printReport(*report);
        return kExitOk;
    } catch (const Error& error) {
        return reportError(error, kExitFailed);
    }
}

} // namespace dropoutlab::cli
