"""The converters and validators run interpreted (exec'd) or compiled (the mypyc build of `make compiled`,
schemas/native_checks.py): `implementation` switches a block to one of them; `implemented` is a module
fixture that runs every test of a module on both (`pytestmark = pytest.mark.usefixtures(...)`). Where a C
compiler is, the build must be there and used."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from baystream.schemas import json_converters, json_form, native_checks, validation
from tests.schemas.test_avro_decoder import can_compile

IMPLEMENTATIONS = ["interpreted", "mypyc"]

_TABLES: list[dict[str, Any]] = [validation._VALIDATORS, validation._DECODED_VALIDATORS, json_converters.CONVERTERS]
_KEPT: dict[str, list[dict[str, Any]]] = {how: [{} for _ in _TABLES] for how in IMPLEMENTATIONS}
"""Each implementation's functions built so far (kept between blocks, so hypothesis examples build none)."""


def require_build() -> Any:
    """The compiled module; a failure where it can be built (`make test` builds it first)."""
    built = native_checks.native_build()
    if built is None:
        if os.environ.get(native_checks.COMPILED.switch) == "0":
            pytest.skip(f"compiled checks switched off ({native_checks.COMPILED.switch}=0)")
        if can_compile():
            pytest.fail("no fresh build of the compiled converters and validators: run `make compiled`")
        pytest.skip("no C compiler here: the converters and validators run interpreted")
    return built


@contextlib.contextmanager
def implementation(how: str) -> Iterator[None]:
    """Run the block with the interpreted or the compiled converters, validators and quick parse."""
    built = require_build() if how == "mypyc" else None
    saved = [dict(table) for table in _TABLES]
    quick = json_form.quick_parser
    for table, kept in zip(_TABLES, _KEPT[how], strict=True):
        table.clear()
        table.update(kept)
    native_build = native_checks.native_build
    native_checks.native_build = lambda: built  # type: ignore[assignment]
    json_form.quick_parser = lambda: json_converters.quick_parse if built is None else built.quick_parse  # type: ignore[assignment]
    try:
        yield
    finally:
        native_checks.native_build = native_build
        json_form.quick_parser = quick
        for table, kept, before in zip(_TABLES, _KEPT[how], saved, strict=True):
            kept.update(table)
            table.clear()
            table.update(before)


@pytest.fixture(scope="module", params=IMPLEMENTATIONS)
def implemented(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test of a module that imports this, once interpreted and once compiled."""
    with implementation(request.param):
        yield request.param
