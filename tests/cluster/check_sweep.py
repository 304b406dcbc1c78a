#!/usr/bin/env python3
"""Checks for tests/cluster/slurm_sweep.sh.

  check_sweep.py same A B --runs N [--reports RA RB] [--unchanged-since SNAPSHOT]
      Sweep folders A and B hold the same N completed runs with equal metrics (timings aside),
      each epoch recorded once and in order; the two report tables are equal; the runs that were
      finished in SNAPSHOT were not touched since.
  check_sweep.py snapshot A
      Prints (JSON) a fingerprint (SHA-256 and mtime) of every file of A's completed runs.
"""
import argparse
import hashlib
import json
import os
import sys

TIMING_KEYS = {"seconds", "train_seconds", "val_seconds", "train_eval_seconds", "wall_seconds"}


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def read_run(folder, run):
    path = os.path.join(folder, "runs", run)
    with open(os.path.join(path, "result.json"), encoding="utf-8") as f:
        result = json.load(f)
    with open(os.path.join(path, "metrics.jsonl"), encoding="utf-8") as f:
        metrics = [json.loads(line) for line in f if line.strip()]
    epochs = [m["epoch"] for m in metrics]
    if epochs != list(range(1, len(epochs) + 1)):
        fail(f"{path}/metrics.jsonl: epochs {epochs}, expected 1..{len(epochs)} once each")
    if result.get("status") != "completed":
        fail(f"{path}: status {result.get('status')!r} ({result.get('message', '')}), expected 'completed'")
    return without_timings(result), without_timings(metrics)


def runs_of(folder):
    return sorted(os.listdir(os.path.join(folder, "runs")))


def snapshot(folder):
    prints = {}
    for run in runs_of(folder):
        path = os.path.join(folder, "runs", run)
        try:
            with open(os.path.join(path, "result.json"), encoding="utf-8") as f:
                if json.load(f).get("status") != "completed":
                    continue
        except (OSError, ValueError):
            continue
        files = {}
        for name in sorted(os.listdir(path)):
            with open(os.path.join(path, name), "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            files[name] = [digest, os.stat(os.path.join(path, name)).st_mtime_ns]
        prints[run] = files
    return prints


def same(args):
    a_runs, b_runs = runs_of(args.a), runs_of(args.b)
    if a_runs != b_runs or len(a_runs) != args.runs:
        fail(f"runs differ or are not {args.runs}: {a_runs} vs {b_runs}")
    for run in a_runs:
        a, b = read_run(args.a, run), read_run(args.b, run)
        if a[0] != b[0]:
            diff = {k: (a[0].get(k), b[0].get(k)) for k in set(a[0]) | set(b[0]) if a[0].get(k) != b[0].get(k)}
            fail(f"{run}: result.json differs between {args.a} and {args.b}: {diff}")
        if a[1] != b[1]:
            fail(f"{run}: metrics.jsonl differs between {args.a} and {args.b}")
    print(f"{len(a_runs)} runs, equal metrics in {args.a} and {args.b}")
    if args.reports:
        reports = []
        for path in args.reports:
            with open(path, encoding="utf-8") as f:
                reports.append(json.load(f))
        if reports[0] != reports[1]:
            fail(f"the reports differ: {args.reports[0]} vs {args.reports[1]}")
        if sum(p["runs"] for p in reports[0]) != args.runs:
            fail(f"{args.reports[0]} counts {sum(p['runs'] for p in reports[0])} runs, expected {args.runs}")
        print(f"reports equal: {len(reports[0])} points, {args.runs} runs")
    if args.unchanged_since:
        with open(args.unchanged_since, encoding="utf-8") as f:
            before = json.load(f)
        if not before:
            fail(f"{args.unchanged_since}: no run had finished before the cancel")
        now = snapshot(args.a)
        for run, files in before.items():
            if now.get(run) != files:
                fail(f"{run} had finished before the cancel, yet its files changed (run twice?)")
        print(f"{len(before)} run(s) finished before the cancel were left untouched: {sorted(before)}")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("same")
    s.add_argument("a")
    s.add_argument("b")
    s.add_argument("--runs", type=int, required=True)
    s.add_argument("--reports", nargs=2)
    s.add_argument("--unchanged-since")
    p = sub.add_parser("snapshot")
    p.add_argument("a")
    args = parser.parse_args()
    if args.command == "same":
        same(args)
    else:
        print(json.dumps(snapshot(args.a)))


if __name__ == "__main__":
    main()
