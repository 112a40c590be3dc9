#!/usr/bin/env python3
"""The manual page and the bash completion say what the binary's --help says.

  cli_docs_test.py man DURABENCH docs/durabench.1
      groff renders the page without a warning; its version is the binary's; every command of
      `durabench --help` has a subsection, and each subsection's options (the .TP/.TQ tags) are
      exactly those the command's --help lists, an argument shown where the option takes a
      value; the cluster options are under CLUSTER OPTIONS, which each command that takes them
      points to.
  cli_docs_test.py completion DURABENCH scripts/durabench-completion.bash
      bash -n passes; sourced, it registers `complete -F _durabench durabench`; run as bash
      would, it completes the commands, each command's options (exactly its --help's), no
      option where an option's value goes, the workloads, engines and sync methods of
      `durabench list`, and file names after --output= .

Exit 0 passed, 1 failed (each difference printed), 77 skipped (groff or bash missing).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile


def fail(problems):
    for p in problems:
        print("FAIL: " + p)
    sys.exit(1 if problems else 0)


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)


# ---------------------------------------------------------------------------------------------
# What --help says


class Option:
    def __init__(self, names, valued, group):
        self.names = names  # ["-t", "--target"]
        self.valued = valued  # takes a value (CLI11 shows its type: TEXT, UINT, TEXT:FILE ...)
        self.group = group  # "Options", "Clusters (...)", "Workload keys (...)"


def parse_help(text):
    """Returns (commands, options): the Subcommands section's names, and the Option list."""
    commands, options = [], []
    heading = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            heading = line[:-1]
            continue
        if not line.startswith("  ") or line.startswith("   "):
            continue
        if heading == "Subcommands":
            commands.append(line.split()[0])
        elif heading not in (None, "Positionals") and line.lstrip().startswith("-"):
            # "  -t,--target TEXT REQUIRED   Description": the name, then its type, then two or
            # more spaces before the description (or the description on the next line).
            spec = re.split(r"\s{2,}", line.strip())[0].split(" ")
            options.append(Option(spec[0].split(","), len(spec) > 1, heading))
    return commands, options


def help_of(durabench, *cmd):
    r = run([durabench, *cmd, "--help"])
    if r.returncode != 0:
        fail(["%s --help: exit %d: %s" % (" ".join(cmd), r.returncode, r.stderr)])
    return parse_help(r.stdout)


def all_help(durabench):
    """{command: [Option]} for every command, and the top level's options under ""."""
    commands, top = help_of(durabench)
    if len(commands) < 5:
        fail(["durabench --help lists only %s as commands" % commands])
    out = {"": top}
    for c in commands:
        out[c] = help_of(durabench, c)[1]
    return commands, out


def is_cluster(opt):
    return opt.group.startswith("Clusters")


# ---------------------------------------------------------------------------------------------
# The manual page


def roff_text(line):
    """A roff line as plain text: escapes and fonts gone, macro and quotes dropped."""
    line = re.sub(r"^\.[A-Z]{1,2}\b ?", "", line)
    line = line.replace("\\-", "-").replace("\\%", "").replace("\\(aq", "'")
    line = re.sub(r"\\f[BIRP]", "", line)
    return line.replace('"', "")


OPTION_RE = re.compile(r"(?:^|[\s,|\[])(--?[A-Za-z][\w-]*)")


def parse_man(text):
    """{section: [(tag option names, tag has an argument)]}; sections are "OPTIONS",
    "CLUSTER OPTIONS" and each command's name from its .SS "durabench NAME ..." line; also
    {section: body text} and the .TH version."""
    tags, bodies = {}, {}
    section = None
    lines = text.splitlines()
    version = None
    for i, line in enumerate(lines):
        if line.startswith(".TH "):
            m = re.search(r'"durabench ([^"]+)"', line)
            version = m.group(1) if m else None
        if line.startswith(".SH "):
            section = roff_text(line).strip()
        elif line.startswith(".SS "):
            words = roff_text(line).split()
            section = words[1] if len(words) > 1 and words[0] == "durabench" else None
        if section is None:
            continue
        tags.setdefault(section, [])
        bodies[section] = bodies.get(section, "") + roff_text(line) + "\n"
        if line in (".TP", ".TQ") or line.startswith(".TP "):
            tag = roff_text(lines[i + 1])
            names = OPTION_RE.findall(tag)
            if not names:
                continue  # a .TP list that is not of options (verdicts, keys, exit codes)
            rest = OPTION_RE.sub(" ", tag).replace(",", " ").strip()
            tags[section].append((names, bool(rest)))
    return tags, bodies, version


def check_man(durabench, page):
    problems = []
    if not shutil.which("groff"):
        print("skipped: groff not found (Debian: groff-base)")
        sys.exit(77)
    r = run(["groff", "-man", "-ww", "-z", page])
    if r.returncode != 0 or r.stderr:
        problems.append("groff -man -ww -z %s: exit %d: %s" % (page, r.returncode, r.stderr))
    with open(page, encoding="utf-8") as f:
        tags, bodies, version = parse_man(f.read())
    binary_version = run([durabench, "--version"]).stdout.split()[-1]
    if version != binary_version:
        problems.append(".TH says durabench %s, the binary %s" % (version, binary_version))

    commands, helps = all_help(durabench)
    documented = [s for s in tags if s not in ("OPTIONS", "CLUSTER OPTIONS") and s.islower()]
    for extra in sorted(set(documented) - set(commands)):
        problems.append("the page has a subsection for %r, which --help does not list" % extra)

    def compare(where, opts, entries):
        want_names = {n for o in opts for n in o.names}
        got_names = {n for names, _ in entries for n in names}
        for n in sorted(want_names - got_names):
            problems.append("%s: --help lists %s, the page does not" % (where, n))
        for n in sorted(got_names - want_names):
            problems.append("%s: the page lists %s, --help does not" % (where, n))
        for o in opts:
            for names, has_arg in entries:
                if set(names) & set(o.names) and has_arg != o.valued:
                    problems.append("%s: %s takes %s value, the page shows %s" % (
                        where, "/".join(o.names), "a" if o.valued else "no",
                        "one" if has_arg else "none"))

    compare("OPTIONS", helps[""], tags.get("OPTIONS", []))
    cluster_opts = None
    for c in commands:
        if c not in tags:
            problems.append("no subsection .SS \"durabench %s ...\" for the command %s" % (c, c))
            continue
        own = [o for o in helps[c] if not is_cluster(o) and o.names != ["-h", "--help"]]
        compare("durabench " + c, own, tags[c])
        clusters = [o for o in helps[c] if is_cluster(o)]
        if clusters:
            cluster_opts = clusters
        mentions = "CLUSTER OPTIONS" in bodies[c]
        if bool(clusters) != mentions:
            problems.append("durabench %s: %s cluster options, its subsection %s CLUSTER OPTIONS"
                            % (c, "takes" if clusters else "takes no",
                               "names" if mentions else "does not name"))
    if cluster_opts:
        compare("CLUSTER OPTIONS", cluster_opts, tags.get("CLUSTER OPTIONS", []))
    fail(problems)


# ---------------------------------------------------------------------------------------------
# The bash completion

COMPLETE = r'''
source "$1" || exit 3
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_durabench durabench "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
'''


def check_completion(durabench, script):
    bash = shutil.which("bash")
    if not bash:
        print("skipped: bash not found")
        sys.exit(77)
    problems = []
    r = run([bash, "-n", script])
    if r.returncode != 0:
        fail(["bash -n %s: %s" % (script, r.stderr)])
    r = run([bash, "-c", 'source "$1" && complete -p durabench', "bash", script])
    if r.stdout.strip() != "complete -F _durabench durabench":
        problems.append("complete -p durabench after sourcing: %r %r" % (r.stdout, r.stderr))

    empty = tempfile.mkdtemp(prefix="durabench-completion-")
    try:
        def complete(*words):
            """What completing `durabench WORDS...` (the last word being completed) offers,
            run in an empty directory: file names are only those the test makes."""
            r = run([bash, "-c", COMPLETE, "bash", script, durabench, *words], cwd=empty)
            if r.returncode != 0 or r.stderr:
                problems.append("completing %r: exit %d: %s" % (words, r.returncode, r.stderr))
            return set(r.stdout.split())

        commands, helps = all_help(durabench)
        got = complete("")
        if problems:
            fail(problems)  # it does not run at all: no use trying the rest
        if got != set(commands):
            problems.append("commands: completion offers %s, --help lists %s" % (
                sorted(got), commands))
        top = {n for o in helps[""] for n in o.names}
        if complete("-") != top:
            problems.append("top-level options: %s, --help: %s" % (
                sorted(complete("-")), sorted(top)))
        for c in commands:
            names = {n for o in helps[c] for n in o.names}
            got = complete(c, "-")
            for n in sorted(names - got):
                problems.append("durabench %s: --help lists %s, completion does not" % (c, n))
            for n in sorted(got - names):
                problems.append("durabench %s: completion offers %s, --help does not" % (c, n))
            for o in helps[c]:
                after = complete(c, o.names[-1], "-")
                if o.valued and after & names:
                    problems.append("durabench %s %s takes a value, yet completion offers "
                                    "options after it" % (c, o.names[-1]))
                if not o.valued and after != names:
                    problems.append("durabench %s %s takes no value, yet completion does not "
                                    "offer the options after it" % (c, o.names[-1]))

        listing = run([durabench, "list"]).stdout
        workloads = re.findall(r"^  (\S+)", listing.split("\n\n")[0], re.M)
        if "ceph-wal" not in workloads:
            problems.append("`durabench list` lists no ceph-wal: %r" % listing[:300])
        if not set(workloads) <= complete("run", ""):
            problems.append("durabench run: workloads %s, completion offers %s" % (
                workloads, sorted(complete("run", ""))))
        if complete("run", "ceph-") != {w for w in workloads if w.startswith("ceph-")}:
            problems.append("durabench run ceph-: %s" % sorted(complete("run", "ceph-")))
        if not {"psync", "null"} <= complete("run", "--engine", ""):
            problems.append("--engine: %s" % sorted(complete("run", "--engine", "")))
        syncs = {"none", "fsync", "fdatasync", "sync_file_range", "osync", "odsync",
                 "rwf_dsync", "rwf_sync"}
        if complete("run", "--sync", "") != syncs:
            problems.append("--sync: %s" % sorted(complete("run", "--sync", "")))
        if complete("run", "--pattern", "rand") != {"randread", "randwrite", "randrw"}:
            problems.append("--pattern rand: %s" % sorted(complete("run", "--pattern", "rand")))
        expect = {"flush-free", "flush-costly", "suspicious", "undecided"}
        if complete("plp", "--expect", "") != expect:
            problems.append("plp --expect: %s" % sorted(complete("plp", "--expect", "")))
        # Files, also after --opt= (readline makes "--output", "=", "r" of --output=r).
        open(os.path.join(empty, "r.json"), "w").close()
        if complete("report", "-o", "r") != {"r.json"}:
            problems.append("report -o r: %s" % sorted(complete("report", "-o", "r")))
        if complete("run", "--output", "=", "r") != {"r.json"}:
            problems.append("run --output=r: %s" % sorted(complete("run", "--output", "=", "r")))
        if complete("compare", "r") != {"r.json"}:
            problems.append("compare r: %s" % sorted(complete("compare", "r")))
    finally:
        shutil.rmtree(empty)
    fail(problems)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("man", "completion"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    durabench, path = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    if sys.argv[1] == "man":
        check_man(durabench, path)
    else:
        check_completion(durabench, path)


if __name__ == "__main__":
    main()
