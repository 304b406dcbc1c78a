#!/usr/bin/env python3
"""The dropout papers' MNIST rows beside ours, as a Markdown table.

Reads the published figures from resources/presets/{hinton2012,srivastava2014}.json (each run's
"published" entry) and our results from the sweep folders scripts/reproduce-papers.sh writes
(ROOT/<preset>/<run name>/), through `dropoutlab-cli report --json`.

    scripts/paper-table.py --root paper-runs [--cli build/app/cli/dropoutlab-cli]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PRESETS = ["hinton2012", "srivastava2014"]
# Runs whose config is another preset's run: its results serve for both.
SAME_AS = {("srivastava2014", "standard logistic 2x800"): ("hinton2012", "standard net (no dropout)")}


def report(cli, folder):
    out = subprocess.run([cli, "report", folder, "--json"], check=True, capture_output=True, text=True).stdout
    point = json.loads(out)[0]
    with open(os.path.join(folder, "sweep.json")) as f:
        spec = json.load(f)
    return point, spec


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--cli", default=os.path.join(HERE, "..", "build", "app", "cli", "dropoutlab-cli"))
    args = parser.parse_args()
    print("| paper | row | paper: test error | ours: test error, mean ± std | seeds | epochs (paper's) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for preset in PRESETS:
        with open(os.path.join(HERE, "..", "resources", "presets", preset + ".json")) as f:
            data = json.load(f)
        base_epochs = data["base"].get("epochs")
        for run in data["runs"]:
            published = run.get("published", {})
            paper = published.get("test_error_percent", published.get("test_errors", 0) / 100)
            source_preset, source_run = SAME_AS.get((preset, run["name"]), (preset, run["name"]))
            folder = os.path.join(args.root, source_preset, source_run)
            full = run.get("epochs", base_epochs)
            title = data["source"].split(",")[0]
            if not os.path.isdir(folder):
                print(f"| {title} | {run['name']} | {paper:.2f} % | not run | | ({full}) |")
                continue
            point, spec = report(args.cli, folder)
            done = point["runs"]
            epochs = spec["base"]["epochs"]
            if done == 0:
                print(f"| {title} | {run['name']} | {paper:.2f} % | running | 0 of {point['planned_runs']} | {epochs} ({full}) |")
                continue
            error = 100 * (1 - point["test_accuracy_mean"])
            std = 100 * point["test_accuracy_std"] if done > 1 else float("nan")
            spread = f" ± {std:.2f}" if done > 1 else ""
            note = " (the runs above)" if (source_preset, source_run) != (preset, run["name"]) else ""
            print(f"| {title} | {run['name']} | {paper:.2f} % | {error:.2f}{spread} %{note} | {done} of {point['planned_runs']} "
                  f"| {epochs} ({full}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
