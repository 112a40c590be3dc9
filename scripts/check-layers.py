#!/usr/bin/env python3
"""Fails when a library under src/ reaches a library it must not depend on.

STYLE.md 1: one CMake library per src/ folder, dependencies only downward. The table below is
the layering (docs/architecture.md draws it); a folder may include and link only the folders
listed for it. Two things are checked:
  - every `#include "FOLDER/..."` in src/FOLDER2/**/*.{h,cc};
  - every durabench_FOLDER named in src/FOLDER2/CMakeLists.txt's target_link_libraries.

Usage: scripts/check-layers.py [SOURCE_ROOT]   (exit 0 clean, 1 with one line per violation)
"""
import pathlib
import re
import sys

# folder -> the folders below it that it may use (its own folder is always allowed).
ALLOWED = {
    "util": set(),
    "measure": {"util"},
    "spec": {"util"},
    # The result model: data and its JSON codec, nothing that runs I/O.
    "result": {"measure", "spec", "util"},
    "engine": {"spec", "util"},
    "target": {"result", "engine", "util"},
    "backend": {"target", "engine", "result", "spec", "util"},
    "audit": {"util"},
    "workload": {"audit", "engine", "target", "result", "measure", "spec", "util"},
    "analysis": {"result", "measure", "spec", "util"},
    "report": {"result", "measure", "spec", "util"},
    "compare": {"result", "measure", "spec", "util"},
    "session": {"workload", "audit", "backend", "target", "engine", "result", "measure", "spec",
                "util"},
    "cli": {"session", "analysis", "audit", "backend", "compare", "engine", "measure", "report",
            "result", "spec", "target", "util", "workload"},
}

# Known edges that break the layering, each with the change that removes it. The test fails on
# any other, and on an entry here that no longer occurs (so the list only shrinks).
KNOWN: set = set()

# Modules (src/backend/module.h) are leaves: folders under backend/ that use the core and that
# nothing else includes or links; the binary reaches them only through dlopen.
MODULES = {"backend/ceph", "backend/gluster", "backend/mpi"}
MODULE_INCLUDE = re.compile(r'^\s*#\s*include\s+"(backend/[a-z_]+)/', re.M)
MODULE_LINK = re.compile(r"\bdurabench[-_](ceph|gluster|mpi)\b")

# Generated headers and the project-wide config are not layers.
NOT_LAYERS = {"durabench"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/', re.M)
LINK = re.compile(r"target_link_libraries\(([^)]*)\)", re.S)
LIB = re.compile(r"\bdurabench_([a-z_]+)\b")


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                        pathlib.Path(__file__).resolve().parent.parent)
    src = root / "src"
    folders = sorted(p.name for p in src.iterdir() if p.is_dir())
    problems, seen = [], set()

    def check(path: pathlib.Path, folder: str, dep: str, what: str) -> None:
        if dep == folder or dep in NOT_LAYERS or dep not in ALLOWED:
            return
        rel = str(path.relative_to(root))
        if dep in ALLOWED[folder]:
            return
        if (rel, dep) in KNOWN:
            seen.add((rel, dep))
            return
        problems.append(f"{rel}: {what} {dep}/, but {folder}/ may use only "
                        f"{', '.join(sorted(ALLOWED[folder])) or 'nothing else'}")

    for folder in folders:
        if folder not in ALLOWED:
            problems.append(f"src/{folder}/: not in the layer table of scripts/check-layers.py")
            continue
        for path in sorted((src / folder).rglob("*")):
            rel_dir = str(path.parent.relative_to(src))
            own_module = next((m for m in MODULES if rel_dir == m or rel_dir.startswith(m + "/")),
                              None)
            if path.suffix in (".h", ".cc"):
                text = path.read_text(errors="replace")
                for dep in INCLUDE.findall(text):
                    check(path, folder, dep, "includes")
                for module in MODULE_INCLUDE.findall(text):
                    if module in MODULES and module != own_module:
                        problems.append(f"{path.relative_to(root)}: includes {module}/, a module "
                                        "(reached only through backend/modules.h)")
            elif path.name == "CMakeLists.txt":
                for args in LINK.findall(path.read_text()):
                    for lib in LIB.findall(args):
                        if lib in ALLOWED:
                            check(path, folder, lib, "links")
                    for module in MODULE_LINK.findall(args):
                        if f"backend/{module}" != own_module:
                            problems.append(f"{path.relative_to(root)}: links the {module} "
                                            "module (reached only through backend/modules.h)")
    for rel, dep in sorted(KNOWN - seen):
        problems.append(f"{rel}: no longer uses {dep}/: remove it from KNOWN in "
                        "scripts/check-layers.py")
    for p in problems:
        print(p)
    if not problems:
        print(f"layers: {len(folders)} libraries and {len(MODULES)} modules, every include "
              f"and link downward ({len(KNOWN)} known exceptions)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
