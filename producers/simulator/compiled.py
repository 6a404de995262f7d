"""The simulator's optional compiled build: the same model modules, compiled with mypyc (2x faster).

The modules stay plain, typed Python; `make compiled` compiles them (`infra/compiled.py`: the build is
named by a digest of their sources and used only while it matches them, so an edit takes effect at once in
pure Python until the next `make`). `BAYSTREAM_SIMULATOR_COMPILED=0` turns the build off. Without a C
compiler there is no build and the pure-Python modules run, only slower.
"""

from __future__ import annotations

from pathlib import Path

from baystream.infra.compiled import Group

MODULES = ("facilities", "scenarios", "scheduler", "identities", "chassis", "rail", "events", "model")
"""The modules compiled together (one mypyc group): the model and everything it calls per event."""

PACKAGE_DIR = Path(__file__).parent


def source_paths() -> list[Path]:
    return [PACKAGE_DIR / f"{name}.py" for name in MODULES]


GROUP = Group("simulator", __package__ or "baystream.producers.simulator", MODULES, source_paths)
