#!/usr/bin/env python3
"""plot_py_test: runs scripts/plot.py on the result fixtures of tests/report/data and checks
the report it writes (docs/report.md). plot.py draws the series `durabench report` derives, so
every case first has `durabench report --data-only` prepare its inputs, as `durabench report`
does.

Usage: plot_py_test.py --plot SCRIPTS/plot.py --data TESTS/report/data --durabench BIN
       [unittest args]

Exit 77 (CTest: skipped) with "skipped: <why>" when matplotlib or Jinja2 is missing. Each case
writes into its own temporary directory, removed afterwards; each run of plot.py has a timeout.
"""

import argparse
import base64
import html
import html.parser
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SKIP = 77
# What plot.py and these checks import, with the Debian packages that have them.
NEEDED = (("matplotlib", "python3-matplotlib"), ("PIL", "python3-pil"),
          ("jinja2", "python3-jinja2"))
RUN_TIMEOUT_S = 240
OP_KINDS = ("read", "write", "flush", "commit")

ARGS = None  # parsed --plot / --data / --durabench


def png_stats(data):
    """(width, height, distinct colours, share of non-white pixels) of PNG bytes."""
    from PIL import Image  # python3-pil comes with python3-matplotlib
    img = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = img.size
    colors = img.getcolors(maxcolors=1 << 20)
    distinct = len(colors) if colors is not None else 1 << 20
    white = sum(c for c, rgb in colors if min(rgb) >= 250) if colors else 0
    return w, h, distinct, 1.0 - white / float(w * h)


def expected_plots(doc):
    """Images plot.py draws for one result: per phase, one per op kind with samples, plus the
    time series where the phase has one; and the PLP figure of a plp or eval verdict."""
    n = 1 if "evidence" in doc or "plp" in (doc.get("report_card") or {}) else 0
    for phase in doc["phases"]:
        n += sum(1 for k, op in phase.get("ops", {}).items()
                 if op["count"] > 0 and op["lat_ns"].get("histogram", {}).get("bins"))
        if (phase.get("time_series") or {}).get("intervals"):
            n += 1
    return n


class FigureParser(html.parser.HTMLParser):
    """The figures of a report (docs/report.md): per <figure class="plot"> its image's alt
    text and, per plot, {title, x, y, legend: [entries], placed} from its parts list."""

    FIELDS = {"panel-title": "title", "panel-x": "x", "panel-y": "y", "legend-entry": "legend"}

    def __init__(self):
        super().__init__()
        self.figures = []
        self.field = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "figure" and "plot" in classes:
            self.figures.append({"alt": None, "panels": []})
        elif not self.figures:
            return
        elif tag == "img":
            self.figures[-1]["alt"] = a.get("alt")
        elif tag == "li" and "panel" in classes:
            self.figures[-1]["panels"].append({"title": "", "x": "", "y": "", "legend": [],
                                               "placed": a.get("data-legend-placed")})
        elif tag == "span":
            self.field = next((self.FIELDS[c] for c in classes if c in self.FIELDS), None)
            if self.field == "legend":
                self.figures[-1]["panels"][-1]["legend"].append("")

    def handle_endtag(self, tag):
        if tag == "span":
            self.field = None

    def handle_data(self, data):
        if self.field and self.figures and self.figures[-1]["panels"]:
            panel = self.figures[-1]["panels"][-1]
            if self.field == "legend":
                panel["legend"][-1] += data
            else:
                panel[self.field] += data


def figures_of(text):
    parser = FigureParser()
    parser.feed(text)
    return parser.figures


def fixture(name):
    return os.path.join(ARGS.data, name)


def load(name):
    with open(fixture(name), encoding="utf-8") as f:
        return json.load(f)


class PlotTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="durabench-plot-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def derive(self, files):
        """`durabench report --data-only FILES`: returns the result files it wrote (each with
        its .series.json beside it), in the order of FILES."""
        out = tempfile.mkdtemp(prefix="derived-", dir=self.tmp)
        proc = subprocess.run([ARGS.durabench, "report", "--data-only", *files, "-o", out],
                              capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        self.assertEqual(proc.returncode, 0, "durabench report --data-only failed:\n"
                         + proc.stderr)
        data = os.path.join(out, "data")
        return sorted(os.path.join(data, f) for f in os.listdir(data)
                      if not f.endswith(".series.json"))

    def plot(self, *args, script=None, env=None):
        """Runs plot.py (or SCRIPT) with ARGS; returns (exit status, stdout, stderr)."""
        proc = subprocess.run([sys.executable, script or ARGS.plot] + list(args),
                              capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env)
        return proc.returncode, proc.stdout, proc.stderr

    def render(self, files, name="out", extra=(), script=None, derive=True):
        """Runs plot.py on FILES (derived first, unless DERIVE is false: FILES are then
        already a report's data files or directory) and checks the common contract; returns
        (out dir, index.html text)."""
        out = os.path.join(self.tmp, name)
        if derive:
            files = self.derive(files)
        rc, stdout, stderr = self.plot("--out", out, *extra, *files, script=script)
        self.assertEqual(rc, 0, "plot.py failed:\n" + stderr)
        index = os.path.join(out, "index.html")
        self.assertEqual(stdout.strip().splitlines()[-1], index)
        self.assertTrue(os.path.isfile(index))
        with open(index, encoding="utf-8") as f:
            text = f.read()
        self.check_self_contained(text)
        self.check_images(out, text)
        self.figures = self.check_figures(text)
        return out, text

    def check_figures(self, text):
        """Every figure names each of its plots: a title, both axis labels and a legend of at
        least one entry, placed inside the figure next to its plot; returns the figures."""
        figures = figures_of(text)
        self.assertEqual(len(figures), len(re.findall(r"<img\b", text)))
        for fig in figures:
            self.assertTrue(fig["alt"])
            self.assertTrue(fig["panels"], fig["alt"])
            for panel in fig["panels"]:
                where = "%s: %r" % (fig["alt"], panel)
                for key in ("title", "x", "y"):
                    self.assertTrue(panel[key].strip(), where)
                self.assertTrue(panel["legend"] and all(e.strip() for e in panel["legend"]),
                                where)
                self.assertEqual(panel["placed"], "yes", where)
        return figures

    def check_self_contained(self, text):
        """No JavaScript and nothing loaded from outside the file."""
        self.assertTrue(text.startswith("<!DOCTYPE html>"))
        self.assertNotRegex(text, r"(?i)<script|javascript:|<[^>]*\son[a-z]+\s*=")
        self.assertNotRegex(text, r"(?i)<link|@import|url\(|<iframe|<object|<embed")
        for m in re.finditer(r'(?i)\b(src|href)\s*=\s*"([^"]*)"', text):
            attr, value = m.group(1).lower(), m.group(2)
            if attr == "src":
                self.assertTrue(value.startswith("data:image/png;base64,"), value[:80])
            else:
                self.assertTrue(value.startswith("#"), "external link " + value)

    def check_images(self, out, text):
        """One <img> per PNG file; each decodes, matches its file and is not blank."""
        srcs = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
        files = sorted(f for f in os.listdir(out) if f.endswith(".png"))
        self.assertEqual(len(srcs), len(files))
        self.assertEqual(len(re.findall(r"<img\b", text)), len(srcs))
        on_disk = set()
        for f in files:
            with open(os.path.join(out, f), "rb") as fh:
                on_disk.add(fh.read())
        for b64 in srcs:
            data = base64.b64decode(b64, validate=True)
            self.assertTrue(data.startswith(b"\x89PNG\r\n\x1a\n"))
            self.assertIn(data, on_disk)
            w, h, distinct, inked = png_stats(data)
            self.assertGreaterEqual(w, 600)
            self.assertGreaterEqual(h, 300)
            self.assertGreater(distinct, 50, "image with %d colours looks blank" % distinct)
            self.assertGreater(inked, 0.01, "image is %.1f %% ink" % (100 * inked))
        self.image_count = len(srcs)

    def assertContains(self, needle, text):  # noqa: N802 (unittest style)
        """assertIn that names only the needle, not the whole report; quotes may be escaped
        either way (same_quotes)."""
        if same_quotes(needle) not in same_quotes(text):
            self.fail("not in the report: %r" % needle)

    def check_sections(self, text, doc):
        """One section per phase, in order, with a latency figure per op kind."""
        heads = re.findall(r'<h2 id="phase-(\d+)">Phase \1: (.*?)</h2>', text)
        self.assertEqual([int(n) for n, _ in heads], list(range(1, len(heads) + 1)))
        names = [html.unescape(name) for _, name in heads]
        positions = [names.index(p["name"]) for p in doc["phases"]]
        self.assertEqual(positions, sorted(positions))
        for phase in doc["phases"]:
            for kind in phase["ops"]:
                self.assertContains('alt="%s latency, phase %s: spectrum, histogram, CDF"'
                                    % (kind, escape(phase["name"])), text)

    # -- the cases --------------------------------------------------------------------------

    def test_one_input(self):
        doc = load("ci-smoke-ext4.json")
        _out, text = self.render([fixture("ci-smoke-ext4.json")], extra=("--title", "one <&>"))
        self.assertContains("<title>one &lt;&amp;&gt;</title>", text)
        self.assertContains('<h2 id="summary">Summary</h2>', text)
        self.assertContains("%s (%s)" % (doc["target"]["path"], doc["probe"]["backend_kind"]),
                            text)
        self.assertContains("ci-smoke", text)
        for head in ("p50", "p99", "p99.9", "max", "IOPS", "count"):
            self.assertContains("<th>%s</th>" % head, text)
        self.assertContains("IOPS and p99 per interval", text)
        self.check_sections(text, doc)
        self.assertEqual(self.image_count, expected_plots(doc))
        self.assertNotIn("Verdicts", text)
        # Units in the table: a microsecond or millisecond figure, never a raw ns count.
        self.assertRegex(text, r'<td class="n">[0-9.]+ (µs|ms)</td>')

    def test_three_inputs_overlay(self):
        copy = os.path.join(self.tmp, "ext4-again.json")
        shutil.copy(fixture("ci-smoke-ext4.json"), copy)
        files = [fixture("ci-smoke-ext4.json"), fixture("ci-smoke-tmpfs.json"), copy]
        _out, text = self.render(files)
        ext4, tmpfs = load("ci-smoke-ext4.json"), load("ci-smoke-tmpfs.json")
        self.assertContains("%s (%s)" % (tmpfs["target"]["path"],
                                         tmpfs["probe"]["backend_kind"]), text)
        # The two identical labels are told apart by their file names.
        label = "%s (%s) · ci-smoke" % (ext4["target"]["path"], ext4["probe"]["backend_kind"])
        self.assertContains(label + " [01-ci-smoke-ext4.json]", text)
        self.assertContains(label + " [03-ext4-again.json]", text)
        # Overlays: one figure per phase and op kind, however many inputs.
        self.check_sections(text, ext4)
        self.assertEqual(self.image_count, expected_plots(ext4))

    def test_plp_and_eval_verdicts(self):
        plp, ev = load("plp-ext4.json"), load("eval-tiny-ext4.json")
        _out, text = self.render([fixture("plp-ext4.json"), fixture("eval-tiny-ext4.json")])
        self.assertContains('<h2 id="verdicts">Verdicts</h2>', text)
        self.assertLess(text.index("Verdicts"), text.index('id="summary"'))
        for doc in (plp, ev):
            self.assertContains('<span class="badge">%s</span>' % doc["verdict"], text)
        self.assertContains(escape(plp["headline"]), text)
        for line in plp["explanation"]:
            self.assertContains(escape(line), text)
        self.assertContains(escape(ev["report_card"]["plp"]["headline"]), text)
        for row in ("report card", "PLP", "Ceph WAL", "etcd WAL", "PostgreSQL WAL",
                    "Sustained write", "Tail outliers"):
            self.assertContains(">%s</th>" % row, text)
        self.assertContains("rating %s" % ev["report_card"]["ceph_wal"]["rating"], text)
        self.check_sections(text, ev)
        self.check_sections(text, plp)
        names = {p["name"] for p in ev["phases"]} | {p["name"] for p in plp["phases"]}
        self.assertEqual(len(re.findall(r'<section class="phase">', text)), len(names))
        # Phases differ between the two inputs: every phase gets its own figures.
        self.assertEqual(self.image_count, expected_plots(ev) + expected_plots(plp))

    def test_audits_in_the_verdict(self):
        """plp --audit results (docs/audit.md) are listed under the verdict, one row a cut."""
        doc = load("plp-ext4.json")
        doc["headline"] = ("flush-costly but LOST acknowledged writes in 1 of 2 cuts: the drive "
                           "lies about flushes")
        doc["evidence"]["audits"] = [
            {"source": "/x/cut1.json", "verdict": "kept", "acknowledged_writes": 1200,
             "lost_writes": 0, "corrupt": 0, "misdirected": 0},
            {"source": "/x/cut2.json", "verdict": "lost-acknowledged-writes",
             "acknowledged_writes": 900, "lost_writes": 211, "corrupt": 1, "misdirected": 0}]
        doc["evidence"]["lost_acknowledged_writes"] = True
        path = os.path.join(self.tmp, "plp-audited.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        _out, text = self.render([path])
        self.assertContains("<th>audit (a cut)</th>", text)
        self.assertContains("LOST acknowledged writes in 1 of 2 cuts", text)
        self.assertContains("<td>cut2.json</td><td>lost-acknowledged-writes</td>", text)
        self.assertContains('<td class="n">211</td>', text)

    def test_undecided_verdict_with_penalty_intervals(self):
        """plp's interval per method (docs/plp.md) is shown, with the decision it allows, and a
        penalty below the baseline keeps its sign."""
        doc = load("plp-ext4.json")
        doc["verdict"] = "undecided"
        doc["headline"] = "undecided: the fdatasync penalty is 212 µs (p50) but could be ..."
        m = doc["evidence"]["methods"][0]
        m["penalty_p50_interval"] = {"low_ns": 150000, "high_ns": 3300000,
                                     "confidence": 0.9375, "over": "rounds", "count": 5}
        m["decision"] = "undecided"
        m["penalty_p99_ns"] = -35000
        path = os.path.join(self.tmp, "plp-undecided.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        _out, text = self.render([path])
        self.assertContains("<th>p50 penalty interval</th>", text)
        self.assertContains('<td class="n">150 µs to 3.3 ms (94 %, 5 rounds)</td>'
                            "<td>undecided</td>", text)
        self.assertContains('<td class="n">-35 µs</td>', text)
        self.assertContains('class="verdict warn"', text)

    def test_no_time_series(self):
        doc = load("ci-smoke-ext4.json")
        for phase in doc["phases"]:  # as a fio json+ import has it: no intervals
            phase["time_series"]["intervals"] = []
        path = os.path.join(self.tmp, "from-fio.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        _out, text = self.render([path])
        self.assertContains("no time series in this result", text)
        self.assertEqual(self.image_count, expected_plots(doc))

    def test_rerun_same_dir_removes_nothing(self):
        """A second report into the same directory shows only its own plots and deletes no file,
        not even one named like a plot (a user's dated screenshot)."""
        out, _text = self.render([fixture("plp-ext4.json")], name="again")
        first = sorted(f for f in os.listdir(out) if f.endswith(".png"))
        mine = os.path.join(out, "01-2026-12-02-screenshot.png")
        shutil.copy(os.path.join(out, first[0]), mine)
        with open(mine, "rb") as f:
            kept = f.read()
        again = self.derive([fixture("ci-smoke-tmpfs.json")])
        rc, _stdout, stderr = self.plot("--out", out, *again)
        self.assertEqual(rc, 0, stderr)
        with open(mine, "rb") as f:
            self.assertEqual(f.read(), kept)
        for name in first:
            self.assertTrue(os.path.exists(os.path.join(out, name)), name)
        with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
            text = f.read()
        srcs = re.findall(r'<img src="data:image/png;base64,', text)
        self.assertEqual(len(srcs), expected_plots(load("ci-smoke-tmpfs.json")))

    def test_bad_inputs_exit_2(self):
        not_json = os.path.join(self.tmp, "not-json.json")
        with open(not_json, "w", encoding="utf-8") as f:
            f.write("phases: [this is not JSON\n")
        doc = load("ci-smoke-ext4.json")
        doc["schema_version"] = 2
        wrong = os.path.join(self.tmp, "schema-2.json")
        with open(wrong, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        array = os.path.join(self.tmp, "array.json")
        with open(array, "w", encoding="utf-8") as f:
            f.write("[1, 2]\n")
        missing = os.path.join(self.tmp, "missing.json")
        # A result without its series, and one changed after its series was derived.
        good, stale = self.derive([fixture("ci-smoke-ext4.json"), fixture("ci-smoke-tmpfs.json")])
        no_series = os.path.join(self.tmp, "no-series.json")
        shutil.copy(fixture("ci-smoke-tmpfs.json"), no_series)
        with open(stale, "a", encoding="utf-8") as f:
            f.write("\n")
        out = os.path.join(self.tmp, "out")
        rc, _stdout, stderr = self.plot("--out", out, good, not_json, wrong, array, missing,
                                        no_series, stale)
        self.assertEqual(rc, 2, stderr)
        lines = stderr.strip().splitlines()
        self.assertEqual(len(lines), 6, stderr)
        for path, why in ((not_json, "not JSON"), (wrong, "schema_version 2"),
                          (array, "not a durabench result"), (missing, "cannot read"),
                          (no_series, "no derived series beside it"),
                          (stale, "derived from another file")):
            matching = [l for l in lines if path in l]
            self.assertEqual(len(matching), 1, stderr)
            self.assertIn(why, matching[0])
        self.assertFalse(os.path.exists(os.path.join(out, "index.html")))

    def test_usage(self):
        rc, stdout, _stderr = self.plot("--help")
        self.assertEqual(rc, 0)
        for word in ("--out", "--title", "examples:", "plot.py --out"):
            self.assertIn(word, stdout)
        rc, _stdout, stderr = self.plot(fixture("ci-smoke-ext4.json"))  # no --out
        self.assertEqual(rc, 2)
        self.assertIn("--out", stderr)

    def test_markup_in_title_and_names_is_escaped(self):
        """A title, workload and phase name holding <script>&" are shown as text: escaped in
        elements and in attributes (the figures' alt), never markup."""
        doc = load("ci-smoke-tmpfs.json")
        evil = '<script>&"\''
        doc["workload"]["name"] = "w " + evil
        doc["phases"][0]["name"] = "p " + evil
        doc["errors"] = ["e " + evil]
        path = os.path.join(self.tmp, "markup.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        # render() fails on any <script in the page.
        _out, text = self.render([path], extra=("--title", "t " + evil))
        for needle in ("<title>t %s</title>" % escape(evil), "<h1>t %s</h1>" % escape(evil),
                       "<h2 id=\"phase-1\">Phase 1: p %s</h2>" % escape(evil),
                       "run error: e %s</p>" % escape(evil),
                       "<td>w %s</td>" % escape(evil)):
            self.assertContains(needle, text)
        self.assertEqual(text.count(evil), 0)
        self.check_sections(text, doc)

    def test_missing_template_exit_2(self):
        """plot.py without report.html.j2 beside it exits 2 with one line naming the path it
        looked at, before it writes anything."""
        copy_dir = os.path.join(self.tmp, "alone")
        os.mkdir(copy_dir)
        script = os.path.join(copy_dir, "plot.py")
        shutil.copy(ARGS.plot, script)
        out = os.path.join(self.tmp, "out")
        files = self.derive([fixture("ci-smoke-tmpfs.json")])
        rc, stdout, stderr = self.plot("--out", out, *files, script=script)
        self.assertEqual(rc, 2, stderr)
        self.assertEqual(stdout, "")
        lines = stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, stderr)
        self.assertIn(os.path.join(copy_dir, "report.html.j2"), lines[0])
        self.assertTrue(lines[0].startswith("plot.py: "), lines[0])
        self.assertFalse(os.path.exists(out))

    def test_template_found_through_a_symbolic_link(self):
        """A link to plot.py (the build tree's BUILD/src/share/durabench/plot.py) finds the
        template beside the script it points to, not beside the link."""
        link_dir = os.path.join(self.tmp, "link")
        os.mkdir(link_dir)
        link = os.path.join(link_dir, "plot.py")
        os.symlink(os.path.realpath(ARGS.plot), link)
        _out, text = self.render([fixture("ci-smoke-tmpfs.json")], script=link)
        self.assertContains('<h2 id="summary">Summary</h2>', text)

    def test_missing_jinja2_exit_2(self):
        """Without Jinja2 plot.py exits 2 with one line naming the Debian package."""
        hide = os.path.join(self.tmp, "hide", "jinja2")
        os.makedirs(hide)
        with open(os.path.join(hide, "__init__.py"), "w", encoding="utf-8") as f:
            f.write('raise ImportError("hidden by plot_py_test")\n')
        env = dict(os.environ, PYTHONPATH=os.path.dirname(hide), DURABENCH_PLOT_REEXEC="1",
                   PYTHONDONTWRITEBYTECODE="1")
        out = os.path.join(self.tmp, "out")
        files = self.derive([fixture("ci-smoke-tmpfs.json")])
        rc, _stdout, stderr = self.plot("--out", out, *files, env=env)
        self.assertEqual(rc, 2, stderr)
        lines = stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, stderr)
        self.assertIn("jinja2", lines[0])
        self.assertIn("python3-jinja2", lines[0])
        self.assertNotIn("matplotlib", lines[0])
        self.assertFalse(os.path.exists(out))

    def test_a_data_directory_is_drawn_in_order(self):
        """plot.py DIR draws a report's data/ directory: its results in file order, the
        series files not taken for results."""
        files = self.derive([fixture("plp-ext4.json"), fixture("eval-tiny-ext4.json")])
        _out, text = self.render([os.path.dirname(files[0])], derive=False)
        self.assertContains("01-plp-ext4.json", text)
        self.assertContains("02-eval-tiny-ext4.json", text)
        self.assertNotIn("series.json", text)
        self.assertLess(text.index("01-plp-ext4.json"), text.index("02-eval-tiny-ext4.json"))

    def figure(self, alt):
        """The figure of the last render whose alt text is ALT."""
        found = [f for f in self.figures if f["alt"] == alt]
        self.assertEqual(len(found), 1, "figures: %s" % [f["alt"] for f in self.figures])
        return found[0]

    def drawn(self, files):
        """Renders FILES through plot.Report with a Plotter that keeps, per image name, what
        each axes drew: {name: [{title, lines: [(label, linestyle, marker, x)], steps: n,
        legend_pt}]}."""
        plot = import_plot()
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import StepPatch
        kept = {}

        class Keeping(plot.Plotter):
            def save(self, fig, name):
                kept[name] = [{
                    "title": ax.get_title(),
                    "lines": [(ln.get_label(), ln.get_linestyle(), ln.get_marker(),
                               list(ln.get_xdata())) for ln in ax.get_lines()],
                    "steps": sum(1 for pa in ax.patches if isinstance(pa, StepPatch)),
                    "legend_pt": (ax.get_legend().get_texts()[0].get_fontsize()
                                  if ax.get_legend() else None),
                } for ax in fig.axes]
                return super().save(fig, name)

        inputs = [plot.Input(path, *plot.load_result(path)) for path in self.derive(files)]
        plot.name_inputs(inputs)
        out = tempfile.mkdtemp(prefix="drawn-", dir=self.tmp)
        page = plot.Report(inputs, Keeping(plt, out), "t").build()
        return kept, page

    def test_several_inputs_histogram_is_lines_not_a_picket_fence(self):
        """Three inputs: each histogram a line through its bins' centres (no steps dropping to
        the axis at every bin edge); one input keeps the steps."""
        copy = os.path.join(self.tmp, "ext4-again.json")
        shutil.copy(fixture("ci-smoke-ext4.json"), copy)
        kept, _page = self.drawn([fixture("ci-smoke-ext4.json"), fixture("ci-smoke-tmpfs.json"),
                                  copy])
        hists = [ax for name, axes in kept.items() if not name.endswith("timeseries")
                 for ax in axes if ax["title"].startswith("Histogram")]
        self.assertTrue(hists)
        for ax in hists:
            self.assertEqual(ax["steps"], 0, ax["title"])
            self.assertEqual(len(ax["lines"]), 3, ax["title"])
            for label, _style, marker, xs in ax["lines"]:
                self.assertEqual(marker, ".", label)
                self.assertEqual(xs, sorted(set(xs)), label)  # no vertical segment
        kept, _page = self.drawn([fixture("ci-smoke-ext4.json")])
        for name, axes in kept.items():
            for ax in axes:
                if ax["title"].startswith("Histogram"):
                    self.assertEqual((ax["steps"], ax["lines"]), (1, []), name)

    def test_corrected_latency_is_dashed_in_every_plot(self):
        """An open-loop phase: spectrum, histogram and CDF each draw the latency from the
        scheduled start dashed beside the measured one."""
        kept, _page = self.drawn([fixture("open-loop-tmpfs.json")])
        doc = load("open-loop-tmpfs.json")
        corrected = [k for k, op in doc["phases"][0]["ops"].items() if "co_lat_ns" in op]
        self.assertTrue(corrected)
        for kind in corrected:
            axes = kept["01-%s-%s" % (plot_slug(doc["phases"][0]["name"]), kind)]
            self.assertEqual(len(axes), 3)
            for ax in axes:
                styles = {label: style for label, style, _m, _x in ax["lines"]}
                if ax["steps"]:
                    self.fail("%s: steps with a corrected twin" % ax["title"])
                self.assertEqual(styles.get(kind), "-", ax["title"])
                self.assertEqual(
                    styles.get(kind + " (from scheduled start, CO-corrected)"), "--",
                    ax["title"])

    def test_legends_are_readable_and_below_their_own_plot(self):
        kept, _page = self.drawn([fixture("plp-ext4.json")])
        for name, axes in kept.items():
            for ax in axes:
                self.assertIsNotNone(ax["legend_pt"], "%s: %s" % (name, ax["title"]))
                self.assertGreaterEqual(ax["legend_pt"], 9, name)
        # ... and in the page: check_figures, which render() runs, asserts "next to it".
        self.render([fixture("plp-ext4.json")])

    def test_time_series_has_a_row_per_op_kind(self):
        """write, flush and commit of a flush phase have the same rate: each gets its own
        plots instead of three lines on top of each other."""
        doc = load("ci-smoke-ext4.json")
        _out, text = self.render([fixture("ci-smoke-ext4.json")])
        for phase in doc["phases"]:
            fig = self.figure("IOPS and p99 per interval, phase %s" % phase["name"])
            kinds = [k for k in OP_KINDS if k in phase["ops"]]
            titles = [p["title"] for p in fig["panels"]]
            self.assertEqual(len(titles), 2 * len(kinds), titles)
            for i, kind in enumerate(kinds):
                self.assertTrue(titles[2 * i].startswith(kind + ": operations per second"))
                self.assertTrue(titles[2 * i + 1].startswith(kind + ": p99 latency"))
                self.assertEqual(fig["panels"][2 * i]["legend"], [kind])

    def test_faults_are_marked_on_the_time_series(self):
        """A phase with faults (docs/chaos.md): every plot of its time series has a dashed
        line where each command started and the longest stall shaded, each in its legend, and
        a note per command says what it did."""
        doc = load("chaos-tmpfs.json")
        phase = doc["phases"][0]
        chaos = phase["chaos"]
        fault = phase["faults"][0]
        _out, text = self.render([fixture("chaos-tmpfs.json")])
        fig = self.figure("IOPS and p99 per interval, phase %s, with its faults marked"
                          % phase["name"])
        at = fault["action"]["started_ns"] / 1e9
        undo_at = fault["undone"]["started_ns"] / 1e9
        stall = chaos["longest_stall_ns"] / 1e9
        want_fault = "fault at %.1f s: kill -STOP $PPID; sleep 1; kill -CONT $PPID" % at
        want_undo = "undo at %.1f s: true" % undo_at
        self.assertEqual(len(fig["panels"]), 2 * len(phase["ops"]))
        for panel in fig["panels"]:
            self.assertIn(want_fault, panel["legend"], panel["title"])
            self.assertIn(want_undo, panel["legend"], panel["title"])
            stalls = [e for e in panel["legend"] if e.startswith("longest stall, ")]
            self.assertEqual(len(stalls), 1, panel["legend"])
            self.assertTrue(stalls[0].endswith(" s"), stalls[0])
            self.assertAlmostEqual(float(stalls[0].split(", ")[1][:-2]), stall, places=2)
        self.assertContains("fault at %.1f s, kill -STOP $PPID; sleep 1; kill -CONT $PPID "
                            "(exit 0): longest stall" % at, text)
        self.assertContains("the rate did not come back before the next command or the end",
                            text)

    def test_a_long_fault_command_keeps_what_it_does(self):
        """A lab command named by absolute paths is too long for a legend: the paths are cut
        to their last part, so the action and its node still show."""
        doc = load("chaos-tmpfs.json")
        fault = doc["phases"][0]["faults"][0]
        fault["run"] = "/home/someone/src/durabench/scripts/lab.sh /var/tmp/lab power-off 2"
        fault["undo"] = "/home/someone/src/durabench/scripts/lab.sh /var/tmp/lab node-start 2"
        path = os.path.join(self.tmp, "chaos-lab.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        self.render([path])
        fig = self.figure("IOPS and p99 per interval, phase %s, with its faults marked"
                          % doc["phases"][0]["name"])
        at = fault["action"]["started_ns"] / 1e9
        undo_at = fault["undone"]["started_ns"] / 1e9
        for panel in fig["panels"]:
            self.assertIn("fault at %.1f s: lab.sh lab power-off 2" % at, panel["legend"])
            self.assertIn("undo at %.1f s: lab.sh lab node-start 2" % undo_at, panel["legend"])

    def test_plp_verdict_overlays_baseline_write_flush_and_commit(self):
        doc = load("plp-ext4.json")
        ev = doc["evidence"]
        _out, text = self.render([fixture("plp-ext4.json")])
        fig = self.figure("PLP: flush and commit spectra of each sync method over the "
                          "baseline write")
        self.assertLess(text.index("PLP: flush and commit spectra"), text.index('id="summary"'))
        self.assertEqual(len(fig["panels"]), len(ev["methods"]))
        base = "write, baseline %s (no flush)" % ev["baseline_phase"]
        for panel, m in zip(fig["panels"], ev["methods"]):
            self.assertEqual(panel["title"],
                             "%s: flush and commit vs the baseline write" % m["sync"])
            phase = next(p for p in doc["phases"] if p["name"] == m["phase"])
            want = [base] + ["%s, phase %s" % (k, m["phase"]) for k in ("flush", "commit")
                             if k in phase["ops"]]
            self.assertEqual(panel["legend"], want)

    def test_spec_lines_are_in_durabench_words(self):
        _out, text = self.render([fixture("plp-ext4.json")])
        self.assertContains("engine=psync, pattern=randwrite, block_size=4KiB, iodepth=1, "
                            "jobs=1, direct=true, sync=fdatasync, fsync_every=1", text)
        # Nowhere a Python boolean: not in the spec lines, not in the device facts.
        found = re.findall(r"\w+=(?:True|False|None)\b", text)
        self.assertEqual(found, [])
        self.assertContains("reports_volatile_cache=true", text)
        self.assertNotIn("block_size_bytes=", text)

    def test_the_report_shows_durabench_percentiles(self):
        """The series hold exactly the percentiles durabench wrote into the result, and the
        summary table prints them: plot.py computes none of its own."""
        plot = import_plot()
        names = sorted(n for n in os.listdir(ARGS.data) if n.endswith(".json"))
        derived = self.derive([fixture(n) for n in names])
        checked = 0
        for path in derived:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            with open(plot.series_path(path), encoding="utf-8") as f:
                series = json.load(f)
            self.assertEqual(len(series["phases"]), len(doc["phases"]))
            for phase, sphase in zip(doc["phases"], series["phases"]):
                self.assertEqual(sorted(sphase["ops"]), sorted(phase["ops"]))
                for kind, op in phase["ops"].items():
                    lat, s = op["lat_ns"], sphase["ops"][kind]["lat_ns"]
                    where = "%s %s %s" % (path, phase["name"], kind)
                    self.assertEqual(s["count"], op["count"], where)
                    self.assertEqual(s["percentiles"], lat["percentiles"], where)
                    checked += len(lat["percentiles"])
                    if not s["count"]:
                        continue
                    ns = s["spectrum"]["ns"]
                    self.assertEqual(ns, sorted(ns), where)  # a spectrum never decreases
                    self.assertEqual(ns[-1], lat["max"], where)
                    self.assertEqual(s["spectrum"]["x"], sorted(s["spectrum"]["x"]), where)
                    self.assertEqual(s["cdf"]["pct"][-1], 100.0, where)
                    self.assertAlmostEqual(sum(s["histogram"]["pct"]), 100.0, delta=0.01)
        self.assertGreater(checked, 50)
        _out, text = self.render([derived[names.index("ci-smoke-ext4.json")]], derive=False)
        write = load("ci-smoke-ext4.json")["phases"][0]["ops"]["write"]["lat_ns"]["percentiles"]
        self.assertContains('<td class="n">%s</td>' % plot.fmt_ns(write["99"]), text)


def import_plot():
    """scripts/plot.py as a module."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(ARGS.plot)))
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    import plot  # noqa: E402 (the script under test)
    return plot


def plot_slug(text):
    return import_plot().slug(text)


def escape(text):
    return html.escape(text, quote=True)


def same_quotes(text):
    """TEXT with every character reference to a quote spelt one way: html.escape writes &quot;
    and &#x27;, Jinja2 &#34; and &#39;, and a browser reads them all alike."""
    text = re.sub(r"&(quot|#34|#x22);", "&quot;", text, flags=re.IGNORECASE)
    return re.sub(r"&(apos|#39|#x27);", "&#x27;", text, flags=re.IGNORECASE)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--plot", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--durabench", required=True)
    ARGS, rest = parser.parse_known_args()
    missing = [pkg for m, pkg in NEEDED if importlib.util.find_spec(m) is None]
    if missing:
        print("skipped: %s not installed for %s" % (" and ".join(missing), sys.executable))
        return SKIP
    prog = unittest.main(argv=[sys.argv[0], "-v"] + rest, exit=False)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
