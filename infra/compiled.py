"""Optional mypyc builds of groups of modules: the same typed Python, compiled where a C compiler is.

A `Group` is a package's modules compiled together: modules of the repository (the simulator's model), or
modules generated at build time from the repository (the Avro decoders of the schema catalog). Each group
has a digest of its sources (the modules, or what generates them) and its build lives in
`<prefix>/baystream-compiled/<group>/<digest>`; `python -m baystream.infra.compile` (run by `make compiled`)
builds the groups whose sources changed. A package uses a build only when its digest matches the sources
on disk, so an edit takes effect at once (in Python) until the next `make`; the group's variable
(`BAYSTREAM_<GROUP>_COMPILED=0`) turns it off. Without a C compiler there is no build and Python runs.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import os
import platform
import sys
from collections.abc import Callable, MutableSequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(sys.prefix) / "baystream-compiled"


@dataclass(frozen=True)
class Group:
    """Modules of one package compiled together (one mypyc group, one shared library)."""

    name: str
    """The build's folder under the root, and the mypyc group's name (`baystream_<name>`)."""
    package: str
    """The dotted package the modules belong to."""
    modules: tuple[str, ...]
    """The modules' names in the package; a build is complete when it holds every one."""
    sources: Callable[[], list[Path]]
    """The files whose contents name the build: the modules, or the files that generate them."""
    generate: Callable[[Path], None] | None = None
    """For generated modules: writes `<package path>/<module>.py` of each under the folder it is given;
    None when the modules are the package's own files."""

    @property
    def switch(self) -> str:
        """The environment variable that turns the build off when `0`."""
        return f"BAYSTREAM_{self.name.upper()}_COMPILED"

    def digest(self, paths: list[Path] | None = None) -> str:
        """Names the build of these sources (default: the group's) for this interpreter."""
        h = hashlib.sha256(f"{platform.python_implementation()}-{sys.version}-{self.package}".encode())
        for path in paths if paths is not None else self.sources():
            h.update(path.name.encode() + b"\0" + path.read_bytes())
        return h.hexdigest()[:20]

    def build_dir(self, root: Path = ROOT) -> Path:
        """Where the build of the current sources goes: `<root>/<name>/<digest>`."""
        return root / self.name / self.digest()

    def fresh_build(self, root: Path = ROOT) -> Path | None:
        """The build of the sources on disk, if there is one (every module compiled); else None."""
        try:
            folder = self.build_dir(root)
        except OSError:
            return None
        package = folder.joinpath(*self.package.split("."))
        if all(any(package.glob(f"{name}.*.so")) or any(package.glob(f"{name}.*.pyd")) for name in self.modules):
            return folder
        return None

    def enable(self, package_path: MutableSequence[str], root: Path = ROOT) -> bool:
        """Put a fresh build first on the package's `__path__`; False (Python) when there is none or it is off."""
        if os.environ.get(self.switch, "1") == "0":
            return False
        folder = self.fresh_build(root)
        if folder is None:
            return False
        if str(folder) not in sys.path:
            sys.path.append(str(folder))  # the group's shared library is a top-level module
        package = str(folder.joinpath(*self.package.split(".")))
        if package not in package_path:
            package_path.insert(0, package)
        return True

    def load(self, module: str) -> Any:
        """A generated module of a fresh build, imported (after `enable` on its package), or None (no build, a
        stale one, switched off): the caller then runs its Python."""
        package = importlib.import_module(self.package)
        if not self.enable(package.__path__):
            return None
        try:
            return importlib.import_module(f"{self.package}.{module}")
        except ImportError:
            return None


def literal(value: Any) -> str:
    """Source giving `value` for a constant of a generated module: its repr, when that reads back as the same
    types and values throughout (a list or dict display builds a fresh one at every evaluation); ValueError
    for any other value."""
    shown = repr(value)
    try:
        same = _strict(ast.literal_eval(shown)) == _strict(value)
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        same = False
    if not same:
        raise ValueError(f"a constant without an exact literal: {shown[:60]}")
    return shown


def _strict(value: Any) -> Any:
    """A form equal only for values of the same types throughout (1, 1.0 and True differ)."""
    if isinstance(value, dict):
        return ("dict", [(_strict(k), _strict(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_strict(v) for v in value])
    return (type(value).__name__, repr(value))
