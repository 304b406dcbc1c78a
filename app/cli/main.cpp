// dropoutlab-cli: the DropoutLab engine without Qt, for terminals, scripts and GPU/cluster nodes.

#include "analysis_command.h"
#include "bench_command.h"
#include "datasets_command.h"
#include "exit_codes.h"
#include "export_command.h"
#include "run_command.h"
#include "sweep_command.h"

#include "dropoutlab_build.h"

#include "dropoutlab/train/allocator.h"
#include "dropoutlab/core/network.h"
#include "dropoutlab/core/presets.h"
#include "dropoutlab/train/system_info.h"

#include <CLI/CLI.hpp>

#include <cstdio>

using namespace dropoutlab;
using namespace dropoutlab::cli;

namespace {

int presetsCommand()
{
    std::printf("Presets (run --preset NAME):\n");
    for (const auto& preset : builtinPresets()) {
        std::printf("  %-16s %s (%zu run%s)\n", preset.name.c_str(), preset.title.c_str(), preset.runs.size(),
                    preset.runs.size() == 1 ? "" : "s");
    }
    std::printf("Networks (run --network NAME, or a network file):\n");
    for (const auto& definition : builtinNetworks()) {
        const auto spec = dropoutlab::inferShapes(definition);
        std::printf("  %-16s %s, %lld parameters: %s\n", definition.name.c_str(), describeNetwork(spec).c_str(),
                    static_cast<long long>(parameterCount(spec)), definition.description.c_str());
    }
    return kExitOk;
}

} // namespace

int main(int argc, char** argv)
{
    dropoutlab::tuneAllocator();  // before any thread starts
    CLI::App app{"DropoutLab command line: train and compare networks with and without dropout"};
    app.require_subcommand(0, 1);  // one command, or --version alone
    bool version = false, verbose = false;
    app.add_flag("--version", version, "Print the version; with --verbose also commit, build date, LibTorch, BLAS, "
                                       "threads, CUDA and GPU");
    app.add_flag("--verbose", verbose, "With --version: the full build and system report");
    // Later flags win, so scripts can append overrides to a base command line.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

    RunOptions run;
    auto* runCmd = app.add_subcommand("run", "Run a preset (default: reference) or a config file");
    auto* presetOpt = runCmd->add_option("--preset", run.preset, "Built-in preset (see 'presets')");
    runCmd->add_option("--config", run.configFile, "Config or preset JSON file")->excludes(presetOpt);
    addOverrideFlags(*runCmd, run.overrides);
    runCmd->add_option("--out", run.outDir, "Folder that receives one folder per run")->capture_default_str();
    runCmd->add_flag("--json", run.json, "Print the run results as JSON on stdout");
    runCmd->add_flag("--quiet,-q", run.quiet, "No progress output");

    ExportOptions exportOptions;
    auto* exportCmd = app.add_subcommand("export", "Write CSV tables of run folders or workspaces");
    exportCmd->add_option("paths", exportOptions.paths, "Run folders or folders of runs")->required();
    exportCmd->add_option("--long", exportOptions.longCsv, "Long table: run,name,epoch,metric,value");
    exportCmd->add_option("--summary", exportOptions.summaryCsv, "One row per run (default: stdout)");
    exportCmd->add_option("--json", exportOptions.json, "results.json: every run's result, run id and config");

    SweepOptions sweep;
    auto* sweepCmd = app.add_subcommand("sweep", "Run a grid of dropout rates (and seeds) into one folder");
    auto* specOpt = sweepCmd->add_option("--spec", sweep.specFile, "Sweep spec JSON (see resources/sweeps/)");
    sweepCmd->add_option("--preset", sweep.preset, "Base the sweep on a preset's run (--run; default its last)")->excludes(specOpt);
    sweepCmd->add_option("--config", sweep.configFile, "Base the sweep on a config file")->excludes(specOpt);
    sweepCmd->add_option("--run", sweep.run, "With --preset or --config: base the sweep on the run of this name "
                                             "(default: the last run)")
        ->excludes(specOpt);
    sweepCmd->add_option("--axis", sweep.axes, "Axis SITE=V1,V2,... or SITE=START:STOP:STEP (repeatable; also "
                                               "learning_rate, momentum, weight_decay, max_norm, train_subset)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sweepCmd->add_option("--repeats", sweep.repeats, "Seeds per point")->check(CLI::Range(1, 1000));
    sweepCmd->add_flag("--vary-split", sweep.varySplit,
                       "Each repeat also draws another training/validation split (split seed + repeat); the test "
                       "set stays the same");
    sweepCmd->add_option("--halving-epoch", sweep.halvingEpoch,
                         "Successive halving: after this epoch stop the worse half of the points (0: off)")
        ->check(CLI::NonNegativeNumber);
    sweepCmd->add_option("--shard", sweep.shard, "Run only share K of N (K/N), e.g. 2/3 for a job array");
    sweepCmd->add_option("--out", sweep.outDir, "Sweep folder (shared by all shards)")->required();
    sweepCmd->add_option("--fuse", sweep.fuse,
                         "Train up to K runs at once in one fused pass (runs differing only in dropout rates, with "
                         "the same seed: members share the batch order, so repeats of a point never fuse). Pays on "
                         "GPUs; see BENCHMARKS.md for CPUs")
        ->check(CLI::Range(1, 256));
    sweepCmd->add_flag("--dry-run", sweep.dryRun, "List the runs (of this shard) and exit");
    sweepCmd->add_flag("--quiet,-q", sweep.quiet, "No progress output");
    addOverrideFlags(*sweepCmd, sweep.overrides);

    ReportOptions report;
    auto* reportCmd = app.add_subcommand("report", "Aggregate a sweep folder: mean ± std per point, comparisons");
    reportCmd->add_option("dir", report.dir, "Sweep folder")->required();
    reportCmd->add_option("--csv", report.csv, "Also write the table as CSV");
    reportCmd->add_flag("--json", report.json, "Print the points as JSON");
    reportCmd->add_option("--compare", report.compare, "Compare two points, e.g. --compare fc1=0.5 --compare fc1=0")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->expected(0, 2);

    BenchOptions bench;
    auto* benchCmd = app.add_subcommand("bench", "Measure training speed against this machine's SGEMM");
    benchCmd->add_option("--model", bench.models, "Models to measure")->check(CLI::IsMember({"cnn", "mlp"}))
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    benchCmd->add_option("--network", bench.networks,
                         "Network files or shipped networks to measure, each beside the same network in PyTorch "
                         "(python3-torch; the faster of its two memory layouts)");
    benchCmd->add_option("--steps", bench.steps, "Training steps to time")->check(CLI::Range(5, 100000));
    benchCmd->add_option("--threads", bench.threads, "CPU threads (0: all cores)")->check(CLI::Range(0, kMaxThreads));
    benchCmd->add_option("--eval-batch", bench.evalBatch, "Batch size of the validation pass")->check(CLI::Range(1, kMaxBatchSize));
    benchCmd->add_option("--device", bench.device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    benchCmd->add_flag("--readers", bench.readers,
                       "Instead: time every JSON reader on generated worst-case files at the 16 MiB size limit");

    EvaluateOptions evaluate;
    auto* evaluateCmd = app.add_subcommand("evaluate", "Re-test a run's saved model (model.pt) on a test set");
    evaluateCmd->add_option("run", evaluate.runDir, "Run folder")->required();
    evaluateCmd->add_option("--data", evaluate.data, "Test set: mnist, fashion-mnist or a dataset folder (default: the run's)");
    evaluateCmd->add_option("--device", evaluate.device, "auto, cpu or cuda (default: the run's)")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    evaluateCmd->add_flag("--json", evaluate.json, "Print the result as JSON");

    UncertaintyCommandOptions uncertainty;
    auto* uncertaintyCmd = app.add_subcommand(
        "uncertainty", "MC dropout: T passes with the run's dropout on, scored against the deterministic prediction");
    uncertaintyCmd->add_option("run", uncertainty.runDir, "Run folder (with model.pt)")->required();
    uncertaintyCmd->add_option("--samples,-T", uncertainty.samples, "Stochastic passes T")
        ->check(CLI::Range(1, 10000))->capture_default_str();
    uncertaintyCmd->add_option("--seed", uncertainty.seed, "Seed of the passes' dropout masks")->capture_default_str();
    uncertaintyCmd->add_option("--data", uncertainty.data, "Test set (default: the run's)");
    uncertaintyCmd->add_option("--ood", uncertainty.ood,
                               "Out-of-distribution test set: fashion-mnist, mnist or a dataset folder of the same image shape");
    uncertaintyCmd->add_option("--device", uncertainty.device, "auto, cpu or cuda (default: the run's)")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    uncertaintyCmd->add_option("--batch-size", uncertainty.batchSize, "Images per batch (default: the run's eval batch)")
        ->check(CLI::Range(1, kMaxBatchSize));
    uncertaintyCmd->add_option("--out", uncertainty.outDir,
                               "Write uncertainty.json, reliability.csv, rejection.csv and entropy_histograms.csv here");
    uncertaintyCmd->add_flag("--json", uncertainty.json, "Print the report as JSON");
    uncertaintyCmd->add_flag("--quiet,-q", uncertainty.quiet, "No progress output");

    auto* presetsCmd = app.add_subcommand("presets", "List the built-in presets and the shipped networks");

    DatasetsOptions datasets;
    auto* datasetsCmd = app.add_subcommand(
        "datasets", "List the installed datasets, or what the named ones hold (shape, classes, examples per class)");
    datasetsCmd->add_option("paths", datasets.paths, "Dataset names or folders (default: every installed dataset)");
    datasetsCmd->add_flag("--json", datasets.json, "Print the list as JSON");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? kExitOk : kExitUsage;
    }

    if (version) {
        const BuildInfo build = thisBuild();
        if (verbose)
            std::fputs(versionReportText("dropoutlab-cli", build, systemInfo()).c_str(), stdout);
        else
            std::printf("dropoutlab-cli %s (%s)\n", build.version.c_str(), build.commit.c_str());
        return kExitOk;
    }
    if (app.get_subcommands().empty()) {
        std::fprintf(stderr, "dropoutlab-cli: a subcommand is required: run, sweep, report, export, evaluate, "
                             "uncertainty, bench, presets or datasets (see --help)\n");
        return kExitUsage;
    }
    try {
        if (runCmd->parsed())
            return runCommand(run);
        if (sweepCmd->parsed())
            return sweepCommand(sweep);
        if (reportCmd->parsed())
            return reportCommand(report);
        if (exportCmd->parsed())
            return exportCommand(exportOptions);
        if (uncertaintyCmd->parsed())
            return uncertaintyCommand(uncertainty);
        if (evaluateCmd->parsed())
            return evaluateCommand(evaluate);
        if (benchCmd->parsed())
            return benchCommand(bench);
        if (presetsCmd->parsed())
            return presetsCommand();
        if (datasetsCmd->parsed())
            return datasetsCommand(datasets);
    } catch (const std::exception& error) {
        // Every expected failure is handled inside the commands; this is the last line of defence,
        // so that even a bug ends with a message and an exit code rather than an abort.
        std::fprintf(stderr, "dropoutlab-cli: internal error: %s\n", error.what());
        return kExitFailed;
    }
    return kExitUsage;
}
