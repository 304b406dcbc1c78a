#include "run_command.h"

#include "console_reporter.h"
#include "exit_codes.h"
#include "interrupt_guard.h"

#include "dropoutlab/core/errors.h"
#include "dropoutlab/train/recorded_run.h"
#include "dropoutlab/core/results.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace dropoutlab::cli {
namespace {

std::string percent(const std::optional<double>& fraction)
{
    if (!fraction)
        return "-";
    char text[16];
    std::snprintf(text, sizeof text, "%.2f %%", 100.0 * *fraction);
    return text;
}

void printSummary(const std::vector<ExperimentConfig>& configs, const std::vector<RunResult>& results,
                  std::FILE* out)
{
    std::fprintf(out, "\n%-24s %-26s %-10s %10s %10s %9s\n", "run", "dropout", "status", "test acc", "best val",
                 "time");
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        std::fprintf(out, "%-24s %-26s %-10s %10s %10s %9s\n", configs[i].name.c_str(),
                     dropoutSummary(configs[i]).c_str(), toString(r.status).c_str(), percent(r.testAccuracy).c_str(),
                     r.epochs.empty() ? "-" : percent(r.bestValAccuracy).c_str(),
                     formatDuration(r.wallSeconds).c_str());
    }
}

} // namespace

void addOverrideFlags(CLI::App& command, RunOverrides& o)
{
    command.add_option("--model", o.model, "Model: cnn or mlp (or custom, with --network)")
        ->check(CLI::IsMember({"cnn", "mlp", "custom"}));
    command.add_option("--network", o.network,
                       "The network to train: a network file (JSON, docs/network-files.md) or a shipped network's "
                       "name (see `presets`)");
    command.add_option("--hidden", o.hidden, "MLP hidden layer widths, e.g. 1024,1024,1024 (sites hidden1..N)");
    command.add_option("--dropout", o.dropout,
                       "Dropout per site, SITE=RATE[:KIND[/BLOCK]][@SCHEDULE], e.g. fc1=0.5,input=0.2, "
                       "conv2=0.3:channel, conv2=0.1:dropblock/3 or fc1=0.5@ramp:10 (kinds: element, channel, "
                       "gaussian, alpha, dropconnect, dropblock, concrete (learned); schedules: ramp:N[:P0], curriculum:N); replaces the "
                       "preset's runs by one run with these rates");
    command.add_option("--epochs", o.epochs, "Training epochs")->check(CLI::Range(1, 10000));
    command.add_option("--batch-size", o.batchSize, "Training batch size")->check(CLI::Range(1, kMaxBatchSize));
    command.add_option("--lr", o.learningRate, "SGD learning rate")->check(CLI::PositiveNumber);
    command.add_option("--momentum", o.momentum, "SGD momentum")->check(CLI::Range(0.0, 0.999999));
    command.add_option("--train-subset", o.trainSubset,
                       "Train on a seeded, class-balanced subset of N images (0: all)")
        ->check(CLI::NonNegativeNumber);
    command.add_option("--train-eval", o.trainEval,
                       "After each epoch, evaluate N training images with dropout off (a fixed, class-balanced "
                       "sample): the honest training metric. N, all or 0 (off); default 10000");
    command.add_option("--seed", o.seed, "Seed for initialisation, shuffling and dropout");
    command.add_option("--split-seed", o.splitSeed, "Seed of the train/validation split and subset");
    command.add_option("--data", o.data, "Dataset: mnist, fashion-mnist, or a dataset folder (IDX files, CIFAR batches, train/<class>/ pictures) or FILE.csv (see datasets)");
    command.add_option("--device", o.device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    command.add_option("--threads", o.threads, "CPU threads (0: all cores)")->check(CLI::Range(0, kMaxThreads));
    command.add_option("--name", o.name, "Run name (with one run)");
    // Optimiser and regularisation: each flag is a config key (see --set).
    for (const auto& flag : settingFlags()) {
        const std::string key = flag.key;
        command
            .add_option_function<std::string>(
                "--" + flag.flag, [&o, key](const std::string& value) { o.settings.push_back(key + "=" + value); },
                flag.help)
            ->type_name("VALUE");
    }
    command
        .add_option_function<std::vector<std::string>>(
            "--set",
            [&o](const std::vector<std::string>& values) { o.settings.insert(o.settings.end(), values.begin(), values.end()); },
            kSetFlagHelp)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("KEY=VALUE");
    command.add_option("--patience", o.patience,
                       "Early stopping: stop when the validation loss has not improved for N epochs and report the "
                       "best epoch's test accuracy (0: off)")
        ->check(CLI::NonNegativeNumber);
}

int runCommand(const RunOptions& options)
{
    std::vector<ExperimentConfig> configs;
    try {
        configs = planRuns(options.preset, options.configFile, options.overrides);
    } catch (const Error& error) {
        return reportError(error, kExitUsage);  // the config file or a flag
    }

    InterruptGuard interrupt;
    std::vector<RunResult> results;
    std::vector<RunRecord> records;  // for --json
    int exitCode = kExitOk;
    for (std::size_t i = 0; i < configs.size() && !interrupt.interrupted(); ++i) {
        ConsoleReporter reporter(static_cast<int>(i + 1), static_cast<int>(configs.size()), configs[i].name,
                                 options.quiet);
        std::string dir;
        try {
            dir = createRunDirectory(options.outDir, configs[i].name);
            reporter.onLog("results in " + dir);
            results.push_back(runExperimentRecorded(configs[i], dir, reporter, interrupt.token()));
            records.push_back({std::filesystem::path(dir).filename().string(), dir, configs[i], results.back()});
        } catch (const Error& error) {
            reporter.finishLine();
            // A run folder holds its config and the failure's reason, or is not left at all.
            std::error_code ec;
            if (!dir.empty() && std::filesystem::is_empty(dir, ec) && !ec)
                std::filesystem::remove(dir, ec);
            return reportError(error, kExitFailed);
        }
        reporter.finishLine();
        const RunResult& result = results.back();
        // A failure is always reported; other notes (early stopping) only without --quiet.
        if (!result.message.empty() && (!options.quiet || result.status == RunStatus::Failed))
            std::fprintf(stderr, "run %zu/%zu [%s] %s: %s\n", i + 1, configs.size(), configs[i].name.c_str(),
                         toString(result.status).c_str(), result.message.c_str());
        if (result.status == RunStatus::Diverged)
            exitCode = kExitDiverged;
        else if (result.status == RunStatus::Failed && exitCode == kExitOk)
            exitCode = kExitFailed;
    }

    if (options.json)
        std::cout << runsToJson(records);
    printSummary(configs, results, options.json ? stderr : stdout);
    if (interrupt.interrupted()) {
        std::fprintf(stderr, "interrupted: finished epochs are kept in %s\n", options.outDir.c_str());
        return kExitInterrupted;
    }
    return exitCode;
}

} // namespace dropoutlab::cli
