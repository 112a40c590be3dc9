#!/usr/bin/env python3
"""Turns durabench result JSON files into PNG plots and one self-contained HTML report.

Results are data (STYLE.md 10): this script only draws what durabench wrote; it never
measures, and it computes no statistic. `durabench report` writes each input as
DIR/data/NN-NAME.json (docs/results.md, schema_version 1) and beside it NN-NAME.series.json:
per phase and op kind the percentiles, the percentile spectrum, the CDF and the histogram
densities, derived from the result's histogram by durabench itself (src/report/series.h,
docs/report.md "Derived series"), so the plots show the very percentiles that run, compare and
gate print. A result without its series, or with one derived from another file (the series
records the result's SHA-256), is refused.

What --out DIR receives (docs/report.md):
  index.html   the report: verdict panels (plp/eval), the summary table, then one section per
               phase with its plots. Images are embedded as base64 data URIs and the CSS is
               inline: no JavaScript, no external resource, so the file can be mailed alone.
               The page is the Jinja2 template report.html.j2, read from beside this script's
               real path (a symbolic link to plot.py is followed), autoescaped; this script
               computes only the data it shows (Report.build).
  *.png        the same plots as files: per phase and op kind the percentile spectrum, the
               histogram and the CDF (one figure), per phase the time series.

Exit codes: 0 report written (its path printed on stdout), 2 usage error, a bad input file or
series (one line per file on stderr), a missing dependency or a missing or broken report.html.j2
(one line naming it), 3 the output could not be written.

Dependencies: Python 3, matplotlib (Debian: python3-matplotlib), drawn with the Agg backend, and
Jinja2 (Debian: python3-jinja2).
"""

import argparse
import base64
import datetime
import hashlib
import io
import json
import math
import os
import re
import sys
import textwrap

SCHEMA_VERSION = 1
SERIES_KIND = "durabench-report-series"
SERIES_SCHEMA_VERSION = 1
OP_KINDS = ("read", "write", "flush", "commit")
# The percentiles of the summary table, as (label, key in the series' percentiles).
TABLE_PERCENTILES = (("p50", "50"), ("p99", "99"), ("p99.9", "99.9"))
# Figure resolution: 100 dpi keeps a 12-phase eval report at a few MB.
DPI = 100

EXAMPLES = """Each FILE.json needs FILE.series.json beside it, which `durabench report` writes (with
--data-only, nothing else); a directory stands for the NN-*.json results in it, in order.

examples:
  durabench report --data-only result.json -o reports/ssd
  plot.py --out reports/ssd reports/ssd/data
      together what `durabench report result.json -o reports/ssd` does: summary, spectra,
      histograms, time series -> reports/ssd/index.html
  plot.py --out reports/cmp --title "NVMe vs SATA" reports/cmp/data
      several results overlaid, phase by phase (phases are matched by name)
  plot.py --out reports/eval reports/eval/data/01-eval.json
      a `durabench eval` result: the report card on top, one section per phase

exit codes: 0 written (the path of index.html is printed), 2 usage error or bad input,
3 output could not be written"""


# The modules plot.py needs beyond the standard library, with the Debian packages that have them.
DEPENDENCIES = (("matplotlib", "python3-matplotlib"), ("jinja2", "python3-jinja2"))


def _import_dependencies():
    """Returns (matplotlib.pyplot on the Agg backend, jinja2), or exits 2 naming the package.

    A python3 found first on PATH (pyenv, a virtualenv) often lacks Debian's python3-matplotlib
    or python3-jinja2, which are installed for /usr/bin/python3 only; this script then re-runs
    itself there once.
    """
    missing = []
    for module, package in DEPENDENCIES:
        try:
            __import__(module)
        except ImportError:
            missing.append((module, package))
    if missing:
        system_python = "/usr/bin/python3"
        same = os.path.realpath(sys.executable) == os.path.realpath(system_python)
        if (not same and os.access(system_python, os.X_OK)
                and not os.environ.get("DURABENCH_PLOT_REEXEC")):
            os.environ["DURABENCH_PLOT_REEXEC"] = "1"
            os.execv(system_python, [system_python, os.path.abspath(__file__)] + sys.argv[1:])
        sys.stderr.write("plot.py: %s %s not installed for %s (Debian: apt-get install %s)\n" % (
            " and ".join(m for m, _p in missing), "is" if len(missing) == 1 else "are",
            sys.executable, " ".join(p for _m, p in missing)))
        sys.exit(2)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import jinja2
    return plt, jinja2


# ---------------------------------------------------------------------------------------------
# Reading and checking results


class BadInput(Exception):
    """A file that is not a durabench result this script can read; str() is one line."""


def _require(cond, what):
    if not cond:
        raise BadInput(what)


def _read_json(path):
    """(raw bytes, parsed JSON) of PATH; raises BadInput with a one-line reason."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise BadInput("cannot read: %s" % (e.strerror or e)) from e
    try:
        return raw, json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BadInput("not JSON (%s)" % str(e).splitlines()[0]) from e


def series_path(path):
    """Where the series of the result PATH lies: NAME.json -> NAME.series.json."""
    return (path[:-len(".json")] if path.endswith(".json") else path) + ".series.json"


def expand_inputs(paths):
    """PATHS with each directory replaced by the result files in it (*.json but not
    *.series.json), sorted: `durabench report` numbers them in the order given."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            out += sorted(os.path.join(path, f) for f in os.listdir(path)
                          if f.endswith(".json") and not f.endswith(".series.json"))
        else:
            out.append(path)
    return out


def load_result(path):
    """Returns (the parsed result of PATH, its series); raises BadInput with a one-line
    reason."""
    raw, doc = _read_json(path)
    _require(isinstance(doc, dict) and "schema_version" in doc,
             "not a durabench result (no schema_version)")
    version = doc["schema_version"]
    _require(version == SCHEMA_VERSION,
             "schema_version %r, this script reads %d" % (version, SCHEMA_VERSION))
    phases = doc.get("phases")
    _require(isinstance(phases, list), "not a durabench result (no phases list)")
    for i, phase in enumerate(phases):
        _require(isinstance(phase, dict) and isinstance(phase.get("name"), str),
                 "phases[%d] has no name" % i)
        ops = phase.get("ops", {})
        _require(isinstance(ops, dict), "phase %s: ops is not an object" % phase["name"])
        for kind, op in ops.items():
            where = "phase %s, %s" % (phase["name"], kind)
            _require(isinstance(op, dict) and isinstance(op.get("count"), int),
                     "%s: count missing" % where)
        ts = phase.get("time_series")
        if ts is not None:
            _require(isinstance(ts, dict) and isinstance(ts.get("intervals", []), list),
                     "phase %s: time_series is not an object with intervals" % phase["name"])
    return doc, load_series(path, raw, doc)


def load_series(path, raw, doc):
    """The series `durabench report` derived from the result PATH (whose bytes are RAW), checked
    against it; raises BadInput."""
    spath = series_path(path)
    if not os.path.exists(spath):
        raise BadInput("no derived series beside it (%s): `durabench report` writes them; "
                       "`durabench report --data-only %s -o DIR` gives DIR/data/ to draw"
                       % (spath, os.path.basename(path)))
    try:
        _raw, series = _read_json(spath)
    except BadInput as e:
        raise BadInput("%s: %s" % (spath, e)) from e
    _require(isinstance(series, dict) and series.get("kind") == SERIES_KIND,
             "%s: not a durabench series file" % spath)
    _require(series.get("schema_version") == SERIES_SCHEMA_VERSION,
             "%s: series schema_version %r, this script reads %d"
             % (spath, series.get("schema_version"), SERIES_SCHEMA_VERSION))
    _require(series.get("result_sha256") == hashlib.sha256(raw).hexdigest(),
             "%s was derived from another file (SHA-256 differs): run durabench report on "
             "the result again" % spath)
    phases = series.get("phases")
    _require(isinstance(phases, list)
             and [p.get("name") for p in phases if isinstance(p, dict)]
             == [p["name"] for p in doc["phases"]],
             "%s: its phases are not the result's" % spath)
    for phase, sphase in zip(doc["phases"], phases):
        sops = sphase.get("ops")
        _require(isinstance(sops, dict), "%s: phase %s has no ops" % (spath, phase["name"]))
        for kind, op in sops.items():
            _require(isinstance(op, dict), "%s: phase %s, %s is not an object"
                     % (spath, phase["name"], kind))
            for key in ("lat_ns", "co_lat_ns"):
                if key in op or key == "lat_ns":
                    _check_series(op.get(key), "%s: phase %s, %s (%s)"
                                  % (spath, phase["name"], kind, key))
    return series


def _check_series(lat, where):
    _require(isinstance(lat, dict) and isinstance(lat.get("count"), int)
             and isinstance(lat.get("max"), int) and isinstance(lat.get("percentiles"), dict),
             "%s: count, max or percentiles missing" % where)
    for key, a, b in (("spectrum", "x", "ns"), ("cdf", "ns", "pct"),
                      ("histogram", "edges_ns", "pct")):
        part = lat.get(key)
        _require(isinstance(part, dict) and isinstance(part.get(a), list)
                 and isinstance(part.get(b), list)
                 and all(isinstance(v, (int, float)) for v in part[a] + part[b]),
                 "%s: %s.%s or %s.%s missing" % (where, key, a, key, b))
        extra = 1 if key == "histogram" and part[b] else 0
        _require(len(part[a]) == len(part[b]) + extra,
                 "%s: %s.%s and %s.%s do not match in length" % (where, key, a, key, b))


class Input:
    """One result file, its derived series, and how the report names it."""

    def __init__(self, path, doc, series):
        self.path = path
        self.doc = doc
        target = doc.get("target") or {}
        probe = doc.get("probe") or {}
        workload = doc.get("workload") or {}
        self.target = str(target.get("path") or "?")
        self.backend = str(probe.get("backend_kind") or "unknown backend")
        self.workload = str(workload.get("name") or "")
        self.label = "%s (%s)" % (self.target, self.backend)
        if self.workload:
            self.label += " · " + self.workload
        # Phases by name, which is how inputs are matched; a name that repeats within one
        # result gets " (2)", " (3)" from its second occurrence on, so no phase is lost.
        self.phases = {}
        self.series = {}
        self.specs = {}
        for p, sp in zip(doc["phases"], series["phases"]):
            key, n = p["name"], 1
            while key in self.phases:
                n += 1
                key = "%s (%d)" % (p["name"], n)
            self.phases[key] = p
            self.series[key] = sp["ops"]
            self.specs[key] = sp.get("spec") or {}

    def phase(self, name):
        """The phase named NAME (a key of self.phases), or None."""
        return self.phases.get(name)

    def dist(self, name, kind, key="lat_ns"):
        """The Dist of op KIND in phase NAME (KEY: lat_ns, or co_lat_ns for the corrected
        latency), or None."""
        op = self.series.get(name, {}).get(kind) or {}
        return Dist(op[key]) if key in op else None


def name_inputs(inputs):
    """Makes every label unique: identical ones get the file name (or the path) appended."""
    for attr in ("basename", "path"):
        seen = {}
        for inp in inputs:
            seen.setdefault(inp.label, []).append(inp)
        for group in seen.values():
            if len(group) > 1:
                for inp in group:
                    tag = os.path.basename(inp.path) if attr == "basename" else inp.path
                    inp.label = "%s [%s]" % (inp.label.split(" [")[0], tag)


# ---------------------------------------------------------------------------------------------
# The derived series of one latency distribution


class Dist:
    """What the plots draw of one op kind's latency, as durabench derived it (series file,
    docs/report.md "Derived series"): nothing here is computed, only looked up."""

    def __init__(self, lat):
        self.total = lat["count"]
        self.max = lat["max"]
        self.percentiles = lat["percentiles"]
        self._spectrum = lat["spectrum"]
        self._cdf = lat["cdf"]
        self._histogram = lat["histogram"]
        self.bins_per_decade = self._histogram.get("bins_per_decade")

    def percentile(self, key):
        """The percentile KEY ("50", "99", "99.9", ...) in ns; None if not derived."""
        return self.percentiles.get(key)

    def spectrum(self):
        """(x, latency_ns) with x = 1/(1-p): steps, each value holding until the next x."""
        return self._spectrum["x"], self._spectrum["ns"]

    def cdf(self):
        """(latency_ns, % at or below)."""
        return self._cdf["ns"], self._cdf["pct"]

    def log_histogram(self):
        """(edges_ns, % of operations between consecutive edges)."""
        return self._histogram["edges_ns"], self._histogram["pct"]


# ---------------------------------------------------------------------------------------------
# Formatting


def fmt_ns(ns):
    """A latency in human units: 850 ns, 12.3 µs, 4.56 ms, 1.20 s; '-' for None."""
    if ns is None:
        return "-"
    ns = float(ns)
    if ns < 0:  # a PLP penalty below the baseline (docs/plp.md)
        return "-" + fmt_ns(-ns)
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            v = ns / scale
            return "%s %s" % (("%.3g" % v) if v < 100 else ("%.0f" % v), unit)
    return "%.0f ns" % ns


def penalty_interval_text(interval):
    """A PLP penalty interval: '150 µs to 3.3 ms (94 %, 5 rounds)'; '-' when there is none."""
    if not interval:
        return "-"
    return "%s to %s (%.0f %%, %s %s)" % (
        fmt_ns(interval.get("low_ns")), fmt_ns(interval.get("high_ns")),
        100 * float(interval.get("confidence") or 0), interval.get("count"), interval.get("over"))


def fmt_tick_ns(ns, _pos=None):
    """Axis tick label for a latency in ns: '10 µs', '1 ms', '2.5 s'."""
    if ns <= 0:
        return ""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3), ("ns", 1.0)):
        if ns >= scale * 0.9999:
            return "%s %s" % (("%.4g" % (ns / scale)), unit)
    return "%.3g ns" % ns


def fmt_count(v):
    return "{:,}".format(int(v))


def fmt_rate(v):
    if v is None:
        return "-"
    v = float(v)
    return "{:,.0f}".format(v) if v >= 100 else "%.3g" % v


def fmt_pct_tick(p):
    """'99.9%' for 99.9 without float noise."""
    s = ("%.6f" % p).rstrip("0").rstrip(".")
    return s + "%"


def slug(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


# ---------------------------------------------------------------------------------------------
# Plots


class Plotter:
    """Draws the figures; each becomes a PNG file in OUT and a data URI for the HTML.

    Every plot (an axes) has its title, both axis labels and its own legend, placed just below
    it, so a reader never looks across the figure for what a line is; save() reads them back
    from the drawn figure for the page (the figure's parts, docs/report.md).
    """

    # Inches: the space under an axes for its tick labels and x label, one legend row, and
    # above an axes for its title.
    BELOW_AXES_IN = 0.62
    LEGEND_ROW_IN = 0.22
    ABOVE_AXES_IN = 0.42

    def __init__(self, plt, out_dir):
        self.plt = plt
        self.out_dir = out_dir
        self.files = []
        import matplotlib.ticker as ticker
        import matplotlib.transforms as transforms
        self.ticker = ticker
        self.transforms = transforms
        plt.rcParams.update({
            "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "axes.grid": True,
            "grid.alpha": 0.35, "legend.fontsize": 10, "figure.titlesize": 12,
            # Labels are text, never TeX: a fault command's "$PPID" or a path with two "$"
            # would otherwise be typeset as mathematics.
            "text.parse_math": False,
        })
        self.colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    def color(self, i):
        return self.colors[i % len(self.colors)]

    def save(self, fig, name):
        """Writes FIG as OUT/NAME.png; returns {file, b64, panels}: PANELS the parts of every
        axes as drawn (figure_parts)."""
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        panels = figure_parts(fig)
        self.plt.close(fig)
        data = buf.getvalue()
        fname = name + ".png"
        with open(os.path.join(self.out_dir, fname), "wb") as f:
            f.write(data)
        self.files.append(fname)
        return {"file": fname, "b64": base64.b64encode(data).decode("ascii"), "panels": panels}

    def finish(self, fig, rows, axes_in):
        """Gives every axes of FIG its legend directly under its x label, and sets the
        margins: ROWS rows of axes, each AXES_IN inches of plot with its title above and its
        labels and legend below.

        Legend entries are wrapped to the width of their axes (an input's label runs to 60
        characters and more), so neighbouring legends never run into each other. Margins are
        fixed in inches rather than found by tight_layout, which measured every tick label of
        every axes and took two thirds of the run time of a 12-phase report.
        """
        width = fig.get_figwidth()
        fig.subplots_adjust(left=0.95 / width, right=1 - 0.25 / width, wspace=0.27)
        lines = 0
        for ax in fig.axes:
            handles, labels = ax.get_legend_handles_labels()
            if not handles:
                continue
            chars = max(24, int((ax.get_position().width * width - 0.55) / 0.078))
            labels = [textwrap.fill(label, chars, break_on_hyphens=False,
                                    break_long_words=False) for label in labels]
            lines = max(lines, sum(label.count("\n") + 1 for label in labels))
            anchor = self.transforms.offset_copy(ax.transAxes, fig=fig, x=0,
                                                 y=-self.BELOW_AXES_IN + 0.04, units="inches")
            ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                      bbox_transform=anchor, ncol=1, frameon=False, handlelength=2.6,
                      borderaxespad=0.0)
        below = self.BELOW_AXES_IN + self.LEGEND_ROW_IN * lines + 0.1
        row_in = self.ABOVE_AXES_IN + axes_in + below
        fig.set_figheight(row_in * rows + 0.1)
        height = fig.get_figheight()
        fig.subplots_adjust(top=1 - (self.ABOVE_AXES_IN + 0.05) / height,
                            bottom=(below + 0.05) / height,
                            hspace=(self.ABOVE_AXES_IN + below) / axes_in)

    def latency_axis(self, axis, lo, hi):
        """Log latency axis with unit ticks ('10 µs', '1 ms'); 1-2-5 ticks on a short span."""
        span = math.log10(max(hi, 1.0) / max(lo, 1.0)) if lo > 0 else 3
        subs = (1.0,) if span > 2.5 else ((1.0, 2.0, 5.0) if span > 0.8 else
                                          (1.0, 1.5, 2.0, 3.0, 5.0, 7.0))
        axis.set_major_locator(self.ticker.LogLocator(base=10.0, subs=subs, numticks=30))
        axis.set_major_formatter(self.ticker.FuncFormatter(fmt_tick_ns))
        # Unlabelled minor ticks at 2, 3, 5 between decades; not all eight of them: every
        # tick is an object matplotlib lays out, and they doubled the time per figure.
        axis.set_minor_locator(self.ticker.LogLocator(base=10.0, subs=(2.0, 3.0, 5.0),
                                                      numticks=30)
                               if len(subs) == 1 else self.ticker.NullLocator())
        axis.set_minor_formatter(self.ticker.NullFormatter())

    def spectrum_axes(self, ax, series, title):
        """Percentile spectrum: latency (log) against 1/(1-p) (log), HdrHistogram style."""
        max_x, lo, hi = 10.0, None, None
        for label, dist, color, style in series:
            xs, ys = dist.spectrum()
            if not xs:
                continue
            ax.plot(xs, ys, color=color, linestyle=style, linewidth=1.4, label=label,
                    drawstyle="steps-post")
            max_x = max(max_x, xs[-1])
            lo = min(ys) if lo is None else min(lo, min(ys))
            hi = max(ys) if hi is None else max(hi, max(ys))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks, labels = [], []
        for p in (50.0, 90.0, 99.0, 99.9, 99.99, 99.999, 99.9999, 99.99999):
            x = 1.0 / (1.0 - p / 100.0)
            if x <= max_x * 1.05:
                ticks.append(x)
                labels.append(fmt_pct_tick(p))
        ax.set_xticks(ticks)
        ax.set_xticklabels(labels)
        ax.xaxis.set_minor_locator(self.ticker.NullLocator())
        ax.set_xlim(1.0, max_x * 1.1)
        if lo is not None:
            ax.set_ylim(lo / 1.3, hi * 1.3)
            self.latency_axis(ax.yaxis, lo, hi)
        ax.set_xlabel("percentile (log scale of 1/(1-p))")
        ax.set_ylabel("latency (log scale)")
        ax.set_title(title)

    def histogram_axes(self, ax, series, title):
        """Densities on log axes. One series: steps, a histogram proper. Several (inputs, or a
        series and its CO-corrected twin): each a line through its bins' centres, with a
        point on every bin, so the curves stay apart where steps of several inputs made a
        picket fence; an empty bin breaks the line (a log axis has no zero)."""
        lo, hi, per_decade = None, None, None
        for label, dist, color, style in series:
            per_decade = per_decade or dist.bins_per_decade
            edges, pct = dist.log_histogram()
            if not edges:
                continue
            if len(series) == 1:
                ax.stairs(pct, edges, color=color, linestyle=style, linewidth=1.3, label=label)
            else:
                centres = [math.sqrt(a * b) if a > 0 else b for a, b in zip(edges, edges[1:])]
                ax.plot(centres, [v if v > 0 else float("nan") for v in pct], color=color,
                        linestyle=style, linewidth=1.4, marker=".", markersize=4,
                        label=label)
            lo = edges[0] if lo is None else min(lo, edges[0])
            hi = edges[-1] if hi is None else max(hi, edges[-1])
        ax.set_xscale("log")
        ax.set_yscale("log")
        if lo is not None:
            ax.set_xlim(lo, hi)
            self.latency_axis(ax.xaxis, lo, hi)
        ax.yaxis.set_major_formatter(self.ticker.FuncFormatter(
            lambda v, _p: fmt_pct_tick(float("%.3g" % v)) if v > 0 else ""))
        ax.yaxis.set_minor_locator(self.ticker.NullLocator())
        ax.set_xlabel("latency (log scale, %s bins per decade)" % per_decade)
        ax.set_ylabel("operations (% per bin, log scale)")
        ax.set_title(title)

    def cdf_axes(self, ax, series, title):
        lo, hi = None, None
        for label, dist, color, style in series:
            xs, ys = dist.cdf()
            if not xs:
                continue
            ax.plot(xs, ys, color=color, linestyle=style, linewidth=1.3, label=label,
                    drawstyle="steps-post")
            lo = min(xs) if lo is None else min(lo, min(xs))
            hi = max(xs) if hi is None else max(hi, max(xs))
        ax.set_xscale("log")
        if lo is not None:
            ax.set_xlim(lo / 1.2, hi * 1.2)
            self.latency_axis(ax.xaxis, lo, hi)
        ax.set_ylim(0, 101)
        ax.yaxis.set_major_formatter(self.ticker.FuncFormatter(lambda v, _p: "%.0f%%" % v))
        ax.set_xlabel("latency (log scale)")
        ax.set_ylabel("operations at or below (%)")
        ax.set_title(title)

    def latency_figure(self, name, phase, kind, series):
        """One figure per phase and op kind: spectrum, histogram, CDF side by side, each with
        its legend below it.

        SERIES: [(label, Dist, color, linestyle)], one per input (and its CO-corrected twin,
        dashed, in all three plots).
        """
        fig, axes = self.plt.subplots(1, 3, figsize=(15, 5),
                                      gridspec_kw={"width_ratios": [1.25, 1, 1]})
        what = "%s latency, phase %s" % (kind, phase)
        self.spectrum_axes(axes[0], series, "Percentile spectrum: " + what)
        self.histogram_axes(axes[1], series, "Histogram: " + what)
        self.cdf_axes(axes[2], series, "CDF: " + what)
        self.finish(fig, 1, 3.4)
        return self.save(fig, name)

    def plp_figure(self, name, panels):
        """The PLP question in one figure (docs/plp.md): per sync method one spectrum of its
        flush and commit over the baseline's plain write. PANELS: [(title, series)], SERIES
        as latency_figure's."""
        ncol = min(len(panels), 3)
        rows = int(math.ceil(len(panels) / float(ncol)))
        fig, axes = self.plt.subplots(rows, ncol, figsize=(15, 5), squeeze=False)
        for ax, (title, series) in zip(axes.flat, panels):
            self.spectrum_axes(ax, series, title)
        for ax in list(axes.flat)[len(panels):]:
            ax.remove()
        self.finish(fig, rows, 3.2)
        return self.save(fig, name)

    def timeseries_figure(self, name, phase, rows, interval_ns, marks=(), spans=()):
        """Per op kind one row: operations per second and p99 per interval, so kinds with the
        same rate (a write and its flush) are not drawn on top of each other.

        ROWS: [(kind, [(label, color, style, t_s, iops, p99_ns)])]. IOPS go on a log axis when
        the lines of a row differ by more than 50x (a RAM disk beside a real one), where a
        linear one would flatten the slower line onto zero. MARKS: [(t_s, label, (color,
        style))], a vertical line on every plot (a fault command's start); SPANS: [(t0_s, t1_s,
        label, color)], a shaded stretch on every plot (the longest stall; color None: red).
        """
        fig, axes = self.plt.subplots(len(rows), 2, figsize=(15, 5), squeeze=False)
        interval = fmt_ns(interval_ns)
        for (kind, lines), (ax1, ax2) in zip(rows, axes):
            p_lo, p_hi = None, None
            peaks = [max(iops) for *_x, iops, _p in lines if iops and max(iops) > 0]
            log_iops = bool(peaks) and max(peaks) > 50 * min(peaks)
            for label, color, style, ts, iops, p99 in lines:
                ax1.plot(ts, iops, color=color, linestyle=style, linewidth=1.3, marker=".",
                         markersize=5, label=label)
                pts = [(t, v) for t, v in zip(ts, p99) if v]
                ax2.plot([t for t, _ in pts], [v for _, v in pts], color=color,
                         linestyle=style, linewidth=1.3, marker=".", markersize=5, label=label)
                if pts:
                    vals = [v for _, v in pts]
                    p_lo = min(vals) if p_lo is None else min(p_lo, min(vals))
                    p_hi = max(vals) if p_hi is None else max(p_hi, max(vals))
            ax1.set_title("%s: operations per second per %s interval, phase %s"
                          % (kind, interval, phase))
            if log_iops:
                ax1.set_yscale("log")
                ax1.set_ylabel("%s/s (log scale;\nempty intervals not shown)" % kind)
            else:
                ax1.set_ylabel("%s/s (IOPS)" % kind)
                # Room above the highest point: a steady rate is a line along the top.
                ax1.set_ylim(0, max(peaks or [1.0]) * 1.15)
            ax1.yaxis.set_major_formatter(self.ticker.FuncFormatter(
                lambda v, _p: "{:,.0f}".format(v)))
            ax2.set_title("%s: p99 latency per %s interval, phase %s" % (kind, interval, phase))
            ax2.set_yscale("log")
            if p_lo is not None:
                ax2.set_ylim(p_lo / 1.5, p_hi * 1.5)
                self.latency_axis(ax2.yaxis, p_lo, p_hi)
            ax2.set_ylabel("%s p99 latency (log scale)" % kind)
            for ax in (ax1, ax2):
                ax.set_xlabel("time since the end of the ramp (s, middle of each interval)")
                for t0, t1, label, color in spans:
                    ax.axvspan(t0, t1, color=color or "#d62728", alpha=0.13, linewidth=0,
                               label=label)
                for t, label, (color, style) in marks:
                    ax.axvline(t, color=color, linestyle=style, linewidth=1.4, label=label)
        self.finish(fig, len(rows), 2.1)
        return self.save(fig, name)


def figure_parts(fig):
    """Per axes of the drawn FIG: {title, x, y, legend: [entries], legend_placed}, entries
    unwrapped. LEGEND_PLACED: the legend lies wholly inside the figure and within the axes'
    own area widened by the room for tick labels and x label (Plotter.BELOW_AXES_IN) and a
    little more, i.e. it is next to its plot and not cut off."""
    parts = []
    box = fig.bbox
    margin = (Plotter.BELOW_AXES_IN + 0.15) * fig.dpi
    for ax in fig.axes:
        legend = ax.get_legend()
        placed = False
        entries = []
        if legend is not None:
            entries = [" ".join(t.get_text().split("\n")) for t in legend.get_texts()]
            lb = legend.get_window_extent()
            ab = ax.get_window_extent()
            inside = (lb.x0 >= box.x0 - 1 and lb.x1 <= box.x1 + 1 and lb.y0 >= box.y0 - 1
                      and lb.y1 <= box.y1 + 1)
            near = (lb.x1 >= ab.x0 - margin and lb.x0 <= ab.x1 + margin
                    and lb.y1 >= ab.y0 - margin and lb.y0 <= ab.y1 + margin)
            placed = inside and near
        parts.append({"title": ax.get_title(), "x": ax.get_xlabel(), "y": ax.get_ylabel(),
                      "legend": entries, "legend_placed": placed})
    return parts


# ---------------------------------------------------------------------------------------------
# The report


# The page itself is scripts/report.html.j2, beside this script: Report computes what it shows
# (plain texts, never HTML; the template escapes every one) and draws the plots.

TEMPLATE_NAME = "report.html.j2"

VERDICT_CLASS = {"flush-free": "good", "flush-costly": "bad", "suspicious": "warn",
                 "undecided": "warn"}

# The keys of a phase's spec line, as durabench names them (docs/workloads.md); their values
# are the series file's, in durabench's words ("4KiB", "true"), not Python's.
SPEC_KEYS = ("engine", "pattern", "block_size", "iodepth", "jobs", "direct", "sync",
             "fsync_every", "rate_iops")


class SetupError(Exception):
    """plot.py itself cannot run here (a template missing or broken); str() is one line."""


def load_template(jinja2):
    """Returns the report template, read from beside plot.py's real path; raises SetupError.

    plot.py is reached through a symbolic link in a build tree (BUILD/src/share/durabench/
    plot.py -> scripts/plot.py), so the template is looked for beside the link's target, where
    it is in the source tree as in an installed PREFIX/share/durabench/. Autoescaping is on for
    the whole template: a title or phase name can hold any character.
    """
    directory = os.path.dirname(os.path.realpath(__file__))
    path = os.path.join(directory, TEMPLATE_NAME)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(directory), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    try:
        return env.get_template(TEMPLATE_NAME)
    except jinja2.TemplateNotFound as e:
        raise SetupError("report template not found at %s (it is installed beside plot.py)"
                         % path) from e
    except jinja2.TemplateSyntaxError as e:
        raise SetupError("%s:%s: %s" % (path, e.lineno, e.message)) from e
    except OSError as e:
        raise SetupError("reading %s: %s" % (path, e.strerror or e)) from e


def summary_table(inputs, names, only_phase=None):
    """{heads, rows: [{text, num}]}: per input, phase (NAMES) and op kind one row; TEXT cells
    are left-aligned (input, phase, op), NUM ones numbers. ONLY_PHASE drops the phase column."""
    heads = (["input", "phase", "op", "count", "IOPS"]
             + [l for l, _p in TABLE_PERCENTILES] + ["max", "errors"])
    if only_phase is not None:
        heads.remove("phase")
    rows = []
    for inp in inputs:
        for name in names:
            phase = inp.phase(name)
            if phase is None:
                continue
            cells = summary_rows(inp, name) or [["(no operations)"] + [""] * 7]
            for i, row in enumerate(cells):
                lead = [inp.label if i == 0 else ""]
                if only_phase is None:
                    lead.append(name if i == 0 else "")
                rows.append({"text": lead + row[:1], "num": row[1:]})
    return {"heads": heads, "rows": rows}


def summary_rows(inp, name):
    """Per op kind of phase NAME of INP: [kind, count, IOPS, the TABLE_PERCENTILES, max,
    errors] as text."""
    rows = []
    phase = inp.phase(name)
    for kind in kinds_of(phase):
        op = phase["ops"][kind]
        dist = inp.dist(name, kind)
        samples = dist is not None and dist.total > 0
        rows.append([kind, fmt_count(op["count"]), fmt_rate(op.get("iops"))]
                    + [fmt_ns(dist.percentile(key) if samples else None)
                       for _l, key in TABLE_PERCENTILES]
                    + [fmt_ns(dist.max if samples else None),
                       fmt_count(op.get("errors") or 0)])
    return rows


def fact_text(value):
    """A device fact as durabench writes it: "true"/"false", "unknown" for null."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def evidence(ev):
    """The methods table of a PLP verdict (docs/plp.md, `evidence`)."""
    facts = ev.get("facts") or {}
    return {
        "baseline_phase": str(ev.get("baseline_phase", "")),
        "baseline_num": [fmt_count(ev.get("write_samples") or 0), fmt_ns(ev.get("write_p50_ns")),
                         fmt_ns(ev.get("write_p99_ns"))],
        "baseline_io": "O_DIRECT" if ev.get("direct") else "buffered",
        "methods": [{
            "sync": str(m.get("sync")),
            "primary": m.get("sync") == ev.get("primary_method"),
            "phase": str(m.get("phase")),
            "num": [fmt_count(m.get("samples") or 0), fmt_ns(m.get("commit_p50_ns")),
                    fmt_ns(m.get("commit_p99_ns")), fmt_ns(m.get("flush_p50_ns")),
                    fmt_ns(m.get("flush_p99_ns")), fmt_ns(m.get("penalty_p50_ns")),
                    fmt_ns(m.get("penalty_p99_ns"))],
            # The p50 penalty's interval over rounds (or time intervals), and the decision it
            # allows: costly, free or undecided; older results have neither.
            "interval": penalty_interval_text(m.get("penalty_p50_interval")),
            "costly": {"costly": "yes", "free": "no"}.get(
                m.get("decision"), m.get("decision") or ("yes" if m.get("costly") else "no")),
        } for m in ev.get("methods") or []],
        "facts": ", ".join("%s=%s" % (k, fact_text(v)) for k, v in facts.items()),
        # The cuts folded in with plp/eval --audit (docs/audit.md).
        "audits": [{
            "source": os.path.basename(str(a.get("source", ""))),
            "verdict": str(a.get("verdict", "")),
            "num": [fmt_count(a.get(k) or 0) for k in
                    ("acknowledged_writes", "lost_writes", "corrupt", "misdirected")],
        } for a in ev.get("audits") or []],
    }


def report_card(card):
    """[(row name, text)]: eval's report card (docs/eval.md), "not run" for a missing part."""
    rows = []
    plp = card.get("plp")
    rows.append(("PLP", "not run" if not plp else
                 "%s: %s" % (plp.get("verdict", "?"), plp.get("headline", ""))))
    ceph = card.get("ceph_wal")
    if ceph:
        parts = ["%s job%s: %s IOPS (commit p99 %s)" % (
            r.get("jobs"), "" if r.get("jobs") == 1 else "s", fmt_rate(r.get("iops")),
            fmt_ns(r.get("commit_p99_ns"))) for r in ceph.get("rows") or []]
        parts.append("rating %s (good >= %s, poor < %s IOPS single-job)" % (
            ceph.get("rating", "?"), fmt_rate(ceph.get("good_iops")),
            fmt_rate(ceph.get("poor_iops"))))
        rows.append(("Ceph WAL", "; ".join(parts)))
    else:
        rows.append(("Ceph WAL", "not run"))
    etcd = card.get("etcd")
    rows.append(("etcd WAL", "not run" if not etcd else
                 "fdatasync p99 %s (p50 %s); guidance < %s: %s" % (
                     fmt_ns(etcd.get("flush_p99_ns")), fmt_ns(etcd.get("flush_p50_ns")),
                     fmt_ns(etcd.get("limit_p99_ns")),
                     "PASS" if etcd.get("pass") else "FAIL")))
    pg = card.get("postgres")
    rows.append(("PostgreSQL WAL", "not run" if not pg else
                 "commits/s (one writer): " + ", ".join(
                     "%s %s" % (r.get("wal_sync_method") or r.get("sync"),
                                fmt_rate(r.get("commits_per_s"))) for r in pg)))
    sus = card.get("sustained")
    if sus:
        text = "%s MB/s mean over %s (%s written)" % (
            fmt_rate((sus.get("mean_bytes_per_s") or 0) / 1e6),
            fmt_ns(sus.get("measured_ns")), fmt_bytes(sus.get("bytes")))
        cliff = sus.get("cliff")
        if cliff:
            text += "; cliff at %s: %s MB/s before, %s MB/s after, %s written before" % (
                fmt_ns(cliff.get("at_ns")),
                fmt_rate((cliff.get("before_bytes_per_s") or 0) / 1e6),
                fmt_rate((cliff.get("after_bytes_per_s") or 0) / 1e6),
                fmt_bytes(cliff.get("bytes_before")))
        else:
            text += "; no cliff"
        rows.append(("Sustained write", text))
    else:
        rows.append(("Sustained write", "not run"))
    tail = card.get("tail")
    if tail is None:
        rows.append(("Tail outliers", "not run"))
    else:
        out = [t for t in tail if t.get("outlier")]
        rows.append(("Tail outliers", "none (no phase with p99.9 >= 20x its p50 and >= 1 ms)"
                     if not out else "; ".join(
                         "%s %s: p50 %s, p99.9 %s, max %s (interval at %s)" % (
                             t.get("phase"), t.get("op"), fmt_ns(t.get("p50_ns")),
                             fmt_ns(t.get("p99_9_ns")), fmt_ns(t.get("max_ns")),
                             fmt_ns(t.get("worst_interval_start_ns")) if
                             t.get("worst_interval_start_ns") else "0 s")
                         for t in out)))
    return rows


class Report:
    """What index.html shows, computed from the inputs; draws the plots on the way."""

    def __init__(self, inputs, plotter, title):
        self.inputs = inputs
        self.plotter = plotter
        self.title = title

    def build(self):
        """The template's `page`: {title, generated_at, inputs, notes, verdicts, summary,
        phases}, built of dicts, lists and plain strings (scripts/report.html.j2 shows how)."""
        names = self.phase_names()
        return {
            "title": self.title,
            "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%d %H:%M UTC"),
            "inputs": [self.input_row(inp) for inp in self.inputs],
            "notes": ["%s: run error: %s" % (inp.label, err)
                      for inp in self.inputs for err in inp.doc.get("errors") or []],
            "verdicts": [self.verdict(inp, self.plotter, i + 1)
                         for i, inp in enumerate(self.inputs)
                         if "verdict" in inp.doc or "report_card" in inp.doc],
            "summary": summary_table(self.inputs, names),
            "phases": [self.phase_section(i + 1, name) for i, name in enumerate(names)],
        }

    # -- header and verdicts ------------------------------------------------------------------

    @staticmethod
    def input_row(inp):
        doc = inp.doc
        probe = doc.get("probe") or {}
        host = doc.get("host") or {}
        tool = doc.get("tool") or {}
        backend = inp.backend
        if probe.get("backend_detail"):
            backend += ": " + str(probe["backend_detail"])
        return {
            "label": inp.label,
            "file": os.path.basename(inp.path),
            "workload": inp.workload,
            "target": "%s (%s)" % (inp.target, (doc.get("target") or {}).get("kind", "?")),
            "backend": backend,
            "host": ("%s, %s, %s CPUs, clock %s" % (
                host.get("hostname"), host.get("kernel"), host.get("cpus"), host.get("clock"))
                     if host.get("hostname") else "not recorded"),
            "started": str(doc.get("started_at", "")),
            "tool": "%s %s" % (tool.get("name", "?"), tool.get("version", "")),
        }

    @staticmethod
    def verdict(inp, plotter, index):
        """One verdict panel: a plp result's verdict, or an eval result's with its card; with
        the PLP figure (plp_image) of input number INDEX."""
        doc = inp.doc
        verdict = str(doc.get("verdict") or "none")
        plp = (doc.get("report_card") or {}).get("plp") or {}
        ev = doc.get("evidence") or plp.get("evidence")
        return {
            "css_class": VERDICT_CLASS.get(verdict, ""),
            "label": inp.label,
            "kind": "PLP verdict" if "report_card" not in doc else "eval: PLP verdict",
            "verdict": verdict,
            "headline": str(doc.get("headline") or plp.get("headline") or ""),
            "explanation": [str(line) for line in
                            doc.get("explanation") or plp.get("explanation") or []],
            "evidence": evidence(ev) if ev else None,
            "image": plp_image(inp, ev, plotter, index) if ev else None,
            "report_card": report_card(doc["report_card"]) if doc.get("report_card") else None,
        }

    def phase_names(self):
        names = []
        for inp in self.inputs:
            for key in inp.phases:
                if key not in names:
                    names.append(key)
        return names

    # -- phases -------------------------------------------------------------------------------

    def phase_section(self, index, name):
        """{index, name, specs, summary, kinds, time_series} of the phase called NAME."""
        present = [(i, inp, inp.phase(name)) for i, inp in enumerate(self.inputs)]
        present = [(i, inp, p) for i, inp, p in present if p is not None]
        specs = []
        for _i, inp, p in present:
            spec = inp.specs.get(name) or {}
            notes = ["%s: %s" % (inp.label, err) for err in (p.get("errors") or [])[:5]]
            if (p.get("queue") or {}).get("ordering_violations"):
                notes.append("%s: %d flush ordering violations" % (
                    inp.label, p["queue"]["ordering_violations"]))
            specs.append({
                "label": inp.label,
                "desc": ", ".join("%s=%s" % (k, spec[k]) for k in SPEC_KEYS if k in spec),
                "measured": fmt_ns(p.get("measured_ns")),
                "interrupted": bool(p.get("interrupted")),
                "notes": notes,
            })
        kinds = [k for k in OP_KINDS if any(k in (p.get("ops") or {}) for _i, _n, p in present)]
        kinds += sorted({k for _i, _n, p in present for k in (p.get("ops") or {})} - set(kinds))
        return {
            "index": index,
            "name": name,
            "specs": specs,
            "summary": summary_table(self.inputs, [name], only_phase=name),
            "kinds": [{"kind": kind, "image": self.latency_image(index, name, present, kind)}
                      for kind in kinds],
            "time_series": self.time_series(index, name, present, kinds),
        }

    def latency_image(self, index, name, present, kind):
        """{file, b64, alt} of KIND's latency figure in phase NAME; None without samples."""
        multi = len(self.inputs) > 1
        series = []
        for i, inp, p in present:
            dist = inp.dist(name, kind)
            if dist is None or dist.total == 0:
                continue
            # One input: each op kind keeps its colour across figures (the time series
            # too); several: each input keeps its colour.
            color = self.plotter.color(i if multi else kind_index(kind))
            series.append((inp.label if multi else kind, dist, color, "-"))
            co = inp.dist(name, kind, "co_lat_ns")
            if co is not None and co.total:
                series.append(((inp.label if multi else kind)
                               + " (from scheduled start, CO-corrected)", co, color, "--"))
        if not series:
            return None
        image = self.plotter.latency_figure(
            "%02d-%s-%s" % (index, slug(name), kind), name, kind, series)
        image["alt"] = "%s latency, phase %s: spectrum, histogram, CDF" % (kind, name)
        return image

    def time_series(self, index, name, present, kinds):
        """{notes, image}: IOPS and p99 per interval of phase NAME, a row per op kind (image
        None without any time series)."""
        rows, interval_ns, notes = {}, None, []
        multi = len(self.inputs) > 1
        marks, spans = [], []
        for i, inp, p in present:
            if p.get("faults"):
                m, sp, text = fault_marks(p, inp.label if multi else None)
                marks += m
                # Several inputs: each one's stall in its own line's colour.
                spans += [s + (self.plotter.color(i) if multi else None,) for s in sp]
                notes += text
            ts = p.get("time_series") or {}
            intervals = ts.get("intervals") or []
            step = ts.get("interval_ns")
            if not intervals or not step:
                notes.append("%s: no time series in this result (e.g. converted from fio)."
                             % inp.label)
                continue
            interval_ns = interval_ns or step
            measured = p.get("measured_ns") or 0
            for kind in (k for k in kinds if k in (p.get("ops") or {})):
                t, iops, p99 = [], [], []
                for iv in intervals:
                    o = (iv.get("ops") or {}).get(kind) or {}
                    start = iv.get("start_ns", (iv.get("index") or 0) * step)
                    # The last interval ends with the phase: its rate is over what it lasted;
                    # one under a tenth of an interval is too short for a rate and left out.
                    length = min(step, measured - start) if measured > start else step
                    if length < step / 10.0:
                        continue
                    t.append((start + length / 2.0) / 1e9)
                    iops.append((o.get("count") or 0) / (length / 1e9))
                    p99.append(o.get("p99_ns") or None)
                color = self.plotter.color(i if multi else kind_index(kind))
                rows.setdefault(kind, []).append(
                    (inp.label if multi else kind, color, "-", t, iops, p99))
        image = None
        if rows:
            image = self.plotter.timeseries_figure(
                "%02d-%s-timeseries" % (index, slug(name)), name,
                [(k, rows[k]) for k in kinds if k in rows], interval_ns, marks, spans)
            image["alt"] = "IOPS and p99 per interval, phase %s" % name
            if marks:
                image["alt"] += ", with its faults marked"
        return {"notes": notes, "image": image}


# Black and grey: the op kinds' lines take the colour cycle's blue, orange, green and red.
FAULT_STYLE, UNDO_STYLE = ("black", "--"), ("dimgray", ":")


def short_command(cmd, width=48):
    """CMD on one line of at most WIDTH characters for a legend. Absolute paths (words that
    start with /) are cut to their last part first, so that what a lab command does shows
    ("lab.sh lab power-off 2", not "/home/u/durabench/scripts/lab.sh /tmp/lab power-o…");
    what is still too long is cut at the end."""
    words = str(cmd).split()
    cmd = " ".join(words)
    if len(cmd) > width:
        cmd = " ".join(w.rstrip("/").rsplit("/", 1)[-1] or w if w.startswith("/") else w
                       for w in words)
    return cmd if len(cmd) <= width else cmd[:width - 1] + "…"


def fault_marks(p, label):
    """(marks, spans, notes) of phase P's faults (docs/chaos.md) for the time-series plot:
    a line where each command started, the longest stall shaded, and a note per command with
    what it did. Times in the result are from the phase start; the plot's from the ramp's end.
    LABEL: the input's name where several are drawn, else None."""
    ramp = ((p.get("spec") or {}).get("ramp_ns") or 0) / 1e9
    who = label + ": " if label else ""
    marks, notes = [], []
    for f in p.get("faults") or []:
        for key, cmd_key, style, word in (("action", "run", FAULT_STYLE, "fault"),
                                          ("undone", "undo", UNDO_STYLE, "undo")):
            c = f.get(key)
            if not isinstance(c, dict):  # null: not run
                continue
            t = (c.get("started_ns") or 0) / 1e9 - ramp
            cmd = short_command(f.get(cmd_key) or "")
            marks.append((t, "%s%s at %.1f s: %s" % (who, word, t, cmd), style))
            what = "%s%s at %.1f s, %s (exit %s): " % (who, word, t, cmd, c.get("exit_code"))
            stall = c.get("stall_ns") or 0
            first = c.get("first_completion_ns")
            rec = c.get("recovery_ns")
            what += "longest stall %s" % fmt_ns(stall) if stall else "no stall"
            if first is None:
                what += ", no completion after it"
            elif stall:
                what += ", I/O again %s after it" % fmt_ns(first)
            what += (", rate back %s after it" % fmt_ns(rec) if rec is not None
                     else ", the rate did not come back before the next command or the end")
            notes.append(what + ".")
    chaos = p.get("chaos") or {}
    spans = []
    if chaos.get("longest_stall_ns"):
        t0 = chaos.get("longest_stall_at_ns", 0) / 1e9 - ramp
        spans.append((t0, t0 + chaos["longest_stall_ns"] / 1e9,
                      "%slongest stall, %s" % (who, fmt_ns(chaos["longest_stall_ns"]))))
    for f in chaos.get("failed") or []:
        notes.append("%s%d %s operations failed with %s." % (who, f.get("count", 0),
                                                            f.get("op", "?"),
                                                            f.get("error", f.get("errno"))))
    return marks, spans, notes


def plp_image(inp, ev, plotter, index):
    """The PLP figure of input INP from its verdict's evidence EV (docs/plp.md): per method
    one spectrum with its flush (where the method has a flush call) and commit over the
    baseline's write; None when the phases are not in the result."""
    base = inp.dist(ev.get("baseline_phase"), "write")
    panels = []
    for m in ev.get("methods") or []:
        phase = m.get("phase")
        series = []
        if base is not None and base.total:
            series.append(("write, baseline %s (no flush)" % ev.get("baseline_phase"), base,
                           plotter.color(kind_index("write")), ":"))
        for kind in ("flush", "commit"):
            dist = inp.dist(phase, kind)
            if dist is not None and dist.total:
                series.append(("%s, phase %s" % (kind, phase), dist,
                               plotter.color(kind_index(kind)), "-"))
        if len(series) > 1:
            panels.append(("%s: flush and commit vs the baseline write" % m.get("sync"),
                           series))
    if not panels:
        return None
    image = plotter.plp_figure("00-plp-%d-spectra" % index, panels)
    image["alt"] = "PLP: flush and commit spectra of each sync method over the baseline write"
    return image


def kind_index(kind):
    """Position of KIND in OP_KINDS (4 for an unknown one): its colour with one input."""
    return OP_KINDS.index(kind) if kind in OP_KINDS else len(OP_KINDS)


def kinds_of(phase):
    ops = phase.get("ops") or {}
    return [k for k in OP_KINDS if k in ops] + sorted(k for k in ops if k not in OP_KINDS)


def fmt_bytes(n):
    if n is None:
        return "-"
    n = float(n)
    for unit, scale in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return "%.2f %s" % (n / scale, unit)
    return "%.0f B" % n


def default_title(inputs):
    names = sorted({inp.workload or "result" for inp in inputs})
    return "durabench report: " + ", ".join(names)


def main(argv):
    parser = argparse.ArgumentParser(
        prog="plot.py",
        description="Draw durabench results (schema_version 1) and the series `durabench "
                    "report` derived from them into PNG files and a self-contained index.html "
                    "(no JavaScript, images embedded).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output directory (created if missing); receives index.html "
                             "and the PNG files")
    parser.add_argument("--title", metavar="T", help="report title (default: the workloads)")
    parser.add_argument("files", nargs="+", metavar="FILE.json|DIR",
                        help="result files with FILE.series.json beside each (a report's "
                             "data/ files), or such a data/ directory")
    args = parser.parse_args(argv)

    inputs, bad = [], 0
    files = expand_inputs(args.files)
    if not files:
        sys.stderr.write("plot.py: no result files in %s\n" % " ".join(args.files))
        return 2
    for path in files:
        try:
            inputs.append(Input(path, *load_result(path)))
        except BadInput as e:
            sys.stderr.write("plot.py: %s: %s\n" % (path, e))
            bad += 1
    if bad:
        return 2
    name_inputs(inputs)

    plt, jinja2 = _import_dependencies()
    try:
        template = load_template(jinja2)
    except SetupError as e:
        sys.stderr.write("plot.py: %s\n" % e)
        return 2
    try:
        os.makedirs(args.out, exist_ok=True)
        plotter = Plotter(plt, args.out)
        report = Report(inputs, plotter, args.title or default_title(inputs))
        text = template.render(page=report.build())
        index = os.path.join(args.out, "index.html")
        tmp = index + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, index)
        # Nothing is removed: plots of an earlier report in the same directory stay beside this
        # one's (index.html shows only this report's), and a file this run did not write is never
        # deleted (durabench report checks the directory before calling this script).
    except OSError as e:
        sys.stderr.write("plot.py: writing %s: %s\n" % (e.filename or args.out, e.strerror or e))
        return 3
    print(index)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
