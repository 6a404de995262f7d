"""The simulator's optional compiled build: the same model modules, compiled with mypyc (2x faster).

The modules stay plain, typed Python; `python -m baystream.infra.compile_simulator` (run by `make`) compiles them
into a folder of the interpreter's prefix named by a digest of their sources. The package uses that
build only when the digest matches the sources on disk, so an edit takes effect at once (in pure Python)
until the next `make`; `BAYSTREAM_SIMULATOR_COMPILED=0` turns the build off. Without a C compiler there
is no build and the pure-Python modules run, only slower.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from pathlib import Path

MODULES = ("facilities", "scenarios", "scheduler", "identities", "chassis", "rail", "events", "model")
"""The modules compiled together (one mypyc group): the model and everything it calls per event."""

PACKAGE_DIR = Path(__file__).parent
PACKAGE = __package__ or "baystream.producers.simulator"
ROOT = Path(sys.prefix) / "baystream-compiled"


def source_paths() -> list[Path]:
    return [PACKAGE_DIR / f"{name}.py" for name in MODULES]


def digest(paths: list[Path] | None = None) -> str:
    """Names the build of these sources (default: the package's) for this interpreter."""
    h = hashlib.sha256(f"{platform.python_implementation()}-{sys.version}-{PACKAGE}".encode())
    for path in paths if paths is not None else source_paths():
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:20]


def build_dir(root: Path = ROOT) -> Path:
    """Where the build of the current sources goes: `<root>/<digest>`."""
    return root / digest()


def fresh_build(root: Path = ROOT) -> Path | None:
    """The build of the sources on disk, if there is one (every module compiled); else None."""
    try:
        folder = build_dir(root)
    except OSError:
        return None
    package = folder.joinpath(*PACKAGE.split("."))
    if all(any(package.glob(f"{name}.*.so")) or any(package.glob(f"{name}.*.pyd")) for name in MODULES):
        return folder
    return None


def enable(package_path: list[str], root: Path = ROOT) -> bool:
    """Put a fresh compiled build first on the package's `__path__`; False (pure Python) when there is none."""
    if os.environ.get("BAYSTREAM_SIMULATOR_COMPILED", "1") == "0":
        return False
    folder = fresh_build(root)
    if folder is None:
        return False
    if str(folder) not in sys.path:
        sys.path.append(str(folder))  # the group's shared library is a top-level module
    package_path.insert(0, str(folder.joinpath(*PACKAGE.split("."))))
    return True
