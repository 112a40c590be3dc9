#!/usr/bin/env python3
"""report_chromium_test: renders the HTML report that `durabench report` writes (with
scripts/plot.py) in headless chromium and checks that the page is drawn, that chromium
reports no console or resource error, and that in the document chromium built every figure
names each of its plots: a title, both axis labels and a legend placed next to the plot
(the parts list the report writes under each image, docs/report.md).

Usage: report_chromium_test.py --plot SCRIPTS/plot.py --data TESTS/report/data --durabench BIN
       [--chromium PATH] [--timeout SECONDS]

Exit 0 pass, 1 fail, 77 (CTest: skipped) with "skipped: <why>" when chromium, matplotlib or
Jinja2 is missing. Chromium runs in its own process group with a private profile in a temporary
directory; the group is killed on timeout and after every run, and any process still using
that profile is killed by PID, so no chromium outlives the test.
"""

import argparse
import html.parser
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77

# Lines of chromium's stderr that mean the page itself had a problem: console messages
# (console.log/error, uncaught exceptions: "INFO:CONSOLE(...)"), failed loads and blocked
# resources. dbus, GPU, vaapi and sandbox warnings are chromium's own noise and do not match.
PAGE_ERROR = re.compile(r"CONSOLE|Uncaught|ERR_FILE_NOT_FOUND|net::ERR_|Failed to load|"
                        r"Not allowed to load local resource|Refused to (load|execute)")

# A page that must produce console errors: proves that this chromium reports them on stderr,
# so that a clean report is a real pass and not a blind spot.
CANARY_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<h1>canary</h1><script>console.error("durabench-canary"); noSuchFunction();</script>
</body></html>
"""


CURRENT = []  # the chromium Popen running now, for the SIGTERM handler


def on_sigterm(_signum, _frame):
    """CTest's timeout ends this script with SIGTERM: take chromium's group down with it."""
    for proc in CURRENT:
        kill_group(proc)
    log("FAIL: terminated (timeout?)")
    os._exit(1)


def log(msg):
    print(msg, flush=True)


def kill_group(proc):
    """Kills the process group of PROC (chromium and every helper it started)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def pids_using(profile_dir):
    """PIDs whose command line names PROFILE_DIR (our private --user-data-dir)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if profile_dir.encode() in cmdline and int(entry) != os.getpid():
            found.append(int(entry))
    return found


def run_chromium(chromium, url, shot, tmp, window, timeout_s, dom=None):
    """Takes a screenshot of URL into SHOT, or with DOM (a path) writes the document as
    chromium built it there instead (--dump-dom); returns (exit status or None on timeout,
    stderr, stray PIDs that had to be killed afterwards)."""
    profile = tempfile.mkdtemp(prefix="profile-", dir=tmp)
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-networking", "--disable-extensions", "--no-first-run",
           "--no-default-browser-check", "--hide-scrollbars", "--user-data-dir=" + profile,
           "--enable-logging=stderr", "--v=0",
           "--dump-dom" if dom else "--screenshot=" + shot,
           "--window-size=%d,%d" % window, url]
    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp, XDG_CACHE_HOME=tmp)
    sink = open(dom, "wb") if dom else subprocess.PIPE
    proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE if dom else subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    CURRENT[:] = [proc]
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        kill_group(proc)
        stdout, stderr = proc.communicate()
        status = None
    if dom:
        sink.close()
    out = stderr if dom else stdout
    kill_group(proc)  # helpers that outlived the browser process
    CURRENT[:] = []
    strays = []
    for _ in range(20):
        strays_now = pids_using(profile)
        if not strays_now:
            break
        strays.extend(p for p in strays_now if p not in strays)
        for pid in strays_now:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    return status, out.decode("utf-8", "replace"), strays


class FigureChecker(html.parser.HTMLParser):
    """Reads the figures of the report's document: per <figure class="plot"> its plots'
    title, x and y label, legend entries and whether the legend sits next to its plot."""

    FIELDS = {"panel-title": "title", "panel-x": "x", "panel-y": "y", "legend-entry": "legend"}

    def __init__(self):
        super().__init__()
        self.figures = []  # [{"alt", "images", "panels": [{title, x, y, legend, placed}]}]
        self.field = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "figure" and "plot" in classes:
            self.figures.append({"alt": "", "images": 0, "panels": []})
        elif not self.figures:
            return
        elif tag == "img":
            self.figures[-1]["alt"] = a.get("alt") or ""
            self.figures[-1]["images"] += 1
        elif tag == "li" and "panel" in classes:
            self.figures[-1]["panels"].append({"title": "", "x": "", "y": "", "legend": [],
                                               "placed": a.get("data-legend-placed")})
        elif tag == "span" and self.figures[-1]["panels"]:
            self.field = next((self.FIELDS[c] for c in classes if c in self.FIELDS), None)
            if self.field == "legend":
                self.figures[-1]["panels"][-1]["legend"].append("")

    def handle_endtag(self, tag):
        if tag == "span":
            self.field = None

    def handle_data(self, data):
        if self.field:
            panel = self.figures[-1]["panels"][-1]
            if self.field == "legend":
                panel["legend"][-1] += data
            else:
                panel[self.field] += data


def figure_problems(dom_text):
    """(number of figures, [what is missing, one line each]) in the document DOM_TEXT."""
    checker = FigureChecker()
    checker.feed(dom_text)
    problems = []
    for i, fig in enumerate(checker.figures):
        name = fig["alt"] or "figure %d" % (i + 1)
        if fig["images"] != 1 or not fig["alt"]:
            problems.append("%s: %d images, alt %r" % (name, fig["images"], fig["alt"]))
        if not fig["panels"]:
            problems.append("%s: no plots listed" % name)
        for panel in fig["panels"]:
            missing = [k for k in ("title", "x", "y") if not panel[k].strip()]
            if not panel["legend"] or not all(e.strip() for e in panel["legend"]):
                missing.append("legend")
            elif panel["placed"] != "yes":
                missing.append("legend next to the plot")
            if missing:
                problems.append("%s, plot %r: no %s" % (name, panel["title"],
                                                        ", ".join(missing)))
    return len(checker.figures), problems


def page_errors(stderr):
    return [line for line in stderr.splitlines() if PAGE_ERROR.search(line)]


def screenshot_stats(path):
    """(width, height, distinct colours, share of non-white pixels, pixel stddev)."""
    from PIL import Image, ImageStat
    img = Image.open(path).convert("RGB")
    w, h = img.size
    colors = img.getcolors(maxcolors=1 << 22) or []
    white = sum(c for c, rgb in colors if min(rgb) >= 250)
    stddev = sum(ImageStat.Stat(img.convert("L")).stddev)
    return w, h, len(colors), 1.0 - white / float(w * h), stddev


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plot", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--durabench", required=True)
    parser.add_argument("--chromium", default="")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium or not os.access(chromium, os.X_OK):
        print("skipped: chromium not installed (Debian: apt-get install chromium)")
        return SKIP
    # plot.py needs matplotlib and jinja2 to make the report, the checks PIL.
    missing = [pkg for m, pkg in (("matplotlib", "python3-matplotlib"), ("PIL", "python3-pil"),
                                  ("jinja2", "python3-jinja2"))
               if importlib.util.find_spec(m) is None]
    if missing:
        print("skipped: %s not installed for %s" % (" and ".join(missing), sys.executable))
        return SKIP

    signal.signal(signal.SIGTERM, on_sigterm)
    tmp = tempfile.mkdtemp(prefix="durabench-chromium-test-")
    failures = []
    try:
        inputs = [os.path.join(args.data, f) for f in ("eval-tiny-ext4.json", "plp-ext4.json",
                                                       "ci-smoke-ext4.json",
                                                       "ci-smoke-tmpfs.json")]
        out = os.path.join(tmp, "report")
        proc = subprocess.run([args.durabench, "report", "-o", out, "--python", sys.executable,
                               "--title", "chromium render test"] + inputs,
                              capture_output=True, text=True, timeout=240,
                              env=dict(os.environ, DURABENCH_PLOT_SCRIPT=args.plot))
        if proc.returncode != 0:
            log("FAIL: durabench report exited %d:\n%s" % (proc.returncode, proc.stderr))
            return 1
        index = os.path.join(out, "index.html")

        # 1. The canary: this chromium must report a page's console errors on stderr.
        canary = os.path.join(tmp, "canary.html")
        with open(canary, "w", encoding="utf-8") as f:
            f.write(CANARY_HTML)
        status, stderr, strays = run_chromium(chromium, "file://" + canary,
                                              os.path.join(tmp, "canary.png"), tmp,
                                              (800, 600), args.timeout)
        if status is None:
            failures.append("chromium did not finish the canary page in %g s" % args.timeout)
        elif not any("durabench-canary" in line for line in page_errors(stderr)):
            failures.append("chromium did not report the canary's console error on stderr, so "
                            "console errors of the report could not be seen:\n" + stderr[-3000:])
        if strays:
            log("note: killed %d chromium helper(s) left after the canary" % len(strays))

        # 2. The report.
        shot = os.path.join(tmp, "shot.png")
        started = time.monotonic()
        status, stderr, strays = run_chromium(chromium, "file://" + index, shot, tmp,
                                              (1400, 3000), args.timeout)
        log("chromium rendered %s in %.1f s (exit %s)" % (index, time.monotonic() - started,
                                                            status))
        if strays:
            log("note: killed %d chromium helper(s) left after the report" % len(strays))
        if status is None:
            failures.append("chromium timed out after %g s" % args.timeout)
        elif status != 0:
            failures.append("chromium exited %d:\n%s" % (status, stderr[-3000:]))
        errors = page_errors(stderr)
        if errors:
            failures.append("console/resource errors:\n  " + "\n  ".join(errors))
        if not os.path.isfile(shot):
            failures.append("no screenshot written")
        else:
            w, h, distinct, inked, stddev = screenshot_stats(shot)
            log("screenshot %dx%d: %d colours, %.1f %% non-white, stddev %.1f"
                % (w, h, distinct, 100 * inked, stddev))
            if (w, h) != (1400, 3000):
                failures.append("screenshot is %dx%d, not 1400x3000" % (w, h))
            if distinct < 200 or inked < 0.03 or stddev < 10:
                failures.append("the screenshot looks blank (%d colours, %.1f %% non-white)"
                                % (distinct, 100 * inked))
        # 3. The document chromium built: every figure names its plots.
        dom = os.path.join(tmp, "dom.html")
        status, stderr, _strays = run_chromium(chromium, "file://" + index, None, tmp,
                                               (1400, 3000), args.timeout, dom=dom)
        if status != 0:
            failures.append("chromium --dump-dom exited %s:\n%s" % (status, stderr[-3000:]))
        else:
            with open(dom, encoding="utf-8", errors="replace") as f:
                dom_text = f.read()
            with open(index, encoding="utf-8") as f:
                images = f.read().count("<img ")
            count, problems = figure_problems(dom_text)
            log("%d figures in the document, %d images in index.html" % (count, images))
            if count != images or count == 0:
                failures.append("%d figures in the document for %d images" % (count, images))
            failures.extend("figure: " + p for p in problems)
        left = pids_using(tmp)
        if left:
            failures.append("chromium processes still running: %s" % left)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for f in failures:
        log("FAIL: " + f)
    if not failures:
        log("PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
