#!/usr/bin/env python3
"""Sums a LibTorch profiler trace (Chrome JSON, e.g. from DROPOUTLAB_BENCH_PROFILE=trace.json
dropoutlab-cli bench) per operator: self time (the operator minus the operators it called), calls,
and the share of the total.

  scripts/profile-summary.py trace.json [--steps 20] [--top 20]
"""
import argparse
import collections
import json


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--steps", type=int, default=20, help="steps in the trace (for per-step times)")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    with open(args.trace, encoding="utf-8") as f:
        events = [e for e in json.load(f) if e.get("ph") == "X"]
    self_us = collections.Counter()
    calls = collections.Counter()
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[e.get("tid")].append(e)
    for thread_events in by_thread.values():
        thread_events.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []  # (end, name)
        for e in thread_events:
            start, end = e["ts"], e["ts"] + e["dur"]
            while stack and stack[-1][0] <= start:
                stack.pop()
            if stack:
                self_us[stack[-1][1]] -= e["dur"]  # time of a child is not its parent's own
            self_us[e["name"]] += e["dur"]
            calls[e["name"]] += 1
            stack.append((end, e["name"]))
    total = sum(self_us.values())
    print(f"{'operator':<48}{'ms/step':>9}{'share':>8}{'calls/step':>12}")
    for name, us in self_us.most_common(args.top):
        print(f"{name[:47]:<48}{us / 1000 / args.steps:>9.2f}{100 * us / total:>7.1f}%{calls[name] / args.steps:>12.1f}")
    print(f"{'total':<48}{total / 1000 / args.steps:>9.2f}")


if __name__ == "__main__":
    main()
