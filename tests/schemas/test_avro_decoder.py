"""The compiled Avro decoder reads what fastavro reads, value for value, and fails where fastavro fails.

Every schema and version of the catalog, alone and read with the newest version, in both wire framings;
truncated, mutated and random bodies give fastavro's record or fastavro's error (through the Codec: the
same DecodeError the worker dead-letters). Each check runs on the interpreted decoders and on the mypyc
build of `make compiled` (the suite's first step): where a C compiler is, the build must be there and used.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fastavro
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from baystream.schemas.avro_decoder import COMPILED, CompiledDecoder, compile_decoder, decoder_for, native_build
from baystream.schemas.catalog import SchemaVersion, catalog
from baystream.schemas.errors import DecodeError
from baystream.schemas.wire import SINGLE_OBJECT_MAGIC, Codec, ConfluentRegistry
from tests.schemas.strategies import EPOCH, EVENTS, records_of
from tests.schemas.test_avro_encoder import ALL_VERSIONS, KITCHEN_SINK, SLOW, VERSION_IDS, _rail, fastavro_bytes
from tests.schemas.test_evolution import NEW_SYMBOL, future_version

CURRENT = catalog().current
PAIRS = [(v, None if v is CURRENT[v.name] else CURRENT[v.name]) for v in ALL_VERSIONS]
"""Every version read alone (the newest) or with the newest as the reader (the older ones), as the Codec does."""


def fastavro_read(data: bytes, offset: int, writer: Any, reader: Any) -> Any:
    return fastavro.schemaless_reader(io.BytesIO(data[offset:]), writer, reader)


def outcome(read: Any, data: bytes, offset: int = 0) -> tuple[str, Any]:
    """('record', a comparable form) or ('error', exception type and message): what a caller observes."""
    try:
        return "record", strict(read(data, offset))
    except Exception as exc:
        return "error", (type(exc), re.sub(r" at 0x[0-9a-f]+", "", str(exc)))  # a BytesIO's address


def strict(value: Any) -> Any:
    """A form equal only for identical values: types, float bits (NaN, -0.0), datetimes with their zone."""
    if isinstance(value, dict):
        return ("dict", tuple((k, strict(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(strict(v) for v in value))
    if isinstance(value, float):
        return ("float", struct.pack("<d", value))
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), value.tzinfo, value.utcoffset())
    return (type(value).__name__, value)


IMPLEMENTATIONS = ["interpreted", "mypyc"]


def can_compile() -> bool:
    """A C compiler and Python's headers: what `make compiled` needs to build the decoders."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(compiler) is not None and Path(sysconfig.get_paths()["include"], "Python.h").exists()


def require_build() -> Any:
    """The compiled decoders; a failure where they can be built (`make test` builds them first)."""
    built = native_build()
    if built is None:
        if os.environ.get(COMPILED.switch) == "0":
            pytest.skip(f"compiled decoders switched off ({COMPILED.switch}=0)")
        if can_compile():
            pytest.fail("no fresh build of the compiled decoders: run `make compiled`")
        pytest.skip("no C compiler here: the decoders run interpreted")
    return built


def _untagged(read: Callable[..., dict[str, Any]], tag: str) -> Callable[..., dict[str, Any]]:
    """The record without its `type` (the Codec's tag, its last key), for comparing with fastavro's."""

    def untagged(data: Any, offset: int = 0) -> dict[str, Any]:
        record = read(data, offset)
        if list(record)[-1:] == ["type"] and record["type"] == tag:  # else left in: the comparison fails
            del record["type"]
        return record

    return untagged


def compiled(writer: SchemaVersion, reader: SchemaVersion | None, how: str = "interpreted") -> CompiledDecoder:
    """The interpreted decoders of a pair, or the mypyc build's (the Codec's, tagged; the tag taken off)."""
    reader_parsed = None if reader is None else reader.parsed
    if how == "interpreted":
        decoder = compile_decoder(writer.parsed, reader_parsed, native=False)
        assert decoder.fast is not None and decoder.quick is not None, f"{writer.name} v{writer.version} should compile"
        assert not decoder.native
        return decoder
    require_build()
    decoder = compile_decoder(writer.parsed, reader_parsed, writer.name)
    assert decoder.native, f"{writer.name} v{writer.version} should be in the compiled build"
    assert decoder.fast is not None and decoder.quick is not None
    untagged = [_untagged(f, writer.name) for f in (decoder.decode, decoder.fast, decoder.quick)]
    return CompiledDecoder(*untagged, decoder.source, native=True)


def assert_reads_as_fastavro(decoder: CompiledDecoder, data: bytes, offset: int, writer: Any, reader: Any) -> None:
    """`decode` gives fastavro's outcome; the generated bodies either decline (raise) or give the same record."""
    expected = outcome(lambda d, o: fastavro_read(d, o, writer, reader), data, offset)
    assert outcome(decoder.decode, data, offset) == expected
    for body in (decoder.quick, decoder.fast):
        if body is not None:
            got = outcome(body, data, offset)
            assert got[0] == "error" or got == expected


def drawn(
    writer: SchemaVersion, reader: SchemaVersion | None, data: st.DataObject, how: str = "interpreted"
) -> tuple[bytes, Any, CompiledDecoder]:
    """Any record of the writer's schema as fastavro writes it, the reader's parsed schema, the decoder."""
    body = fastavro_bytes(writer.parsed, data.draw(records_of(json.loads(writer.text))))
    return body, None if reader is None else reader.parsed, compiled(writer, reader, how)


def test_every_version_compiles_alone_and_with_the_newest() -> None:
    for writer, reader in PAIRS:
        compiled(writer, reader)
        compiled(writer, None)


def test_the_codecs_pairs_are_all_in_the_compiled_build() -> None:
    """Every (writer, newest) pair the Codec reads takes the mypyc build, through `decoder_for` too."""
    built = require_build()
    for writer, reader in PAIRS:
        compiled(writer, reader, "mypyc")
        decode = decoder_for(writer.parsed, None if reader is None else reader.parsed, writer.name)
        assert decode in [entry[0] for entry in built.DECODERS.values()]
    assert compile_decoder(_GATE.parsed).native is False  # untagged: not what the Codec reads, not built


def test_the_compiled_build_exists_where_a_compiler_does() -> None:
    if can_compile() and os.environ.get(COMPILED.switch) != "0":
        assert COMPILED.fresh_build() is not None, "no fresh build of the compiled decoders: run `make compiled`"


def test_a_build_of_other_sources_is_not_used(tmp_path: Path) -> None:
    """A build is named by the digest of the generator and the schemas: an edited schema names another one,
    which is not there, so the decoders stay interpreted (never stale) until the next `make compiled`."""
    fresh = COMPILED.fresh_build()
    sources = []
    for index, original in enumerate(COMPILED.sources()):
        sources.append(tmp_path / str(index) / original.name)
        sources[-1].parent.mkdir()
        sources[-1].write_bytes(original.read_bytes())
    edited = dataclasses.replace(COMPILED, sources=lambda: sources)
    assert edited.digest() == COMPILED.digest()
    gate = next(p for p in sources if p.name == "GateMove.avsc")
    gate.write_text(gate.read_text().replace('"doc"', '"doc" ', 1))
    assert edited.digest() != COMPILED.digest()
    assert edited.fresh_build() is None
    assert not edited.enable([])
    if fresh is not None:  # the real build under the edited sources' name is used; under another, not
        root = tmp_path / "root"
        shutil.copytree(fresh, root / COMPILED.name / "0123456789abcdef0123")
        assert COMPILED.fresh_build(root) is None and edited.fresh_build(root) is None
        shutil.copytree(fresh, edited.build_dir(root))
        assert edited.fresh_build(root) == edited.build_dir(root)


SWITCH = """
from baystream.schemas.catalog import catalog
from baystream.schemas.avro_decoder import compile_decoder
gate = catalog().current["GateMove"]
print(compile_decoder(gate.parsed, None, "GateMove").native)
"""


def test_the_variable_switches_the_build_off() -> None:
    require_build()
    for value, native in (("0", "False"), ("1", "True")):
        env = {**os.environ, COMPILED.switch: value}
        done = subprocess.run([sys.executable, "-c", SWITCH], env=env, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == native


@pytest.mark.parametrize("how", IMPLEMENTATIONS)
@pytest.mark.parametrize(("writer", "reader"), PAIRS, ids=VERSION_IDS)
@SLOW
@given(data=st.data(), prefix=st.binary(max_size=12), trailing=st.binary(max_size=4))
def test_any_record_reads_as_fastavro_reads_it(
    writer: SchemaVersion,
    reader: SchemaVersion | None,
    how: str,
    data: st.DataObject,
    prefix: bytes,
    trailing: bytes,
) -> None:
    body, reader_parsed, decoder = drawn(writer, reader, data, how)
    framed = prefix + body + trailing  # read in place, at an offset; bytes after the record are not its own
    assert_reads_as_fastavro(decoder, framed, len(prefix), writer.parsed, reader_parsed)


@pytest.mark.parametrize("how", IMPLEMENTATIONS)
@pytest.mark.parametrize("type_name", sorted(EVENTS))
@given(data=st.data())
def test_valid_events_take_the_quick_path(type_name: str, how: str, data: st.DataObject) -> None:
    """Our events (2015-2035, strings under 64 bytes of UTF-8, arrays of fewer than 64 items) never need the
    full reader or fastavro. A longer array (a train of 64 boxes or more) has a two-byte block count, a longer
    string (a vessel name of 64 bytes) a two-byte length: the quick reader fails them and `decode` takes the
    full reader (`test_any_record_reads_as_fastavro_reads_it`)."""
    record = data.draw(EVENTS[type_name])
    assume(all(len(v) < 64 for v in record.values() if isinstance(v, list)))
    strings = [v for v in record.values() if isinstance(v, str)]
    strings += [item for v in record.values() if isinstance(v, list) for item in v]
    assume(all(len(v.encode()) < 64 for v in strings))
    version = CURRENT[type_name]
    body = fastavro_bytes(version.parsed, record)
    quick = compiled(version, None, how).quick
    assert quick is not None
    assert strict(quick(body)) == strict(fastavro_read(body, 0, version.parsed, None))


@pytest.mark.parametrize("how", IMPLEMENTATIONS)
@pytest.mark.parametrize(("writer", "reader"), PAIRS, ids=VERSION_IDS)
@SLOW
@given(data=st.data())
def test_truncated_and_mutated_bodies_fail_or_read_as_in_fastavro(
    writer: SchemaVersion, reader: SchemaVersion | None, how: str, data: st.DataObject
) -> None:
    body, reader_parsed, decoder = drawn(writer, reader, data, how)
    cut = data.draw(st.integers(0, max(len(body) - 1, 0)))
    assert_reads_as_fastavro(decoder, body[:cut], 0, writer.parsed, reader_parsed)
    if body:
        at = data.draw(st.integers(0, len(body) - 1))
        mutated = body[:at] + bytes([data.draw(st.integers(0, 255))]) + body[at + 1 :]
        assert_reads_as_fastavro(decoder, mutated, 0, writer.parsed, reader_parsed)


@pytest.mark.parametrize("how", IMPLEMENTATIONS)
@pytest.mark.parametrize(("writer", "reader"), PAIRS, ids=VERSION_IDS)
@given(garbage=st.binary(max_size=80))
def test_garbage_fails_or_reads_as_in_fastavro(
    writer: SchemaVersion, reader: SchemaVersion | None, how: str, garbage: bytes
) -> None:
    decoder = compiled(writer, reader, how)
    assert_reads_as_fastavro(decoder, garbage, 0, writer.parsed, None if reader is None else reader.parsed)


# --- edges: lengths, timestamps, enums, booleans, varints ----------------------------------------------------

_GATE = CURRENT["GateMove"]
_RAIL = CURRENT["RailDeparture"]
_DEAD = CURRENT["DeadLetter"]


def _gate_body(**fields: Any) -> bytes:
    record = {
        "event_id": "e",
        "event_time": datetime(2021, 10, 1, tzinfo=UTC),
        "source": "APMT",
        "port": "USLAX",
        "facility": "APMT",
        "visit_id": "v",
        "direction": "IN",
        "move_type": "BOBTAIL",
        "truck_id": "t",
        "trucker": "ABCD",
        **fields,
    }
    return fastavro_bytes(_GATE.parsed, record)


def _millis_edges() -> list[int]:
    """Either side of the quick path's bounds (six-byte varints: zig-zag 2**35 to 2**42) and the float path's."""
    edges = [0, 1, -1, 63, 64, -64, -65, 2**32 * 1000 - 1, 2**32 * 1000, 253_402_300_799_999, -62_135_596_800_000]
    edges += [sign * 2**e + d for e in (34, 41, 48) for sign in (1, -1) for d in (-1, 0, 1)]
    return edges


def _rail_body(container_ids: list[str], car_count: int) -> bytes:
    return fastavro_bytes(_RAIL.parsed, _rail(container_ids=container_ids, car_count=car_count))


def _dead_body(**fields: Any) -> bytes:
    record = {"topic": "t", "reason": "r", "stage": "decode", "producer": "worker", "failed_at": 0, **fields}
    return fastavro_bytes(_DEAD.parsed, record)


EDGE_BODIES: list[tuple[SchemaVersion, bytes]] = [
    *((_GATE, _gate_body(visit_id="a" * n)) for n in (0, 1, 63, 64, 127, 128, 8191, 8192, 20_000)),
    *((_GATE, _gate_body(visit_id=s)) for s in ("é", "日本語", "🚢", "é" * 40)),
    *((_GATE, _gate_body(event_time=ms)) for ms in _millis_edges()),
    (_GATE, _gate_body(event_time=datetime(2021, 10, 1, 12, 0, 0, 999_000, tzinfo=UTC))),
    (_GATE, _gate_body(container_id="MSCU0000007", chassis_id="a" * 200, appointment_id="")),
    *((_RAIL, _rail_body(ids, n)) for ids, n in [([], 1), (["A"] * 64, 63), (["é" * 50] * 3, 64), ([], 2**31 - 1)]),
    *((_RAIL, _rail_body([], n)) for n in (0, -1, -64, -65, -(2**31))),
    *((_DEAD, _dead_body(partition=n, offset=n)) for n in (0, -1, 63, 64, -65, 2**31 - 1, -(2**31))),
    *((_DEAD, _dead_body(offset=n)) for n in (2**40, -(2**63), 2**63 - 1)),
    (_DEAD, _dead_body(key=b"", value=bytes(range(256)) * 4)),
]


@pytest.mark.parametrize("how", IMPLEMENTATIONS)
@pytest.mark.parametrize(("version", "body"), EDGE_BODIES, ids=[str(i) for i in range(len(EDGE_BODIES))])
def test_edge_bodies_read_as_in_fastavro(version: SchemaVersion, body: bytes, how: str) -> None:
    decoder = compiled(version, None, how)
    assert_reads_as_fastavro(decoder, body, 0, version.parsed, None)
    expected = outcome(lambda d, o: fastavro_read(d, o, version.parsed, None), body)
    if expected[0] == "record":  # the full reader reads any width itself, without fastavro
        assert decoder.fast is not None
        assert outcome(decoder.fast, body) == expected


@pytest.mark.parametrize("how", IMPLEMENTATIONS)
def test_blocks_of_an_array_read_as_in_fastavro(how: str) -> None:
    """Other writers may split an array into blocks, or give a block's size with a negative count."""
    head = _rail_body([], 1)
    cut = head.index(b"Chicago") + len(b"Chicago")
    item = b"\x02A"
    for blocks in (b"\x02" + item + b"\x04" + item + item + b"\x00", b"\x01\x04" + item + b"\x00"):
        body = head[:cut] + blocks + head[cut + 1 :]
        assert_reads_as_fastavro(compiled(_RAIL, None, how), body, 0, _RAIL.parsed, None)


@pytest.mark.parametrize("how", IMPLEMENTATIONS)
@pytest.mark.parametrize("index", [*range(0, 16), 126, 127, 128, 255])
def test_enum_and_boolean_bytes_read_as_in_fastavro(index: int, how: str) -> None:
    """Out-of-range and negative enum indexes, booleans other than 0 and 1: whatever fastavro does."""
    body = bytearray(_gate_body())
    direction_at = body.index(b"APMT\x02v") + 6
    for at in (direction_at, direction_at + 1):
        changed = bytes(body[:at]) + bytes([index]) + bytes(body[at + 1 :])
        assert_reads_as_fastavro(compiled(_GATE, None, how), changed, 0, _GATE.parsed, None)
    chassis = CURRENT["ChassisCheckout"]
    flag = fastavro_bytes(chassis.parsed, {**_chassis(), "out_of_service": True})
    assert flag[-1] == 1
    changed = flag[:-1] + bytes([index])
    assert_reads_as_fastavro(compiled(chassis, None, how), changed, 0, chassis.parsed, None)


def _chassis() -> dict[str, Any]:
    return {
        "event_id": "e",
        "event_time": datetime(2021, 10, 1, tzinfo=UTC),
        "source": "DCLI",
        "port": "USLAX",
        "facility": "APMT",
        "chassis_id": "DCLZ1",
        "action": "CHECKOUT",
        "provider": "DCLI",
        "location": "APMT",
        "size": "40",
        "trucker": "ABCD",
    }


@pytest.mark.parametrize("how", IMPLEMENTATIONS)
def test_millis_read_as_fastavro_reads_them(how: str) -> None:
    """The float path (1970 to 2106) is exact to the microsecond: every millisecond of a sample of days."""
    step = 86_400_000 * 37 + 1
    decode = compiled(_GATE, None, how).decode
    for ms in range(0, 2**32 * 1000, step * 1013):
        for near in (ms, ms + 1, ms + 999, ms + 500):
            body = _gate_body(event_time=near)
            got = decode(body)["event_time"]
            assert got == EPOCH + timedelta(milliseconds=near) and got.tzinfo is UTC


# --- schema resolution: older writers, a newer writer --------------------------------------------------------


def test_a_newer_writer_reads_with_the_current_reader_as_fastavro_does() -> None:
    """A next version with a symbol after UNKNOWN and a field the reader does not know: skipped, UNKNOWN."""
    future = future_version("GateMove", "GateDirection")
    future["fields"].insert(3, {"name": "lane", "type": ["null", "string"], "default": None})
    future["fields"].append({"name": "axles", "type": "int", "default": 5})
    future_parsed = fastavro.parse_schema(copy.deepcopy(future))
    record = {**_gate_record(), "direction": NEW_SYMBOL, "lane": "7", "axles": 6}
    body = fastavro_bytes(future_parsed, record)
    decoder = compile_decoder(future_parsed, _GATE.parsed, "GateMove")
    assert decoder.fast is not None and not decoder.native  # not a pair of the catalog: interpreted
    decoder = compile_decoder(future_parsed, _GATE.parsed)
    assert_reads_as_fastavro(decoder, body, 0, future_parsed, _GATE.parsed)
    assert decoder.decode(body)["direction"] == "UNKNOWN"
    assert "lane" not in decoder.decode(body)


def _gate_record() -> dict[str, Any]:
    return dict(fastavro_read(_gate_body(), 0, _GATE.parsed, None))


def test_a_reader_field_without_a_default_is_fastavros_error() -> None:
    reader = copy.deepcopy(json.loads(_GATE.text))
    reader["fields"].append({"name": "required_now", "type": "string"})
    reader_parsed = fastavro.parse_schema(reader)
    decoder = compile_decoder(_GATE.parsed, reader_parsed)
    assert decoder.fast is None  # not compiled: fastavro says why
    assert_reads_as_fastavro(decoder, _gate_body(), 0, _GATE.parsed, reader_parsed)


# --- through the Codec: both framings, the worker's DecodeError ---------------------------------------------


def old_codec_decode(data: bytes, writer: SchemaVersion, offset: int) -> dict[str, Any]:
    """What Codec.decode returned before the compiled decoder: fastavro on a copy of the body."""
    writer_parsed = writer.parsed
    reader = CURRENT[writer.name]
    try:
        record = fastavro_read(data, offset, writer_parsed, None if writer is reader else reader.parsed)
    except Exception as exc:
        raise DecodeError(f"corrupt {writer.name} record: {type(exc).__name__}: {exc}") from None
    record["type"] = writer.name
    return dict(record)


_REGISTRY = ConfluentRegistry("mock://decoder-tests")


@pytest.mark.parametrize(("writer", "reader"), PAIRS, ids=VERSION_IDS)
@SLOW
@given(data=st.data())
def test_both_framings_decode_as_before(
    writer: SchemaVersion, reader: SchemaVersion | None, data: st.DataObject
) -> None:
    body = drawn(writer, reader, data)[0]
    cut = data.draw(st.sampled_from([len(body), len(body) // 2, max(len(body) - 1, 0)]))
    single = SINGLE_OBJECT_MAGIC + writer.fingerprint + body[:cut]
    codec = Codec(_REGISTRY)
    schema_id = _REGISTRY.register(f"decoder-{writer.name}-v{writer.version}", writer.text)
    confluent = struct.pack(">bI", 0, schema_id) + body[:cut]
    for framed, offset in ((single, 10), (confluent, 5)):
        expected = outcome(lambda d, o: old_codec_decode(d, writer, o), framed, offset)
        assert outcome(lambda d, o: codec.decode(d), framed) == expected


def test_truncated_and_garbage_records_are_the_decode_error_the_worker_dead_letters() -> None:
    codec = Codec()
    body = _gate_body()
    framed = SINGLE_OBJECT_MAGIC + _GATE.fingerprint + body
    for cut in range(10, len(framed)):
        with pytest.raises(DecodeError, match="corrupt GateMove record: "):
            codec.decode(framed[:cut])
    for garbage in (b"\xff" * 30, b"\x01" * 30, b"\x80" * 30):
        with pytest.raises(DecodeError, match="corrupt GateMove record: "):
            codec.decode(SINGLE_OBJECT_MAGIC + _GATE.fingerprint + garbage)


# --- schemas beyond the catalog ---------------------------------------------------------------------------


@SLOW
@given(data=st.data())
def test_other_supported_constructs_read_as_fastavro(data: st.DataObject) -> None:
    parsed = fastavro.parse_schema(copy.deepcopy(KITCHEN_SINK))
    decoder = compile_decoder(parsed)
    assert decoder.fast is not None
    body = fastavro_bytes(parsed, data.draw(records_of(KITCHEN_SINK)))
    assert_reads_as_fastavro(decoder, body, 0, parsed, None)


@pytest.mark.parametrize(
    ("field_type", "value"),
    [
        ("float", 1.5),
        ({"type": "map", "values": "string"}, {"a": "b"}),
        ({"type": "fixed", "name": "F", "size": 2}, b"ab"),
        ({"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "string"}]}, {"x": "y"}),
        ({"type": "int", "logicalType": "date"}, 19000),
        ({"type": "long", "logicalType": "timestamp-micros"}, 10**15),
        (["null", "string", "long"], 3),
        (["null", {"type": "array", "items": "string"}], ["a"]),
        ({"type": "array", "items": "long"}, [1, 2]),
    ],
)
def test_unsupported_constructs_use_fastavro(field_type: Any, value: Any) -> None:
    schema = {"type": "record", "name": "R", "fields": [{"name": "x", "type": field_type}]}
    parsed = fastavro.parse_schema(schema)
    decoder = compile_decoder(parsed)
    assert decoder.fast is None and decoder.quick is None and decoder.source is None
    body = fastavro_bytes(parsed, {"x": value})
    assert outcome(decoder.decode, body) == outcome(lambda d, o: fastavro_read(d, o, parsed, None), body)


def test_decoders_are_built_once_per_schema_pair() -> None:
    old = catalog().versions["GateMove"][0]
    assert decoder_for(_GATE.parsed) is decoder_for(_GATE.parsed)
    assert decoder_for(old.parsed, _GATE.parsed) is decoder_for(old.parsed, _GATE.parsed)
    assert decoder_for(old.parsed, _GATE.parsed) is not decoder_for(old.parsed)
