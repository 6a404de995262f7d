"""The wheel installs one package, `baystream`, beside whatever generic names a user's environment holds."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


NOT_SOURCES = (".git", ".venv", ".cache", ".hypothesis", ".*_cache", "build", "dist", "state", "*.egg-info")
"""What a working tree holds besides the project's files: what the suite's other tests write while they run
(hypothesis' examples, workers' state) and what builds leave."""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of a copy of the project's files: built in the working tree itself, setuptools walks it while
    the tests running beside this one write into it (a full suite run failed so, once)."""
    source, out = tmp_path_factory.mktemp("source") / "baystream", tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    pip_wheel = ["pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(source)]
    built = subprocess.run([sys.executable, "-m", *pip_wheel], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel_file,) = out.glob("baystream-*.whl")
    return wheel_file


def test_the_wheel_holds_only_the_baystream_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"baystream", next(t for t in top if t.endswith(".dist-info"))}, top
    for inside in (
        "schemas/avro/VesselArrival.avsc",
        "consumers/dashboard/static/index.html",
        "consumers/dashboard/static/vendor/uPlot.iife.min.js",  # the dashboard's charts, offline
        "infra/cli.py",
    ):
        assert f"baystream/{inside}" in names, inside


def test_baystream_runs_beside_a_foreign_package_named_schemas(wheel: Path, tmp_path: Path) -> None:
    """A user's own `schemas` (and `streams`) must neither shadow ours nor be shadowed by ours."""
    site, foreign = tmp_path / "site", tmp_path / "foreign"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for name in ("schemas", "streams"):
        (foreign / name).mkdir(parents=True)
        (foreign / name / "__init__.py").write_text(f"OWNER = 'someone else: {name}'\n")
    probe = (
        "import schemas, streams, baystream.schemas.catalog as c, baystream.streams.replay;"
        "print(schemas.OWNER, streams.OWNER, c.__file__, sep='|')"
    )
    env = {"PYTHONPATH": f"{foreign}:{site}", "PATH": "/usr/bin:/bin", "BAYSTREAM_SIMULATOR_COMPILED": "0"}
    shown = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    mine, theirs, catalog = shown.split("|")
    assert (mine, theirs) == ("someone else: schemas", "someone else: streams")
    assert catalog.startswith(str(site / "baystream" / "schemas")), catalog
    version = subprocess.run(
        [sys.executable, "-m", "baystream", "--version"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.startswith("baystream "), version.stderr
