// dropoutlab-cli: the DropoutLab engine without Qt, for terminals, scripts and GPU/cluster nodes.

#include "exit_codes.h"
#include "export_command.h"
#include "run_command.h"

#include "dropoutlab/presets.h"

#include <CLI/CLI.hpp>

#include <cstdio>

using namespace dropoutlab;
using namespace dropoutlab::cli;

int main(int argc, char** argv)
{
    CLI::App app{"DropoutLab command line: train and compare networks with and without dropout"};
    app.require_subcommand(1);
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

    auto* presetsCmd = app.add_subcommand("presets", "List the built-in presets");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? kExitOk : kExitUsage;
    }

    if (runCmd->parsed())
        return runCommand(run);
    if (exportCmd->parsed())
        return exportCommand(exportOptions);
    if (presetsCmd->parsed()) {
        for (const auto& preset : builtinPresets()) {
            std::printf("%-14s %s (%zu run%s)\n", preset.name.c_str(), preset.title.c_str(), preset.runs.size(),
                        preset.runs.size() == 1 ? "" : "s");
        }
        return kExitOk;
    }
    return kExitUsage;
}
