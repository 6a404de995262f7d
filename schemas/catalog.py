"""The schema catalog: the `.avsc` contract in `schemas/avro/`, parsed once, with every earlier version.

Earlier versions live in `avro/history/<Name>/v<N>.avsc`; they are what old data was written with, and
every single-object fingerprint of them resolves here so the newest reader can read old records.

Enums evolve by appending (docs/schemas.md). Every enum of the contract has the symbol `UNKNOWN_SYMBOL`,
appended after the symbols it had, and declares it its `default`: a reader given a newer writer's schema
(Schema Registry, or any Avro reader with both schemas) reads a symbol it does not know as UNKNOWN instead
of failing. Later symbols go after UNKNOWN, so no symbol ever changes its index. UNKNOWN is the reader's
alone: `schemas.validation` rejects it in anything published, so the worker dead-letters such a record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

AVRO_DIR = Path(__file__).parent / "avro"
INPUT_TYPES = ("VesselArrival", "GateMove", "ContainerEvent", "ChassisCheckout", "RailDeparture")
OUTPUT_TYPES = ("CongestionIndicator", "CongestionAlert", "DeadLetter", "ContainerStatus")
UNKNOWN_SYMBOL = "UNKNOWN"
"""The default of every enum: the reader's stand-in for a symbol of a newer version; never published."""


@dataclass(frozen=True)
class SchemaVersion:
    """One version of one schema: its text, parsed form and CRC-64-AVRO fingerprint."""

    name: str
    version: int
    text: str
    parsed: Any
    fingerprint: bytes
    """8 bytes, little-endian, as single-object encoding writes it."""


def _load(name: str, version: int, path: Path) -> SchemaVersion:
    text = path.read_text()
    raw = json.loads(text)
    parsed = fastavro.parse_schema(raw)
    canonical = to_parsing_canonical_form(raw)
    digest = int(fingerprint(canonical, "CRC-64-AVRO"), 16).to_bytes(8, "little")
    return SchemaVersion(name, version, text, parsed, digest)


@dataclass(frozen=True)
class SchemaCatalog:
    """Current schemas by short name, all versions by name, and every fingerprint."""

    current: dict[str, SchemaVersion]
    versions: dict[str, list[SchemaVersion]]
    by_fingerprint: dict[bytes, SchemaVersion]

    def schema(self, name: str) -> SchemaVersion:
        try:
            return self.current[name]
        except KeyError:
            known = ", ".join(sorted(self.current))
            raise KeyError(f"unknown event type {name!r}; known types: {known}") from None

    def fields(self, name: str) -> list[dict[str, Any]]:
        """The field definitions of the current schema, in order."""
        return list(json.loads(self.schema(name).text)["fields"])


@cache
def catalog() -> SchemaCatalog:
    """Load every schema of `schemas/avro` (cached: the contract does not change at run time)."""
    current: dict[str, SchemaVersion] = {}
    versions: dict[str, list[SchemaVersion]] = {}
    for path in sorted(AVRO_DIR.glob("*.avsc")):
        name = path.stem
        history = sorted((AVRO_DIR / "history" / name).glob("v*.avsc"), key=lambda p: int(p.stem.removeprefix("v")))
        older = [_load(name, int(p.stem.removeprefix("v")), p) for p in history]
        newest = _load(name, len(older) + 1, path)
        current[name] = newest
        versions[name] = [*older, newest]
    by_fp = {v.fingerprint: v for vs in versions.values() for v in vs}
    return SchemaCatalog(current, versions, by_fp)
