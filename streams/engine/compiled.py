"""The engine's optional compiled build: the same modules, compiled with mypyc (`make compiled`).

`apply` runs per event in the worker and the offline replay; compiled, it costs about a fifth less
(docs/benchmarks.md). The build is used only while it matches the sources (infra/compiled.py), so an edit
takes effect at once in pure Python until the next `make`; `BAYSTREAM_ENGINE_COMPILED=0` turns it off.
"""

from __future__ import annotations

from pathlib import Path

from baystream.infra.compiled import Group

MODULES = ("series", "facility", "air", "index", "totals", "concerns", "combiner", "partition", "replaying")
"""Every module of the engine but this one: `apply`, the level checks and the replay's loop call across all of them."""

PACKAGE_DIR = Path(__file__).parent


def source_paths() -> list[Path]:
    return [PACKAGE_DIR / f"{name}.py" for name in MODULES]


GROUP = Group("engine", __package__ or "baystream.streams.engine", MODULES, source_paths)
