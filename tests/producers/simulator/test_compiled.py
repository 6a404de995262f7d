"""The compiled simulator is used only when it matches the sources, and writes what the pure one writes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import baystream.producers.simulator as simulator
from baystream.producers.simulator.compiled import GROUP, source_paths
from tests.cli import python_with_build

RUN = """
import sys
from baystream.producers.simulator import COMPILED, simulate_chunks
from baystream.producers.simulator.output import FileSink, drain
print(COMPILED, file=sys.stderr)
drain(simulate_chunks("congested-2021", 30, 3), FileSink(sys.stdout))
"""


def _fake_build(root: Path) -> Path:
    package = GROUP.build_dir(root).joinpath(*GROUP.package.split("."))
    package.mkdir(parents=True)
    for name in GROUP.modules:
        (package / f"{name}.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    return package


def test_a_build_of_the_current_sources_goes_first_on_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))  # enable() adds the build's folder for its shared library
    package = _fake_build(tmp_path)
    path: list[str] = ["/src/producers/simulator"]
    assert GROUP.enable(path, tmp_path)
    assert path == [str(package), "/src/producers/simulator"]


def test_no_build_or_switched_off_means_pure_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path: list[str] = []
    assert not GROUP.enable(path, tmp_path) and path == []
    _fake_build(tmp_path)
    monkeypatch.setenv("BAYSTREAM_SIMULATOR_COMPILED", "0")
    assert not GROUP.enable(path, tmp_path) and path == []


def test_an_edited_source_names_another_build(tmp_path: Path) -> None:
    sources = [tmp_path / p.name for p in source_paths()]
    for original, copy in zip(source_paths(), sources, strict=True):
        copy.write_bytes(original.read_bytes())
    assert GROUP.digest(sources) == GROUP.digest()
    sources[-1].write_text(sources[-1].read_text() + "\n# edited\n")
    assert GROUP.digest(sources) != GROUP.digest()


@pytest.mark.skipif(not simulator.COMPILED, reason="no compiled simulator here (make compiled builds it)")
def test_compiled_and_pure_python_write_the_same_file() -> None:
    compiled_lines, was_compiled = python_with_build(RUN, GROUP, on=True)
    pure_lines, was_pure = python_with_build(RUN, GROUP, on=False)
    assert (was_compiled, was_pure) == ("True", "False")
    assert compiled_lines == pure_lines and compiled_lines.count("\n") > 10_000
