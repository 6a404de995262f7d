"""Avro binary encoding of our records, compiled once per schema (it was the publish path's largest cost).

fastavro's `schemaless_writer` walks the schema for every record (8-10 µs per event of the publish
benchmark, docs/benchmarks.md). Here a function is generated once per schema (Python source, `exec`'d)
that writes the same bytes with straight-line code: table lookups for lengths, enum indexes and timestamp
varints, and one `b"".join` per record.

Semantics are fastavro's: the generated code handles only the exact Python types it is sure about
(`str`, `int`, `float`, `bool`, `bytes`, `list`, aware `datetime`, `None` in unions, a plain `dict` as the
record) and values in range; for anything else (another type, an unknown enum symbol, a missing field, a
very long string, a schema construct not listed below) the record goes to `schemaless_writer`, so the
caller gets fastavro's bytes or fastavro's error.

Supported: string, bytes, boolean, int, long, double, enum, `timestamp-millis` long, array of string,
unions of null and one of those (except the array), named type references, field defaults.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import fastavro
from fastavro import schemaless_writer

Encoder = Callable[[Mapping[str, Any]], bytes]

_LONG_MIN = -(2**63)
_LONG_MAX = 2**63 - 1
_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""fastavro's epoch for aware datetimes: millis are (dt - epoch) in days, seconds and microseconds."""


class Unsupported(ValueError):
    """A schema construct the generated code does not handle; the whole schema then uses fastavro."""


class _Unhandled(Exception):
    """Raised inside generated code for a value it does not handle: the record goes to fastavro."""


def _varint(n: int) -> bytes:
    """Unsigned base-128 varint, least significant group first (Avro's long after zig-zag)."""
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


_RAW14 = tuple(_varint(g) for g in range(1 << 14))
"""Minimal varint of every 14-bit value: the top group of a timestamp."""
_CONT14 = tuple(bytes(((g & 0x7F) | 0x80, (g >> 7) | 0x80)) for g in range(1 << 14))
"""A 14-bit group as two varint bytes, both with the continuation bit: the low groups of a timestamp."""
_LEN = tuple(_varint(n << 1) for n in range(1 << 14))
"""Avro long (zig-zag varint) of every length below 16384: string, bytes and array-count prefixes."""
_TS_LOW = 1 << 28
_TS_MID = 1 << 42
_TS_HIGH = 1 << 56
"""Zig-zagged millis from 2**28 (1.6 days either side of 1970) below 2**42 (1900-04 to 2039-09) take three
table lookups, below 2**56 (every year a datetime has) four; the rest (around 1970) the general varint."""


def _long_bytes(value: int) -> bytes:
    """Avro long of any int in the signed 64-bit range fastavro accepts; else the record goes to fastavro."""
    if type(value) is not int or not _LONG_MIN <= value <= _LONG_MAX:
        raise _Unhandled
    return _varint(_zigzag(value))


def _string_array(items: Any) -> bytes:
    """An array of strings in one block, as fastavro writes it (count, items, then a zero count)."""
    if type(items) is not list:
        raise _Unhandled
    if not items:
        return b"\x00"
    parts = [_long_bytes(len(items))]
    append = parts.append
    for item in items:
        if type(item) is not str:
            raise _Unhandled
        data = item.encode()
        append(_LEN[len(data)])
        append(data)
    append(b"\x00")
    return b"".join(parts)


_pack_double = struct.Struct("<d").pack


@dataclass(frozen=True)
class CompiledEncoder:
    """The encoders of one schema.

    `encode` is what callers use: generated code with fastavro as the fallback. `fast` is the generated
    code alone, raising where it would fall back (tests compare it with fastavro); None, like `source`,
    when the schema has a construct the generator does not support and `encode` is plain fastavro.
    """

    encode: Encoder
    fast: Encoder | None
    source: str | None


def fastavro_encoder(parsed: Any) -> Encoder:
    """fastavro's `schemaless_writer` into a BytesIO, as a function of the record."""

    def encode(record: Mapping[str, Any]) -> bytes:
        buffer = io.BytesIO()
        schemaless_writer(buffer, parsed, record)
        return buffer.getvalue()

    return encode


def _is(avro_type: Any, kind: str) -> bool:
    """A complex type of this kind without a logical type (those we do not know go to fastavro)."""
    return isinstance(avro_type, dict) and avro_type.get("type") == kind and "logicalType" not in avro_type


class _Generator:
    """Builds the source of one schema's encoder: statements per field, then the parts of the join."""

    def __init__(self, parsed: dict[str, Any]):
        self.named: dict[str, Any] = parsed.get("__named_schemas") or {}
        self.namespace: dict[str, Any] = {
            "_Unhandled": _Unhandled,
            "_datetime": datetime,
            "_EPOCH": _EPOCH,
            "_LEN": _LEN,
            "_RAW14": _RAW14,
            "_CONT14": _CONT14,
            "_long_bytes": _long_bytes,
            "_string_array": _string_array,
            "_pack_double": _pack_double,
            "_join": b"".join,
        }
        self.lines: list[str] = []
        self.parts: list[str] = []

    def constant(self, prefix: str, value: Any) -> str:
        """A name in the generated code's namespace bound to `value` (never its repr: exact objects)."""
        name = f"_{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def resolve(self, avro_type: Any) -> Any:
        """Named references to their definition; `{"type": "string"}` and the like to the plain name."""
        if isinstance(avro_type, str) and avro_type in self.named:
            return self.resolve(self.named[avro_type])
        if isinstance(avro_type, dict) and "logicalType" not in avro_type and isinstance(avro_type.get("type"), str):
            inner = avro_type["type"]
            if inner in ("string", "bytes", "boolean", "int", "long", "double"):
                return inner
        return avro_type

    def record(self, schema: dict[str, Any]) -> None:
        if schema.get("type") != "record":
            raise Unsupported("only records are compiled")
        self.lines.append("if type(r) is not dict:")
        self.lines.append("    raise _Unhandled")
        for index, field in enumerate(schema["fields"]):
            self.field(index, field)

    def field(self, index: int, field: dict[str, Any]) -> None:
        name = field["name"]
        if not name.isidentifier():
            raise Unsupported(f"field name {name!r}")
        avro_type = self.resolve(field["type"])
        nullable = isinstance(avro_type, list) and "null" in avro_type
        # fastavro: a missing field takes the field's default; None if it has none but the union has null;
        # else it is an error, which `r[...]` turns into a KeyError and so into fastavro's own error.
        if "default" in field:
            self.lines.append(f"v = r.get({name!r}, {self.constant('D', field['default'])})")
        elif nullable:
            self.lines.append(f"v = r.get({name!r})")
        else:
            self.lines.append(f"v = r[{name!r}]")
        if isinstance(avro_type, list):
            self.union(index, avro_type)
        else:
            self.value(index, avro_type, "")

    def union(self, index: int, branches: list[Any]) -> None:
        """Null and one other type: None takes the null branch, anything else must suit the other one."""
        if len(branches) != 2 or "null" not in branches:
            raise Unsupported("only unions of null and one other type")
        null_at = branches.index("null")
        other = self.resolve(branches[1 - null_at])
        if isinstance(other, list) or (isinstance(other, dict) and other.get("type") == "array"):
            raise Unsupported("unions of null and an array or a union")
        self.lines.append("if v is None:")
        before = len(self.lines)
        null_index = self.constant("U", _varint(_zigzag(null_at)))
        width = self.value(index, other, self.constant("U", _varint(_zigzag(1 - null_at))), union=True)
        branch = self.lines[before:]
        # the null branch binds the same names: its index byte, then empty parts
        names = [f"p{index}_{k}" for k in range(width)]
        self.lines[before:] = [
            f"    {' = '.join(names[1:])} = b''" if width > 1 else "    pass",
            f"    {names[0]} = {null_index}",
            "else:",
            *("    " + line for line in branch),
        ]

    def value(self, index: int, avro_type: Any, prefix: str = "", union: bool = False) -> int:
        """Statements checking `v` and binding its join parts (`prefix`: a union branch's index bytes).

        Returns how many parts it bound, named p<index>_0, p<index>_1, ...
        """
        names = [f"p{index}_{k}" for k in range(5)]
        emit = self.lines.append
        at = 0
        if prefix:
            emit(f"{names[0]} = {prefix}")
            at = 1
        if avro_type in ("string", "bytes"):
            emit(f"if type(v) is not {'str' if avro_type == 'string' else 'bytes'}:")
            emit("    raise _Unhandled")
            emit(f"{names[at + 1]} = {'v.encode()' if avro_type == 'string' else 'v'}")
            emit(f"{names[at]} = _LEN[len({names[at + 1]})]")  # IndexError from 16 KiB on: fastavro writes it
            count = 2
        elif avro_type == "boolean":
            emit(f"if v is True: {names[at]} = b'\\x01'")
            emit(f"elif v is False: {names[at]} = b'\\x00'")
            emit("else: raise _Unhandled")
            count = 1
        elif avro_type in ("int", "long"):
            if union and avro_type == "int":  # fastavro's union match wants a 32-bit value
                emit(f"if type(v) is not int or not {_INT_MIN} <= v <= {_INT_MAX}:")
                emit("    raise _Unhandled")
            emit(f"{names[at]} = _long_bytes(v)")  # a plain int field takes any 64-bit value, as fastavro
            count = 1
        elif avro_type == "double":
            emit("if type(v) is not float:")
            emit("    raise _Unhandled")
            emit(f"{names[at]} = _pack_double(v)")
            count = 1
        elif _is(avro_type, "enum"):
            table: dict[str, bytes] = {}
            for position, symbol in enumerate(avro_type["symbols"]):
                table.setdefault(symbol, _varint(_zigzag(position)))  # as list.index: the first one wins
            emit("if type(v) is not str:")
            emit("    raise _Unhandled")
            emit(f"{names[at]} = {self.constant('E', table)}[v]")  # KeyError for other symbols: fastavro's error
            count = 1
        elif isinstance(avro_type, dict) and avro_type.get("logicalType") == "timestamp-millis":
            if avro_type.get("type") != "long":
                raise Unsupported("timestamp-millis on a type other than long")
            self.timestamp(names[at : at + 3])
            count = 3
        elif not union and _is(avro_type, "array") and self.resolve(avro_type.get("items")) == "string":
            emit(f"{names[at]} = _string_array(v)")
            count = 1
        else:
            raise Unsupported(f"Avro type {avro_type!r}")
        self.parts.extend(names[: at + count])
        return at + count

    def timestamp(self, names: list[str]) -> None:
        """Millis as fastavro computes them for an aware datetime (an int as given), as a zig-zag varint."""
        emit = self.lines.append
        emit("if type(v) is _datetime:")
        emit("    x = v - _EPOCH")  # naive datetimes raise TypeError here: fastavro takes them as local time
        emit("    ms = x.days * 86400000 + x.seconds * 1000 + x.microseconds // 1000")
        emit(f"elif type(v) is int and {_LONG_MIN} <= v <= {_LONG_MAX}:")
        emit("    ms = v")
        emit("else:")
        emit("    raise _Unhandled")
        emit("z = (ms << 1) ^ (ms >> 63)")
        emit(f"if {_TS_LOW} <= z < {_TS_MID}:")
        emit(f"    {names[0]} = _CONT14[z & 16383]")
        emit(f"    {names[1]} = _CONT14[z >> 14 & 16383]")
        emit(f"    {names[2]} = _RAW14[z >> 28]")
        emit(f"elif {_TS_MID} <= z < {_TS_HIGH}:")
        emit(f"    {names[0]} = _CONT14[z & 16383]")
        emit(f"    {names[1]} = _CONT14[z >> 14 & 16383]")
        emit(f"    {names[2]} = _CONT14[z >> 28 & 16383] + _RAW14[z >> 42]")
        emit("else:")
        emit(f"    {names[0]} = _long_bytes(ms)")
        emit(f"    {names[1]} = {names[2]} = b''")

    def source(self) -> str:
        body = [*self.lines, f"return _join(({', '.join(self.parts)},))"]
        fast = ["def fast(r):", *("    " + line for line in body)]
        guarded = [
            "def encode(r):",
            "    try:",
            *("        " + line for line in body),
            "    except Exception:",  # anything unexpected: fastavro decides (bytes or its own error)
            "        pass",
            "    return _slow(r)",
        ]
        return "\n".join([*fast, "", *guarded, ""])


def compile_encoder(schema: Any) -> CompiledEncoder:
    """The encoders of a schema (parsed by fastavro, or its JSON form)."""
    parsed: Any = schema
    if not (isinstance(schema, dict) and schema.get("__fastavro_parsed")):
        parsed = fastavro.parse_schema(schema)
    slow = fastavro_encoder(parsed)
    if not isinstance(parsed, dict):
        return CompiledEncoder(slow, None, None)
    generator = _Generator(parsed)
    try:
        generator.record(parsed)
    except Unsupported:
        return CompiledEncoder(slow, None, None)
    source = generator.source()
    namespace = dict(generator.namespace, _slow=slow)
    exec(compile(source, f"<avro encoder of {parsed.get('name')}>", "exec"), namespace)
    return CompiledEncoder(namespace["encode"], namespace["fast"], source)


_ENCODERS: dict[int, tuple[Any, Encoder]] = {}


def encoder_for(parsed: Any) -> Encoder:
    """The compiled encoder of a parsed schema, built at its first use (keyed by the parsed object)."""
    entry = _ENCODERS.get(id(parsed))
    if entry is not None and entry[0] is parsed:
        return entry[1]
    encode = compile_encoder(parsed).encode
    _ENCODERS[id(parsed)] = (parsed, encode)  # the entry keeps `parsed` alive, so its id stays its own
    return encode
