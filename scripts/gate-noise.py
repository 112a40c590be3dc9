#!/usr/bin/env python3
"""Measure the false-positive rate of `durabench gate` on runs that differ only by noise.

Makes N identical runs of one workload (or takes existing result files), then gates many random
disjoint splits of them, K runs against K, and counts how many checks exceeded their threshold,
how many were significant, and how many failed (both). Every split compares like with like, so
every failure is a false positive.

Examples:
  scripts/gate-noise.py --durabench build/src/cli/durabench --target /dev/shm/x --runs 10
  scripts/gate-noise.py --durabench build/src/cli/durabench --results old/*.json --per-side 3
  scripts/gate-noise.py ... -- run ceph-wal --runtime 5s   (the run arguments after --)
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile

DEFAULT_RUN = ["run", "--sync", "fdatasync", "--runtime", "1500ms", "--interval", "250ms",
               "--size", "8MiB", "--block-size", "4KiB"]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--durabench", required=True, help="the durabench binary")
    ap.add_argument("--target", help="directory to run on (with --runs)")
    ap.add_argument("--runs", type=int, default=10, help="identical runs to make (default 10)")
    ap.add_argument("--results", nargs="*", help="use these result files instead of running")
    ap.add_argument("--per-side", type=int, default=3, help="runs per side (default 3)")
    ap.add_argument("--splits", type=int, default=300, help="random splits to gate (default 300)")
    ap.add_argument("--threshold", "-t", action="append", default=[],
                    help="gate thresholds (default: the gate's defaults)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("run_args", nargs="*", help="after --: the `durabench run` arguments")
    args = ap.parse_args()

    files = args.results
    tmp = None
    if not files:
        if not args.target:
            ap.error("--target or --results is needed")
        tmp = tempfile.TemporaryDirectory()
        run = args.run_args or DEFAULT_RUN
        files = []
        for i in range(args.runs):
            out = os.path.join(tmp.name, f"run{i}.json")
            cmd = [args.durabench] + run + ["--target", args.target, "-o", out, "--quiet"]
            subprocess.run(cmd, check=True)
            files.append(out)
            print(f"run {i + 1}/{args.runs} done", file=sys.stderr)

    k = args.per_side
    if len(files) < 2 * k:
        ap.error(f"need at least {2 * k} results for {k} per side")
    rng = random.Random(args.seed)
    possible = math.comb(len(files), 2 * k) * math.comb(2 * k, k)
    wanted = min(args.splits, possible)
    splits = set()
    while len(splits) < wanted:
        chosen = rng.sample(range(len(files)), 2 * k)
        splits.add((tuple(sorted(chosen[:k])), tuple(sorted(chosen[k:]))))
    checks = exceeded = significant = failed = gates_failed = 0
    per_metric = {}
    for base, cand in sorted(splits):
        cmd = [args.durabench, "gate", "--json", "--baseline"] + [files[i] for i in base]
        cmd += ["--candidate"] + [files[i] for i in cand]
        for t in args.threshold:
            cmd += ["--threshold", t]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode not in (0, 1):
            sys.exit(f"gate failed: {p.stderr.strip()}")
        report = json.loads(p.stdout)
        gates_failed += p.returncode == 1
        for c in report["checks"]:
            key = f'{c["phase"]} {c["metric"]}'
            m = per_metric.setdefault(key, [0, 0, 0, 0])
            sig = c["tested"] and c["p_value"] < report["alpha"]
            m[0] += 1
            m[1] += c["exceeded"]
            m[2] += sig
            m[3] += c["outcome"] == "REGRESSION"
            checks += 1
            exceeded += c["exceeded"]
            significant += sig
            failed += c["outcome"] == "REGRESSION"
    n = len(splits)
    print(f"{len(files)} results, {n} splits of {k} vs {k}, {checks} checks")
    print(f"{'check':<34} {'exceeded':>9} {'signif.':>9} {'failed':>9}")
    for key, (total, ex, sig, fail) in sorted(per_metric.items()):
        print(f"{key:<34} {ex / total:>9.1%} {sig / total:>9.1%} {fail / total:>9.1%}")
    print(f"gates failed: {gates_failed} of {n} ({gates_failed / n:.1%}); "
          f"checks: exceeded {exceeded / checks:.1%}, significant {significant / checks:.1%}, "
          f"failed {failed / checks:.1%}")


if __name__ == "__main__":
    main()
