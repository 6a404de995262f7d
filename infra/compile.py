"""Compile the simulator's model modules with mypyc (`make` runs it; see producers/simulator/compiled.py).

    python -m baystream.infra.compile_simulator [--root DIR]

Builds into `<prefix>/baystream-compiled/<digest of the sources>`, removes older builds, and exits 0 with
a note when there is nothing to do or no compiler: the pure-Python simulator is always there to fall back on.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from baystream.producers.simulator import compiled

REPO = compiled.PACKAGE_DIR.parents[2]
"""The folder holding the `baystream` package: the modules are compiled as `baystream.producers.simulator.*`."""


def build(root: Path) -> Path:
    """Compile the modules of `compiled.MODULES` into `compiled.build_dir(root)`; returns it."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    target = compiled.build_dir(root)
    with tempfile.TemporaryDirectory(prefix="baystream-mypyc-") as work, contextlib.chdir(REPO):
        paths = [str(p.relative_to(REPO)) for p in compiled.source_paths()]
        extensions = mypycify(paths, opt_level="3", target_dir=os.path.join(work, "c"), group_name="baystream_sim")
        dist = Distribution({"name": "baystream-compiled-simulator", "ext_modules": extensions})
        command = dist.get_command_obj("build_ext")
        command.build_lib = os.path.join(work, "lib")
        command.build_temp = os.path.join(work, "tmp")
        dist.run_command("build_ext")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
        shutil.copytree(Path(work) / "lib", staging, dirs_exist_ok=True)
        try:
            staging.rename(target)  # atomic: a process importing the simulator sees no half-copied build
        except OSError:  # another `make` got there first with the same sources
            shutil.rmtree(staging, ignore_errors=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=compiled.ROOT)
    args = parser.parse_args()
    fresh = compiled.fresh_build(args.root)
    if fresh is not None:
        print(f"compiled simulator up to date: {fresh}")
        return 0
    try:
        built = build(args.root)
    except Exception as exc:  # no compiler, no headers, no mypyc: the pure-Python model still runs
        print(f"compile_simulator: not compiled ({type(exc).__name__}: {exc}); the simulator runs as pure Python")
        return 0
    for old in args.root.iterdir():
        if old.is_dir() and old != built and not old.name.startswith("."):  # not a build under way
            shutil.rmtree(old, ignore_errors=True)
    print(f"compiled simulator: {built}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
