"""The converters and validators compiled with mypyc (schemas/native_checks.py): built where a C compiler is,
taken for every type of the catalog, never stale (a build is named by its sources), switched off by their
variable, keeping their remembered values bounded. That they give what the exec'd ones give is the property
tests' (test_json_converters.py, test_validation.py, test_json_form.py run on both)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from baystream.schemas import identifiers as ids
from baystream.schemas import json_converters, validation
from baystream.schemas.catalog import AVRO_DIR, catalog
from baystream.schemas.fields import field_names
from baystream.schemas.json_converters import CONVERTERS, converter_of
from baystream.schemas.json_form import _parse_line, dumps, parse_event
from baystream.schemas.native_checks import COMPILED, COPIED_CHECKS, type_key
from baystream.schemas.validation import validate, validate_decoded
from tests.events import ALL_TYPES, event
from tests.schemas.implementations import implementation, require_build
from tests.schemas.test_avro_decoder import can_compile


def test_the_compiled_build_exists_where_a_compiler_does() -> None:
    if can_compile() and os.environ.get(COMPILED.switch) != "0":
        assert COMPILED.fresh_build() is not None, "no fresh build of the compiled checks: run `make compiled`"


def test_every_type_takes_the_compiled_functions() -> None:
    built = require_build()
    assert json_converters.quick_parser() is built.quick_parse
    with implementation("mypyc"):
        for type_name in catalog().current:
            key = type_key(type_name)
            validate({"type": type_name})
            validate_decoded({"type": type_name})
            assert validation._VALIDATORS[type_name] is built.VALIDATORS[key]
            assert validation._DECODED_VALIDATORS[type_name] is built.DECODED_VALIDATORS[key]
            assert converter_of(type_name) is built.CONVERTERS.get(key)  # none for the types with bytes
        for type_name in ALL_TYPES:
            line = dumps(parse_event(event(type_name))).encode()
            assert built.quick_parse(line, CONVERTERS) == _parse_line(line)


def test_a_build_of_other_sources_is_not_used(tmp_path: Path) -> None:
    """The digest covers the generators, the rules and checks they copy or bind, and every schema: an edit
    of any names another build, which is not there, so the exec'd functions run until `make compiled`."""
    originals = COMPILED.sources()
    names = {path.name for path in originals}
    assert {"native_checks.py", "json_converters.py", "validation.py", "identifiers.py", "compiled.py"} <= names
    assert {"timerange.py", "fields.py", "catalog.py"} <= names
    assert set(AVRO_DIR.rglob("*.avsc")) <= set(originals)
    sources = []
    for index, original in enumerate(originals):
        sources.append(tmp_path / str(index) / original.name)
        sources[-1].parent.mkdir()
        sources[-1].write_bytes(original.read_bytes())
    edited = dataclasses.replace(COMPILED, sources=lambda: sources)
    assert edited.digest() == COMPILED.digest()
    for source in sources:
        text = source.read_bytes()
        source.write_bytes(text + b"\n")
        assert edited.digest() != COMPILED.digest(), source.name
        assert edited.fresh_build() is None and not edited.enable([])
        source.write_bytes(text)


SWITCH = """
from baystream.schemas.json_converters import converter_of
from baystream.schemas.validation import validate
validate({"type": "GateMove"})
from baystream.schemas import validation
print(type(converter_of("GateMove")).__name__, type(validation._VALIDATORS["GateMove"]).__name__)
"""


def test_the_variable_switches_the_build_off() -> None:
    require_build()
    for value, kind in (("0", "function"), ("1", "builtin_function_or_method")):
        env = {**os.environ, COMPILED.switch: value}
        done = subprocess.run([sys.executable, "-c", SWITCH], env=env, capture_output=True, text=True, check=True)
        assert done.stdout.split() == [kind, kind]


def test_the_compiled_remembered_values_are_bounded() -> None:
    """A field's valid values are remembered in the module, shared by its type's converter and validators,
    and forgotten when the set is full; problems are never remembered."""
    built = require_build()
    gate = parse_event(event("GateMove"))
    known = getattr(
        built, f"known_{list(catalog().current).index('GateMove')}_{field_names('GateMove').index('facility')}"
    )
    validator = built.VALIDATORS[type_key("GateMove")]
    for n in range(validation._REMEMBER + 10):
        assert validator(dict(gate, facility=f"T{n}")) == []
        assert f"T{n}" in known
    assert 0 < len(known) <= validation._REMEMBER
    assert [e.field for e in validator(dict(gate, facility="bad one"))] == ["facility"]
    assert "bad one" not in known
    converter = built.CONVERTERS[type_key("GateMove")]
    line = dumps(dict(gate, facility="TNEW"))
    assert converter(json_converters.loads(line)) == _parse_line(line) and "TNEW" in known


PATTERNS = {
    "container_number_problem": ids.ISO6346_PATTERN,
    "imo_problem": ids.IMO_PATTERN,
    "unlocode_problem": ids.UNLOCODE_PATTERN,
    "scac_problem": ids.SCAC_PATTERN,
    "chassis_problem": ids.CHASSIS_PATTERN,
    "uuid_problem": ids.UUID_PATTERN,
    "facility_problem": ids.FACILITY_PATTERN,
    "identifier_problem": ids.IDENTIFIER_PATTERN,
}
"""The pattern of each copied check taking one text: values of its shape reach its check digits and limits."""
TEXT_CHECKS = sorted([*PATTERNS, "text_problem"])


def test_every_copied_check_of_one_text_is_tried_below() -> None:
    one_text = {c.__name__ for c in COPIED_CHECKS if c.__name__.endswith("_problem")}
    assert one_text == set(TEXT_CHECKS)


@given(st.sampled_from(TEXT_CHECKS), st.data())
def test_the_compiled_domain_checks_are_the_rules(name: str, data: st.DataObject) -> None:
    """The identifiers' checks are compiled into the module (copies without their caches): the same answers."""
    built = require_build()
    shaped = st.from_regex(PATTERNS[name], fullmatch=True) if name in PATTERNS else st.nothing()
    value = data.draw(shaped | st.text(max_size=70), label="value")
    assert getattr(built, name)(value) == getattr(ids, name)(value)
