#!/usr/bin/env python3
"""Reads the JSON results of scripts/bench-vs-fio.sh and prints the fio-vs-durabench tables.

Results are data (STYLE.md 10): this file only reads what fio and durabench wrote, it never
measures. The metric mapping (docs/performance.md), <dir> being `read` or `write`:

  IOPS     fio jobs[].<dir>.iops, summed       durabench phases[0].iops
  p50/p99  fio jobs[0].<dir>.clat_ns.percentile durabench phases[0].ops.<dir>.lat_ns.percentiles
  flush    fio jobs[0].sync.lat_ns.percentile   durabench phases[0].ops.flush.lat_ns.percentiles

RESULTS_DIR (for `table`) holds a file `cases` (one case name per line, in order) and per case
a directory with `case.txt` (key=value lines: direction=read|write, flush=0|1, fio_latency=0|1,
skipped=<reason>) and the runs fio-<i>.json, durabench-<i>.json (i = 1, 2, ...).
"""

import json
import os
import statistics
import sys

USAGE = """usage:
  bench_vs_fio_table.py check-fio FILE        exit 1 with the reason unless FILE is a clean run
  bench_vs_fio_table.py check-durabench FILE  the same for a `durabench run --json` result
  bench_vs_fio_table.py table RESULTS_DIR     print the tables (medians, then run by run)"""


class BadResult(Exception):
    """A result file that is missing, unparsable, or reports a failed run."""


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise BadResult(f"{path}: {e}") from e


def check_fio(path):
    doc = load(path)
    jobs = doc.get("jobs") or []
    if not jobs:
        raise BadResult(f"{path}: no jobs in fio's output")
    for job in jobs:
        if job.get("error", 0) != 0:
            raise BadResult(f"{path}: fio job {job.get('jobname')} ended with error {job['error']}")
    if sum(job[d]["total_ios"] for job in jobs for d in ("read", "write")) == 0:
        raise BadResult(f"{path}: fio did no I/O")


def check_durabench(path):
    doc = load(path)
    problems = list(doc.get("errors") or [])
    phases = doc.get("phases") or []
    if not phases:
        problems.append("no phase ran")
    for phase in phases:
        problems += phase.get("errors") or []
        if phase.get("interrupted"):
            problems.append(f"phase {phase.get('name')} was interrupted")
        for kind, op in (phase.get("ops") or {}).items():
            if op.get("errors", 0):
                problems.append(f"phase {phase.get('name')}: {op['errors']} failed {kind} ops")
    if problems:
        raise BadResult(f"{path}: " + "; ".join(problems))


# --- the metrics of one run ---------------------------------------------------------------------

def fio_metrics(path, direction, flush):
    """{"iops", "p50", "p99"} and with `flush` also "flush_p50", "flush_p99" (ns) of a fio run."""
    jobs = load(path)["jobs"]
    if len(jobs) != 1:
        raise BadResult(f"{path}: {len(jobs)} job entries; run fio with --group_reporting")
    pct = jobs[0][direction]["clat_ns"].get("percentile", {})
    out = {
        "iops": sum(j[direction]["iops"] for j in jobs),
        "p50": pct.get("50.000000"),
        "p99": pct.get("99.000000"),
    }
    if flush:
        spct = jobs[0]["sync"]["lat_ns"].get("percentile", {})
        out["flush_p50"] = spct.get("50.000000")
        out["flush_p99"] = spct.get("99.000000")
    return out


def durabench_metrics(path, direction, flush):
    """The same keys as fio_metrics(), from the first phase of a durabench result."""
    phase = load(path)["phases"][0]
    ops = phase["ops"]
    for kind in [direction] + (["flush"] if flush else []):
        if kind not in ops:
            raise BadResult(f"{path}: no {kind} ops in phases[0]")
    pct = ops[direction]["lat_ns"]["percentiles"]
    out = {"iops": phase["iops"], "p50": pct.get("50"), "p99": pct.get("99")}
    if flush:
        fpct = ops["flush"]["lat_ns"]["percentiles"]
        out["flush_p50"] = fpct.get("50")
        out["flush_p99"] = fpct.get("99")
    return out


# --- formatting ---------------------------------------------------------------------------------

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_iops(v):
    return "-" if v is None else f"{v:,.0f}"


def fmt_ns(v):
    if v is None:
        return "-"
    if v < 1_000:
        return f"{v:.0f} ns"
    if v < 1_000_000:
        return f"{v / 1e3:.1f} us"
    return f"{v / 1e6:.2f} ms"


def fmt_ratio(ours, theirs):
    if ours is None or theirs is None or theirs == 0:
        return "-"
    return f"{ours / theirs:.2f}"


def latency_cells(fio, ours, key):
    """`fio | durabench | ratio` for one latency column."""
    return f"{fmt_ns(fio[key])} | {fmt_ns(ours[key])} | {fmt_ratio(ours[key], fio[key])}"


# --- the tables ---------------------------------------------------------------------------------

def read_case(results, name):
    spec = {"direction": "write", "flush": "0", "fio_latency": "1", "skipped": ""}
    with open(os.path.join(results, name, "case.txt"), encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            spec[key] = value
    return spec


def run_files(results, name, tool):
    """The result files of one tool for one case, in run order."""
    out = []
    while os.path.exists(path := os.path.join(results, name, f"{tool}-{len(out) + 1}.json")):
        out.append(path)
    return out


def table(results):
    with open(os.path.join(results, "cases"), encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip()]
    rows = ["| case | fio IOPS | durabench IOPS | ratio | fio p50 | durabench p50 | ratio "
            "| fio p99 | durabench p99 | ratio |",
            "|" + "---|" * 10]
    per_run = ["| case | runs | fio IOPS, run by run | durabench IOPS, run by run |",
               "|---|---|---|---|"]
    for name in names:
        spec = read_case(results, name)
        if spec["skipped"]:
            rows.append(f"| {name} | {spec['skipped']} |" + " - |" * 8)
            continue
        direction, flush = spec["direction"], spec["flush"] == "1"
        fio = [fio_metrics(p, direction, flush) for p in run_files(results, name, "fio")]
        ours = [durabench_metrics(p, direction, flush)
                for p in run_files(results, name, "durabench")]
        if not fio or not ours:
            raise BadResult(f"{results}/{name}: no runs")
        m_fio = {k: median([r[k] for r in fio]) for k in fio[0]}
        m_ours = {k: median([r[k] for r in ours]) for k in ours[0]}
        if spec["fio_latency"] != "1":
            m_fio["p50"] = m_fio["p99"] = None
        label = f"{name} ({direction})" if flush else name
        rows.append(f"| {label} | {fmt_iops(m_fio['iops'])} | {fmt_iops(m_ours['iops'])} "
                    f"| {fmt_ratio(m_ours['iops'], m_fio['iops'])} "
                    f"| {latency_cells(m_fio, m_ours, 'p50')} "
                    f"| {latency_cells(m_fio, m_ours, 'p99')} |")
        if flush:
            rows.append(f"| {name} (flush) | - | - | - "
                        f"| {latency_cells(m_fio, m_ours, 'flush_p50')} "
                        f"| {latency_cells(m_fio, m_ours, 'flush_p99')} |")
        per_run.append(f"| {name} | {len(fio)} | {', '.join(fmt_iops(r['iops']) for r in fio)} "
                       f"| {', '.join(fmt_iops(r['iops']) for r in ours)} |")
    print("\n".join(rows))
    if len(per_run) > 2:
        print()
        print("\n".join(per_run))


def main(argv):
    commands = {"check-fio": check_fio, "check-durabench": check_durabench, "table": table}
    if len(argv) != 3 or argv[1] not in commands:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        commands[argv[1]](argv[2])
    except BadResult as e:
        print(f"bench_vs_fio_table.py: {e}", file=sys.stderr)
        return 1
    except (KeyError, IndexError, TypeError) as e:
        print(f"bench_vs_fio_table.py: {argv[2]}: unexpected JSON layout ({e!r})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
