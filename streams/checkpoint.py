"""Checkpoints in a key-value table: compressed JSON, cut into chunks, written to alternate slots.

A partition's state can outgrow one Kafka record (1 MB by default), so a checkpoint is split into chunks
under `name#slot.i`, and a small header `name` says which slot is complete. A new checkpoint goes to the
slot the header does not point at, and the header is written last: a worker killed half-way through
leaves the previous checkpoint whole. Old chunks are overwritten, not deleted, so the keys stay bounded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from typing import Any

import cramjam
import orjson

CHUNK_BYTES = 512 * 1024


def encode(payload: Mapping[str, Any]) -> bytes:
    """JSON (orjson: ~10x the standard library on engine state), then an LZ4 block: repetitive text, and a
    checkpoint must not stall the event loop (4.5 MB of state: ~25 ms here, ~350 ms with json + zlib)."""
    return bytes(cramjam.lz4.compress_block(orjson.dumps(payload)))


def decode(data: bytes) -> dict[str, Any]:
    result = orjson.loads(bytes(cramjam.lz4.decompress_block(data)))
    if not isinstance(result, dict):
        raise ValueError("checkpoint is not a JSON object")
    return result


def _chunk_key(name: str, slot: int, index: int) -> str:
    return f"{name}#{slot}.{index}"


def _header(store: Mapping[str, bytes], name: str) -> dict[str, int] | None:
    raw = store.get(name)
    return None if raw is None else dict(json.loads(raw))


def write(
    store: MutableMapping[str, bytes], name: str, payload: Mapping[str, Any], chunk_bytes: int = CHUNK_BYTES
) -> int:
    """Store `payload` as checkpoint `name`; returns the bytes written."""
    return write_bytes(store, name, encode(payload), chunk_bytes)


def read(store: Mapping[str, bytes], name: str) -> dict[str, Any] | None:
    """The last complete checkpoint `name`, or None if there is none."""
    data = read_bytes(store, name)
    return None if data is None else decode(data)


def write_bytes(store: MutableMapping[str, bytes], name: str, data: bytes, chunk_bytes: int = CHUNK_BYTES) -> int:
    """Store bytes already encoded (a partial as it travelled) under `name`."""
    previous = _header(store, name)
    slot = 1 - previous["slot"] if previous else 0
    chunks = [data[i : i + chunk_bytes] for i in range(0, len(data), chunk_bytes)] or [b""]
    for index, chunk in enumerate(chunks):
        store[_chunk_key(name, slot, index)] = chunk
    store[name] = json.dumps({"slot": slot, "chunks": len(chunks), "size": len(data)}).encode()
    return len(data)


def read_whole(store: Mapping[str, bytes], name: str) -> bytes | None:
    """`read_bytes`, but a torn checkpoint (chunks missing or of another write) reads as none.

    A restored table may end part-way through a write: the embedded broker understates end offsets, so a
    recovery can stop inside the last record batch. None makes the worker replay from the start instead.
    """
    try:
        return read_bytes(store, name)
    except (KeyError, ValueError):
        return None


def read_bytes(store: Mapping[str, bytes], name: str) -> bytes | None:
    header = _header(store, name)
    if header is None:
        return None
    data = b"".join(store[_chunk_key(name, header["slot"], i)] for i in range(header["chunks"]))
    if len(data) != header["size"]:
        raise ValueError(f"checkpoint {name}: {len(data)} bytes, header says {header['size']}")
    return data
