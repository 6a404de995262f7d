"""Avro binary decoding of our records, compiled once per (writer, reader) schema pair: the worker's input cost.

fastavro's `schemaless_reader` walks the schema for every record (about 6 µs per event, docs/benchmarks.md),
and the wire format added a copy of the body and a BytesIO around it. Here a function is generated once per
writer schema, or per writer and reader pair when an older version is read with the newest one, that reads
the body in place (`decode(data, offset)`) with straight-line code: lookups for enum symbols and booleans,
the one-byte varint inline, one dict display per record.

Semantics are fastavro's: the generated code returns a record only when it is sure it is what fastavro
would return. Anything else (a multi-byte oddity, an enum index out of range, a truncated or over-long
body, a negative length, invalid UTF-8, a schema construct not listed below) goes to `schemaless_reader`
on the same bytes, so the caller gets fastavro's record or fastavro's error.

Supported: string, bytes, boolean, int, long, double, enum, `timestamp-millis` long, array of string,
unions of null and one of those (except the array), named type references. Between a writer and a reader
version: fields matched by name (no aliases), writer fields the reader lacks skipped, reader fields the
writer lacks taking their default, enums mapped by symbol with the reader's default for unknown ones.

The compiled build: `make compiled` writes the same bodies for every pair the Codec reads (`catalog_pairs`)
as typed functions of one module (`native_module`) and compiles it with mypyc (`COMPILED`, infra/compiled.py),
which halves the decoder's time. The build is named by a digest of this generator and the schema files,
so an edited schema or generator is read by the exec'd decoders until the next `make`; `compile_decoder`
takes the build's functions for a pair it holds (`pair_key`: the whole schemas and the tag), and what
they are not sure of goes to the exec'd decoder, then fastavro, as above.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import io
import json
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fastavro
from fastavro import schemaless_reader

from baystream.infra.compiled import Group, literal
from baystream.schemas.avro_encoder import Unsupported, _is
from baystream.schemas.catalog import AVRO_DIR, catalog

Decoder = Callable[..., dict[str, Any]]
"""`decode(data, offset=0)`: the record whose Avro body starts at `offset` of `data`."""

_LONG_MIN = -(2**63)
_LONG_MAX = 2**63 - 1
_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FLOAT_EXACT_MS = 2**32 * 1000
"""From 1970 to 2106 `fromtimestamp(ms / 1000)` is exact to the microsecond (the float's error is below
half a microsecond) and twice as fast as fastavro's `epoch + timedelta`; other millis take fastavro's sum."""
_PRIMITIVES = ("string", "bytes", "boolean", "int", "long", "double")


class _Unhandled(Exception):
    """Raised inside generated code for bytes it is not sure of: the record goes to fastavro."""


def _varint(b: bytes, p: int) -> tuple[int, int]:
    """Avro long of more than one byte at `p` and the position after it; at most 10 bytes, 64-bit values."""
    x = 0
    shift = 0
    while True:
        c = b[p]
        p += 1
        x |= (c & 0x7F) << shift
        if c < 0x80:
            break
        shift += 7
        if shift > 63:
            raise _Unhandled
    value = (x >> 1) ^ -(x & 1)
    if not _LONG_MIN <= value <= _LONG_MAX:
        raise _Unhandled
    return value, p


def _length(b: bytes, p: int) -> tuple[int, int]:
    """A non-negative length (string, bytes) of any width; a negative one is fastavro's to judge."""
    value, p = _varint(b, p)
    if value < 0:
        raise _Unhandled
    return value, p


def _millis(ms: int) -> datetime:
    """fastavro's datetime of a `timestamp-millis` value (aware, UTC)."""
    if 0 <= ms < _FLOAT_EXACT_MS:
        return _fromtimestamp(ms / 1000, UTC)
    return _EPOCH + timedelta(0, 0, 0, ms)


_fromtimestamp = datetime.fromtimestamp

_BAD = 1 << 50
"""What the quick tables give for a byte they do not cover: a length or value no record can have."""
_HALF = tuple(x >> 1 if x < 0x80 and not x & 1 else _BAD for x in range(256))
"""Length of a string or bytes from its one-byte Avro long (0 to 63); anything else sends p past the end."""


def _pairs(high_continued: bool) -> tuple[int, ...]:
    """The 14 bits of two varint bytes read as a little-endian uint16: the low byte continued, the high one
    continued or not as asked; `_BAD` for every other pair."""
    table = [_BAD] * (1 << 16)
    for hi in range(0x80, 0x100) if high_continued else range(0x80):
        for lo in range(0x80, 0x100):
            table[lo | hi << 8] = (lo & 0x7F) | (hi & 0x7F) << 7
    return tuple(table)


_PAIR = _pairs(high_continued=True)
"""Two varint bytes (little-endian uint16), both continued, to their 14 bits."""
_LAST_PAIR = _pairs(high_continued=False)
"""The last two bytes of a six-byte varint: the first continued, the second not."""
_SIX = 1 << 42
"""Six-byte varints hold zig-zagged millis below 2**42: 1970 to 2039, where every event time falls."""
_three_pairs = struct.Struct("<HHH").unpack_from


def _strings(b: bytes, p: int) -> tuple[list[str], int]:
    """An array of strings: blocks of (positive count, items) up to a zero count."""
    items: list[str] = []
    append = items.append
    while True:
        count, p = _length(b, p)  # once per block: the general read will do
        if not count:
            return items, p
        for _ in range(count):
            n = b[p]
            if n & 0x81:
                n, p = _length(b, p)
            else:
                n >>= 1
                p += 1
            end = p + n
            if end > len(b):
                raise _Unhandled
            append(b[p:end].decode())
            p = end


_unpack_double = struct.Struct("<d").unpack_from


@dataclass(frozen=True)
class CompiledDecoder:
    """The decoders of one writer schema (and reader schema, when they differ).

    `decode` is what callers use: the quick generated code, then the full one, then fastavro. `quick` and
    `fast` are the generated code alone, raising where they would pass the record on (tests compare them
    with fastavro); None, like `source`, when a construct is not supported and `decode` is plain fastavro.
    """

    decode: Decoder
    fast: Decoder | None
    quick: Decoder | None
    source: str | None
    native: bool = False
    """True when `decode`, `fast` and `quick` are the compiled build's (mypyc), `source` the interpreted one's."""


def fastavro_decoder(writer: Any, reader: Any = None, tag: str | None = None) -> Decoder:
    """fastavro's `schemaless_reader` over the body from `offset`, as the wire format used it."""

    def decode(data: Any, offset: int = 0) -> dict[str, Any]:
        result: Any = schemaless_reader(io.BytesIO(data[offset:]), writer, reader)
        if not isinstance(result, dict):
            raise ValueError(f"not a record but {type(result).__name__}")
        if tag is not None:
            result["type"] = tag
        return result

    return decode


def _plain(avro_type: Any, named: dict[str, Any]) -> Any:
    """Named references to their definition; `{"type": "string"}` and the like to the plain name."""
    if isinstance(avro_type, str) and avro_type in named:
        return _plain(named[avro_type], named)
    if isinstance(avro_type, dict) and "logicalType" not in avro_type and avro_type.get("type") in _PRIMITIVES:
        return avro_type["type"]
    return avro_type


def _is_millis(avro_type: Any) -> bool:
    return isinstance(avro_type, dict) and avro_type.get("logicalType") == "timestamp-millis"


class _Generator:
    """Builds the source of one decoder: statements per writer field, then the record's dict display.

    Two bodies of the same reads: the quick one assumes one-byte lengths and six-byte timestamps (what our
    events are) with table lookups and no branches, and raises otherwise; the full one reads any width.
    `native`: the bodies as typed functions of a module for mypyc (`native_module`): the same reads, with
    branches on bytes instead of tables (cheap in C) and constants written as literals.
    """

    def __init__(
        self,
        writer: dict[str, Any],
        reader: dict[str, Any] | None,
        tag: str | None = None,
        native: bool = False,
        literals: dict[str, str] | None = None,
    ):
        self.writer = writer
        self.reader = reader
        self.tag = tag
        self.native = native
        self.literals: dict[str, str] = {} if literals is None else literals
        """Native: module-level constants (shared by the pairs of a module), name to `: type = value` source."""
        self.writer_named: dict[str, Any] = writer.get("__named_schemas") or {}
        self.reader_named: dict[str, Any] = (reader or writer).get("__named_schemas") or {}
        self.namespace: dict[str, Any] = {
            "_Unhandled": _Unhandled,
            "_varint": _varint,
            "_length": _length,
            "_millis": _millis,
            "_strings": _strings,
            "_unpack_double": _unpack_double,
            "_copy": copy.deepcopy,
            "_HALF": _HALF,
            "_PAIR": _PAIR,
            "_LAST_PAIR": _LAST_PAIR,
            "_three_pairs": _three_pairs,
            "_fromtimestamp": _fromtimestamp,
            "_UTC": UTC,
        }
        self.quick = False
        self.lines: list[str] = []
        self.items: list[str] = []
        """`'name': expression` of the result, in fastavro's key order."""

    def constant(self, prefix: str, value: Any) -> str:
        """A name in the generated code's namespace bound to `value` (never its repr: exact objects)."""
        name = f"_{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def literal(self, value: Any) -> str:
        """Native: source giving `value` (a fresh copy of a list or dict at every evaluation); only values
        whose repr reads back as the same types and values, else the pair stays interpreted."""
        try:
            return literal(value)
        except ValueError as exc:
            raise Unsupported(str(exc)) from None

    def body(self, quick: bool) -> list[str]:
        """The statements reading the record, ending with its return (after the check for truncation)."""
        self.quick = quick
        self.lines = []
        self.items = []
        self.record(self.writer, self.reader)
        if self.tag is not None:
            tag = self.literal(self.tag) if self.native else self.constant("T", self.tag)
            self.items.append(f"'type': {tag}")
        result = "{" + ", ".join(self.items) + "}"
        return [*self.lines, "if p > len(b):", "    raise _Unhandled", f"return {result}"]

    def record(self, writer: dict[str, Any], reader: dict[str, Any] | None) -> None:
        if writer.get("type") != "record" or (reader is not None and reader.get("type") != "record"):
            raise Unsupported("only records are compiled")
        reader_fields = {f["name"]: f for f in (reader or writer)["fields"]}
        if reader is not None and any("aliases" in f for f in reader["fields"]):
            raise Unsupported("field aliases")
        for index, field in enumerate(writer["fields"]):
            read_as = reader_fields.pop(field["name"], None)
            if read_as is None:  # a writer field the reader does not have: read (checked) and dropped
                self.value("_", field["type"], field["type"])
            else:
                self.value(f"v{index}", field["type"], read_as["type"])
                self.items.append(f"{field['name']!r}: v{index}")
        for name, field in reader_fields.items():  # in the reader only: its default, as fastavro fills it
            if "default" not in field:
                raise Unsupported(f"reader field {name!r} without a default")
            default = field["default"]
            if self.native:  # a list or dict display builds a new one per record, as the copy does
                self.items.append(f"{name!r}: {self.literal(default)}")
                continue
            shown = self.constant("D", default)
            if isinstance(default, list | dict):
                shown = f"_copy({shown})"
            self.items.append(f"{name!r}: {shown}")

    def value(self, target: str, writer_type: Any, reader_type: Any) -> None:
        """Statements reading one writer value at `p` into `target` as the reader type sees it."""
        w = _plain(writer_type, self.writer_named)
        r = w if reader_type is writer_type else _plain(reader_type, self.reader_named)
        emit = self.lines.append
        if isinstance(w, list) or isinstance(r, list):
            self.union(target, w, r)
        elif w in ("string", "bytes") and r == w:
            decode = ".decode()" if w == "string" else ""
            if self.quick and self.native:
                emit("n = b[p]")
                emit("if n & 129:")
                emit("    raise _Unhandled")
                emit("q = p + 1")
                emit("p = q + (n >> 1)")
                emit(f"{target} = b[q:p]{decode}")
                return
            if self.quick:  # a length byte the table does not cover sends p past the end: the final check
                emit("q = p + 1")
                emit("p = q + _HALF[b[p]]")
                emit(f"{target} = b[q:p]{decode}")
                return
            emit("n = b[p]")
            emit("if n & 129:")
            emit("    n, p = _length(b, p)")
            emit("else:")
            emit("    n >>= 1")
            emit("    p += 1")
            emit("e = p + n")
            emit(f"{target} = b[p:e]{decode}")
            emit("p = e")  # past the end only if truncated: the final check sends it to fastavro
        elif w == "boolean" and r == w and self.native:
            emit("if b[p] > 1:")
            emit("    raise _Unhandled")
            emit(f"{target} = b[p] == 1")
            emit("p += 1")
        elif w == "boolean" and r == w:
            emit(f"{target} = {self.constant('B', {0: False, 1: True})}[b[p]]")
            emit("p += 1")
        elif w in ("int", "long") and r == w:
            self.long(target, 32 if w == "int" else 64)
        elif w == "double" and r == w:
            emit(f"{target} = _unpack_double(b, p)[0]")
            emit("p += 8")
        elif _is(w, "enum") and _is(r, "enum"):
            self.enum(target, w, r)
        elif _is_millis(w) and _is_millis(r) and w.get("type") == r.get("type") == "long":
            self.millis(target)
        elif _is(w, "array") and _is(r, "array"):
            if _plain(w.get("items"), self.writer_named) != "string":
                raise Unsupported("arrays of other than strings")
            if _plain(r.get("items"), self.reader_named) != "string":
                raise Unsupported("arrays of other than strings")
            emit(f"{target}, p = _strings(b, p)")
        else:
            raise Unsupported(f"Avro type {writer_type!r} read as {reader_type!r}")

    def long(self, target: str, bits: int) -> None:
        """A zig-zag varint: one byte inline, more through `_varint`; an int beyond 32 bits to fastavro."""
        emit = self.lines.append
        emit("x = b[p]")
        emit("if x & 128:")
        emit(f"    {target}, p = _varint(b, p)")
        if bits == 32:
            emit(f"    if not {_INT_MIN} <= {target} <= {_INT_MAX}:")
            emit("        raise _Unhandled")
        emit("else:")
        emit(f"    {target} = (x >> 1) ^ -(x & 1)")
        emit("    p += 1")

    def millis(self, target: str) -> None:
        """A timestamp: quick, a six-byte varint of a time from 1970 on by three pair lookups; else any."""
        emit = self.lines.append
        if not self.quick:
            self.long("ms", 64)
            emit(f"{target} = _millis(ms)")
            return
        if self.native:  # five continued bytes and a last one: a time from 1970 to 2039 unless the sign bit
            emit("x = b[p] & b[p + 1] & b[p + 2] & b[p + 3] & b[p + 4]")
            emit("y = b[p + 5]")
            emit("if not x & 128 or y & 128:")
            emit("    raise _Unhandled")
            parts = " | ".join(f"(b[p + {i}] & 127) << {7 * i}" for i in range(1, 5))
            emit(f"z = (b[p] & 127) | {parts} | y << 35")
            emit("if z & 1:")
            emit("    raise _Unhandled")
            emit(f"{target} = _fromtimestamp(z / 2000, _UTC)")
            emit("p += 6")
            return
        emit("x, y, z = _three_pairs(b, p)")
        emit("z = _PAIR[x] | _PAIR[y] << 14 | _LAST_PAIR[z] << 28")
        emit(f"if z >= {_SIX} or z & 1:")  # not six bytes (or a table miss), or before 1970
        emit("    raise _Unhandled")
        emit(f"{target} = _fromtimestamp(z / 2000, _UTC)")  # z = 2 ms: exact below 2**42 (see _millis)
        emit("p += 6")

    def enum(self, target: str, writer: dict[str, Any], reader: dict[str, Any]) -> None:
        """Index byte to symbol; through the reader's symbols (or its default) when the schemas differ."""
        if writer is not reader and writer.get("name") != reader.get("name"):
            raise Unsupported("enums of different names")
        table: dict[int, str] = {}
        for position, symbol in enumerate(writer["symbols"][:64]):  # one-byte indexes; the rest to fastavro
            if writer is not reader and symbol not in reader["symbols"]:
                default = reader.get("default")
                if not default:  # as fastavro: no (or an empty) default is a resolution error
                    continue
                symbol = default
            table[position << 1] = symbol
        if self.native:  # one module-level table per distinct table
            value = f"Final[dict[int, str]] = {self.literal(table)}"
            name = next((n for n, v in self.literals.items() if v == value), f"_E{len(self.literals)}")
            self.literals[name] = value
        else:
            name = self.constant("E", table)
        self.lines.append(f"{target} = {name}[b[p]]")
        self.lines.append("p += 1")

    def union(self, target: str, writer: Any, reader: Any) -> None:
        """Null and one other type, in the same order on both sides; the index byte picks the branch."""
        if not (isinstance(writer, list) and isinstance(reader, list)):
            raise Unsupported("a union read as a non-union, or the reverse")
        for branches in (writer, reader):
            if len(branches) != 2 or "null" not in branches:
                raise Unsupported("only unions of null and one other type")
        null_at = writer.index("null")
        if reader.index("null") != null_at:
            raise Unsupported("unions in another order")
        other_w = _plain(writer[1 - null_at], self.writer_named)
        other_r = _plain(reader[1 - null_at], self.reader_named)
        if _is(other_w, "array") or isinstance(other_w, list):
            raise Unsupported("unions of null and an array or a union")
        emit = self.lines.append
        emit("x = b[p]")
        emit("p += 1")
        emit(f"if x == {null_at << 1}:")
        emit(f"    {target} = None")
        emit(f"elif x == {(1 - null_at) << 1}:")
        before = len(self.lines)
        self.value(target, other_w, other_r)
        self.lines[before:] = ["    " + line for line in self.lines[before:]]
        emit("else:")
        emit("    raise _Unhandled")

    def native_functions(self, index: int, key: str) -> list[str]:
        """Native: typed `quick_<index>`, `fast_<index>`, and `decode_<index>` trying them, then `FALLBACK[key]`."""
        lines: list[str] = []
        fields = len(self.writer["fields"])
        declared = ["_: Any", *(f"v{i}: Any" for i in range(fields)), *(f"{n}: int" for n in "xyznqe"), "ms: int"]
        for kind, quick in (("quick", True), ("fast", False)):
            body = self.body(quick)
            lines += [f"def {kind}_{index}(b: bytes, p: int = 0) -> dict[str, Any]:"]
            lines += ["    " + line for line in [*declared, *body]]
            lines += ["", ""]
        return [
            *lines,
            f"def decode_{index}(b: Any, p: int = 0) -> dict[str, Any]:",
            "    if isinstance(b, bytes):",
            "        try:",
            f"            return quick_{index}(b, p)",
            "        except Exception:",  # not one of our usual records: the full reader
            "            pass",
            "        try:",
            f"            return fast_{index}(b, p)",
            "        except Exception:",
            "            pass",
            f"    return FALLBACK[{key!r}](b, p)",  # the interpreted decoder, then fastavro
            "",
            "",
        ]

    def source(self) -> str:
        quick = self.body(quick=True)
        full = self.body(quick=False)
        return "\n".join(
            [
                "def quick(b, p=0):",
                *("    " + line for line in quick),
                "",
                "def fast(b, p=0):",
                *("    " + line for line in full),
                "",
                "def decode(b, p=0):",
                "    start = p",  # the quick body moves p: the others start again from here
                "    try:",
                *("        " + line for line in quick),
                "    except Exception:",  # not one of our usual records: the full reader, then fastavro
                "        pass",
                "    try:",
                "        return fast(b, start)",
                "    except Exception:",
                "        pass",
                "    return _slow(b, start)",
                "",
            ]
        )


def _parsed(schema: Any) -> Any:
    if isinstance(schema, dict) and schema.get("__fastavro_parsed"):
        return schema
    return fastavro.parse_schema(schema)


def _bare(schema: Any) -> Any:
    """A parsed schema without fastavro's own keys (`__fastavro_parsed`, `__named_schemas`, ...)."""
    if isinstance(schema, dict):
        return {k: _bare(v) for k, v in schema.items() if not k.startswith("__")}
    if isinstance(schema, list):
        return [_bare(v) for v in schema]
    return schema


def pair_key(writer: Any, reader: Any, tag: str | None) -> str:
    """Names a writer, reader and tag by the whole schemas (defaults and all): the compiled build's index."""
    text = json.dumps([_bare(writer), _bare(reader), tag], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- the compiled build: the decoders of the catalog, generated and compiled with mypyc at `make compiled` ----

NATIVE_MODULE = "_avro_decoders"
"""The generated module, in the build only (never in the repository): `baystream.schemas._avro_decoders`."""

_NATIVE_HEADER = '''"""The Avro decoders of the schema catalog for mypyc (from baystream.schemas.avro_decoder)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final
'''


def catalog_pairs() -> list[tuple[Any, Any, str]]:
    """What the Codec reads: every version of every schema, the newest alone and older ones with the newest,
    tagged with the schema's name."""
    schemas = catalog()
    pairs: list[tuple[Any, Any, str]] = []
    for name, versions in schemas.versions.items():
        current = schemas.current[name]
        pairs += [(v.parsed, None if v is current else current.parsed, name) for v in versions]
    return pairs


def native_module(pairs: Iterable[tuple[Any, Any, str | None]]) -> str:
    """The source of a module of typed decoders for mypyc: per pair `quick_<i>`, `fast_<i>` and `decode_<i>`,
    and `DECODERS`, `(decode, fast, quick)` by `pair_key`. `decode` ends in `FALLBACK[key]`, which the loader
    sets to the interpreted decoder (then fastavro). Pairs with unsupported constructs are left out."""
    literals: dict[str, str] = {}
    functions: list[str] = []
    table: list[str] = []
    for index, (writer, reader, tag) in enumerate(pairs):
        writer = _parsed(writer)
        reader = None if reader is None else _parsed(reader)
        key = pair_key(writer, reader, tag)
        try:
            functions += _Generator(writer, reader, tag, native=True, literals=literals).native_functions(index, key)
        except Unsupported:
            continue
        table.append(f"    {key!r}: (decode_{index}, fast_{index}, quick_{index}),")
    shared = [f"{name}: Final = {value!r}" for name, value in (("_LONG_MIN", _LONG_MIN), ("_LONG_MAX", _LONG_MAX))]
    shared += [
        f"_FLOAT_EXACT_MS: Final = {_FLOAT_EXACT_MS!r}",
        "_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)",
        "_UTC: Final = UTC",
        "_fromtimestamp: Final = datetime.fromtimestamp",
        "_unpack_double: Final = struct.Struct('<d').unpack_from",
        "FALLBACK: Final[dict[str, Callable[[Any, int], dict[str, Any]]]] = {}",
        *(f"{name}: {value}" for name, value in literals.items()),
    ]
    helpers = [inspect.getsource(f) for f in (_Unhandled, _varint, _length, _millis, _strings)]  # as here
    return "\n".join(
        [
            _NATIVE_HEADER,
            *shared,
            "",
            "",
            "\n\n".join(helpers),
            "",
            *functions,
            "DECODERS: Final[dict[str, tuple[Callable[..., dict[str, Any]], ...]]] = {",
            *table,
            "}",
            "",
        ]
    )


def _native_sources() -> list[Path]:
    """What the generated module depends on: this generator, its helpers, and every schema file."""
    here = Path(__file__).parent
    shared = Path(inspect.getfile(literal))
    return [
        here / "avro_decoder.py",
        here / "avro_encoder.py",
        here / "catalog.py",
        shared,
        *sorted(AVRO_DIR.rglob("*.avsc")),
    ]


def _write_native_module(folder: Path) -> None:
    path = folder.joinpath(*COMPILED.package.split("."), f"{NATIVE_MODULE}.py")
    path.write_text(native_module(catalog_pairs()))


COMPILED = Group(
    "decoders", __package__ or "baystream.schemas", (NATIVE_MODULE,), _native_sources, _write_native_module
)
"""The decoders' build (`BAYSTREAM_DECODERS_COMPILED=0` turns it off); used only while it matches the sources."""


@functools.cache
def native_build() -> Any:
    """The compiled module of a fresh build, or None (no build, a stale one, switched off): then Python."""
    return COMPILED.load(NATIVE_MODULE)


def compile_decoder(writer: Any, reader: Any = None, tag: str | None = None, native: bool = True) -> CompiledDecoder:
    """The decoders of a writer schema, read as `reader` when given (parsed by fastavro, or JSON forms).

    `tag`: a `type` the records get as their last key (the Codec's event type), else fastavro's record as is.
    `native`: the compiled build's functions when it has this pair (`native_build`), else the interpreted ones.
    """
    writer = _parsed(writer)
    reader = None if reader is None else _parsed(reader)
    slow = fastavro_decoder(writer, reader, tag)
    if not isinstance(writer, dict) or not (reader is None or isinstance(reader, dict)):
        return CompiledDecoder(slow, None, None, None)
    generator = _Generator(writer, reader, tag)
    try:
        source = generator.source()
    except Unsupported:
        return CompiledDecoder(slow, None, None, None)
    namespace = dict(generator.namespace, _slow=slow)
    exec(compile(source, f"<avro decoder of {writer.get('name')}>", "exec"), namespace)
    interpreted = CompiledDecoder(namespace["decode"], namespace["fast"], namespace["quick"], source)
    built = native_build() if native else None
    if built is not None:
        key = pair_key(writer, reader, tag)
        entry = built.DECODERS.get(key)
        if entry is not None:
            built.FALLBACK[key] = interpreted.decode
            decode, fast, quick = entry
            return CompiledDecoder(decode, fast, quick, source, native=True)
    return interpreted


_DECODERS: dict[tuple[int, int, str | None], tuple[Any, Any, Decoder]] = {}


def decoder_for(writer: Any, reader: Any = None, tag: str | None = None) -> Decoder:
    """The compiled decoder of a parsed writer (and reader) schema, built at first use, kept by identity."""
    key = (id(writer), id(reader), tag)
    entry = _DECODERS.get(key)
    if entry is not None and entry[0] is writer and entry[1] is reader:
        return entry[2]
    decode = compile_decoder(writer, reader, tag).decode
    _DECODERS[key] = (writer, reader, decode)  # the entry keeps both alive, so their ids stay their own
    return decode
