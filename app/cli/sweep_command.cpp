#include "sweep_command.h"

#include "console_reporter.h"
#include "exit_codes.h"
#include "interrupt_guard.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/core/results.h"
#include "dropoutlab/core/sweep.h"
#include "dropoutlab/train/sweep_runner.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace dropoutlab::cli {
namespace {

ExperimentConfig pickRun(const std::vector<ExperimentConfig>& runs, const std::string& name)
{
    if (name.empty())
        return runs.back();
    std::string names;
    for (const auto& run : runs) {
        if (run.name == name)
            return run;
        names += (names.empty() ? "'" : ", '") + run.name + "'";
    }
    throw ConfigError("--run '" + name + "': no run of that name; expected one of " + names);
}

SweepSpec buildSpec(const SweepOptions& o)
{
    SweepSpec spec;
    if (!o.specFile.empty())
        spec = loadSweepFile(o.specFile);
    else
        spec.base = pickRun(planRuns(o.preset, o.configFile, RunOverrides{}), o.run);
    applyOverrides(spec.base, o.overrides);
    if (!o.axes.empty()) {
        spec.axes.clear();
        for (const auto& text : o.axes)
            spec.axes.push_back(parseSweepAxis(text));
    }
    if (o.repeats > 0)
        spec.repeats = o.repeats;
    if (o.varySplit)
        spec.varySplit = true;
    if (o.halvingEpoch >= 0)
        spec.halving.atEpoch = o.halvingEpoch;
    if (o.overrides.seed)
        spec.firstSeed = *o.overrides.seed;
    validateSweep(spec);
    return spec;
}

class SweepReporter final : public SweepProgress {
public:
    explicit SweepReporter(bool quiet) : m_quiet(quiet) {}
    void onRunStart(const SweepRun& run, int index, int count) override
    {
        m_console = std::make_unique<ConsoleReporter>(index, count, run.id, m_quiet, run.config.epochs);
    }
    void onRunSkipped(const SweepRun& run) override
    {
        ++skipped;
        if (!m_quiet)
            std::fprintf(stderr, "skip %s: finished earlier\n", run.id.c_str());
    }
    void onRunEnd(const SweepRun& run, const RunResult& result) override
    {
        if (m_console)
            m_console->finishLine();
        if (result.status == RunStatus::Diverged)
            diverged = true;
        if (!m_quiet) {
            std::fprintf(stderr, "%s: %s", run.id.c_str(), toString(result.status).c_str());
            if (result.testAccuracy)
                std::fprintf(stderr, ", test accuracy %.2f %%", 100.0 * *result.testAccuracy);
            if (!result.message.empty())
                std::fprintf(stderr, " (%s)", result.message.c_str());
            std::fputc('\n', stderr);
        }
    }
    ExperimentObserver& observer() override { return *m_console; }
    ExperimentObserver& observerFor(const SweepRun& run) override
    {
        auto& reporter = m_members[run.id];
        if (!reporter)
            reporter = std::make_unique<ConsoleReporter>(0, 0, run.id, m_quiet, run.config.epochs);
        return *reporter;
    }

    int skipped = 0;
    bool diverged = false;

private:
    bool m_quiet;
    std::unique_ptr<ConsoleReporter> m_console;
    std::map<std::string, std::unique_ptr<ConsoleReporter>> m_members;
};

std::string percent(double fraction)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", 100.0 * fraction);
    return text;
}

std::string formatComparison(const PointSummary& a, const PointSummary& b)
{
    char text[256];
    try {
        const WelchResult w = welchTest(a.testAccuracies, b.testAccuracies);
        std::snprintf(text, sizeof text,
                      "%s vs %s: %+.3f pts test accuracy (95%% CI %+.3f to %+.3f), Welch t = %.2f, df = %.1f, p = %.3g",
                      a.point.label().c_str(), b.point.label().c_str(), 100.0 * w.difference, 100.0 * w.ciLow,
                      100.0 * w.ciHigh, w.t, w.degreesOfFreedom, w.pValue);
    } catch (const ConfigError& error) {
        std::snprintf(text, sizeof text, "%s vs %s: %s", a.point.label().c_str(), b.point.label().c_str(), error.what());
    }
    return text;
}

bool allZero(const SweepPoint& point)
{
    for (const auto& [parameter, value] : point.values) {
        if (isSweepHyperparameter(parameter) || value != 0.0)
            return false;
    }
    return !point.values.empty();
}

const PointSummary& findPoint(const std::vector<PointSummary>& points, const std::string& label)
{
    for (const auto& p : points) {
        if (p.point.label() == label)
            return p;
    }
    std::string labels;
    for (const auto& p : points)
        labels += (labels.empty() ? "" : "; ") + p.point.label();
    throw ConfigError("--compare '" + label + "': no such point; expected one of: " + labels);
}

} // namespace

int sweepCommand(const SweepOptions& options)
{
    SweepSpec spec;
    std::vector<SweepRun> runs;
    try {
        spec = buildSpec(options);
        runs = expandSweep(spec);
        if (!options.shard.empty()) {
            const auto [k, n] = parseShard(options.shard);
            runs = shardRuns(runs, k, n);
        }
    } catch (const Error& error) {
        return reportError(error, kExitUsage);
    }
    if (options.dryRun) {
        for (const auto& run : runs)
            std::printf("%s\t%s\n", run.id.c_str(), dropoutSummary(run.config).c_str());
        std::fprintf(stderr, "%zu runs\n", runs.size());
        return kExitOk;
    }
    SweepFolder folder(options.outDir);
    SweepReporter reporter(options.quiet);
    InterruptGuard interrupt;
    try {
        folder.prepare(spec);
        runSweep(spec, runs, folder, reporter, interrupt.token(), options.fuse);
    } catch (const ConfigError& error) {
        return reportError(error, kExitUsage);  // e.g. the folder holds a different sweep
    } catch (const Error& error) {
        return reportError(error, kExitFailed);
    }
    if (interrupt.interrupted()) {
        std::fprintf(stderr, "interrupted: rerun the same command to finish the sweep\n");
        return kExitInterrupted;
    }
    if (!options.quiet)
        std::fprintf(stderr, "sweep %s: %zu runs in this share (%d finished earlier); see 'dropoutlab-cli report %s'\n",
                     spec.name.c_str(), runs.size(), reporter.skipped, options.outDir.c_str());
    return reporter.diverged ? kExitDiverged : kExitOk;
}

int reportCommand(const ReportOptions& options)
{
    std::vector<PointSummary> points;
    try {
        SweepFolder folder(options.dir);
        const SweepSpec spec = folder.readSpec();
        std::vector<std::string> problems;
        points = aggregateSweep(spec, folder.loadRuns(&problems));
        for (const auto& problem : problems)
            std::fprintf(stderr, "dropoutlab-cli: warning: skipped %s\n", problem.c_str());
    } catch (const Error& error) {
        return reportError(error, kExitFailed);
    }

    if (!options.csv.empty()) {
        std::ostringstream csv;
        csv << "point,runs,planned,stopped,test_accuracy_mean,test_accuracy_std,test_accuracy_min,test_accuracy_max,"
               "best_val_accuracy_mean,best_val_accuracy_std,gap_mean,gap_std,gap_runs_with_dropout_on,loss_gap_mean,loss_gap_std,"
               "loss_gap_runs\n";
        for (const auto& p : points) {
            csv << '"' << p.point.label() << "\"," << p.completedRuns << ',' << p.plannedRuns << ',' << p.stoppedRuns << ','
                << p.testAccuracy.mean << ',' << p.testAccuracy.std << ',' << p.testAccuracy.min << ','
                << p.testAccuracy.max << ',' << p.bestValAccuracy.mean << ',' << p.bestValAccuracy.std << ','
                << p.gap.mean << ',' << p.gap.std << ',' << p.gapsWithDropout << ',' << p.lossGap.mean << ','
                << p.lossGap.std << ',' << p.lossGap.count << '\n';
        }
        try {
            writeFileAtomically(options.csv, csv.str());
        } catch (const Error& error) {
            return reportError(error, kExitFailed);
        }
    }

    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& p : points) {
            nlohmann::json values = nlohmann::json::object();
            for (const auto& [parameter, value] : p.point.values)
                values[parameter] = value;
            list.push_back({{"point", p.point.label()},
                            {"values", values},
                            {"runs", p.completedRuns},
                            {"planned_runs", p.plannedRuns},
                            {"stopped_runs", p.stoppedRuns},
                            {"test_accuracy_mean", p.testAccuracy.mean},
                            {"test_accuracy_std", p.testAccuracy.std},
                            {"test_accuracy_min", p.testAccuracy.min},
                            {"test_accuracy_max", p.testAccuracy.max},
                            {"best_val_accuracy_mean", p.bestValAccuracy.mean},
                            {"gap_mean", p.gap.mean},
                            {"gap_runs_with_dropout_on", p.gapsWithDropout},
                            {"loss_gap_mean", p.lossGap.mean},
                            {"loss_gap_std", p.lossGap.std},
                            {"loss_gap_runs", p.lossGap.count}});
        }
        std::cout << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return kExitOk;
    }

    // The gap is training minus validation accuracy, both with dropout off (see trainValGap).
    std::printf("%-28s %5s %22s %15s %15s %9s %16s\n", "point", "runs", "test acc % mean ± std", "min - max",
                "best val % mean", "gap* pts", "loss gap** ± std");
    int gapsWithDropout = 0;
    for (const auto& p : points) {
        std::string runs = std::to_string(p.completedRuns) + "/" + std::to_string(p.plannedRuns);
        if (p.completedRuns == 0) {
            std::printf("%-28s %5s %22s\n", p.point.label().c_str(), runs.c_str(), p.stoppedRuns ? "stopped" : "-");
            continue;
        }
        const std::string meanStd = percent(p.testAccuracy.mean) + " ± " + percent(p.testAccuracy.std);
        const std::string range = percent(p.testAccuracy.min) + " - " + percent(p.testAccuracy.max);
        char lossGap[48] = "-";
        if (p.lossGap.count > 0)
            std::snprintf(lossGap, sizeof lossGap, "%.4f ± %.4f", p.lossGap.mean, p.lossGap.std);
        std::printf("%-28s %5s %22s %15s %15s %9s %16s\n", p.point.label().c_str(), runs.c_str(), meanStd.c_str(),
                    range.c_str(), percent(p.bestValAccuracy.mean).c_str(), percent(p.gap.mean).c_str(), lossGap);
        gapsWithDropout += p.gapsWithDropout;
    }
    std::printf("* gap: final training minus validation accuracy, both measured with dropout off%s\n",
                gapsWithDropout ? (" (" + std::to_string(gapsWithDropout) +
                                   " run(s) recorded without the dropout-off metric use the running, dropout-on one)")
                                      .c_str()
                                : "");
    std::printf("** loss gap: final validation minus training loss, both with dropout off (runs with that metric)\n");
    try {
        if (options.compare.size() == 2) {
            std::printf("\n%s\n", formatComparison(findPoint(points, options.compare[0]), findPoint(points, options.compare[1])).c_str());
        } else {
            // By default: every point against the one without dropout, if the grid has it.
            const auto baseline = std::find_if(points.begin(), points.end(), [](const PointSummary& p) { return allZero(p.point); });
            if (baseline != points.end()) {
                std::printf("\n");
                for (const auto& p : points) {
                    if (&p != &*baseline)
                        std::printf("%s\n", formatComparison(p, *baseline).c_str());
                }
            }
        }
    } catch (const ConfigError& error) {
        return reportError(error, kExitUsage);
    }
    return kExitOk;
}

} // namespace dropoutlab::cli
