"""Decode cost per event: fastavro's `schemaless_reader` (the Codec before issue 16) beside the compiled decoder.

    .venv/bin/python bench/decode.py [--events 50000] [--rounds 5]

The events: the simulator's congested-2021 stream (the worker benchmarks' workload), encoded as the
publisher encodes them, in the single-object format and in the Confluent format (a `mock://` registry).
Per format, interleaved rounds of
- `fastavro`: what `Codec.decode` did before: the header, `schemaless_reader` on a BytesIO of the body, `type`;
- `interpreted body`: the generated decoder, exec'd (no mypyc build), alone on the body in place;
- `compiled body`: the decoder the Codec uses alone on the body in place (`decoder_for(...)(data, offset)`):
  the mypyc build of `make compiled` when it is fresh (`compiled build` in the output), else the interpreted one;
- `Codec.decode`: the whole call as the worker, tail and dashboard make it now.
Medians of CPU µs per event (process time, one thread); the machine is shared, so compare within a run.
"""

from __future__ import annotations

import argparse
import gc
import io
import itertools
import json
import statistics
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastavro import schemaless_reader

from baystream.producers.simulator import simulate
from baystream.schemas.avro_decoder import compile_decoder, decoder_for, native_build
from baystream.schemas.catalog import catalog
from baystream.schemas.wire import SINGLE_OBJECT_MAGIC, Codec, ConfluentRegistry


def fastavro_codec_decode(codec_by_id: dict[int, Any]) -> Callable[[bytes], dict[str, Any]]:
    """The decode of the Codec before the compiled decoder: a slice, a BytesIO and `schemaless_reader`."""
    schemas = catalog()

    def decode(data: bytes) -> dict[str, Any]:
        if data[:2] == SINGLE_OBJECT_MAGIC:
            writer, offset = schemas.by_fingerprint[data[2:10]], 10
        else:
            writer, offset = codec_by_id[struct.unpack(">I", data[1:5])[0]], 5
        reader = schemas.current[writer.name]
        record: dict[str, Any] = schemaless_reader(
            io.BytesIO(data[offset:]), writer.parsed, None if writer is reader else reader.parsed
        )
        record["type"] = writer.name
        return record

    return decode


def body_decode(native: bool) -> Callable[[bytes], dict[str, Any]]:
    """The Codec's decoder (`native`), or the interpreted one, on the body in place, without the Codec."""
    schemas = catalog()
    by_header = {
        SINGLE_OBJECT_MAGIC + v.fingerprint: (
            decoder_for(v.parsed, None, v.name)
            if native
            else compile_decoder(v.parsed, None, v.name, native=False).decode
        )
        for v in schemas.current.values()
    }

    def decode(data: bytes) -> dict[str, Any]:
        return by_header[data[:10]](data, 10)

    return decode


def per_event_us(decode: Callable[[bytes], Any], encoded: list[bytes]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()  # CPU time: the machine is shared, wall time counts the others' turns
        for data in encoded:
            decode(data)
        return (time.process_time() - start) / len(encoded) * 1e6
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    events = list(itertools.islice(simulate("congested-2021", 24 * 60, seed=args.seed), args.events))
    single = Codec()
    confluent = Codec(ConfluentRegistry("mock://bench-decode"))
    encoded = {
        "single-object": [single.encode(e) for e in events],
        "confluent": [confluent.encode(e, topic=f"bench-{e['type']}") for e in events],
    }
    by_id = {
        struct.unpack(">I", data[1:5])[0]: catalog().current[e["type"]]
        for e, data in zip(events, encoded["confluent"], strict=True)
    }
    old = fastavro_codec_decode(by_id)
    for data in encoded["single-object"][:1000] + encoded["confluent"][:1000]:  # the same records either way
        assert (confluent if data[0] == 0 else single).decode(data) == old(data)
    candidates: dict[str, dict[str, Callable[[bytes], Any]]] = {
        "single-object": {
            "fastavro": old,
            "interpreted body": body_decode(native=False),
            "compiled body": body_decode(native=True),
            "Codec.decode": single.decode,
        },
        "confluent": {"fastavro": old, "Codec.decode": confluent.decode},
    }
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for framing, ways in candidates.items():
            for name, decode in ways.items():
                times.setdefault((framing, name), []).append(per_event_us(decode, encoded[framing]))
    result: dict[str, Any] = {
        "events": len(events),
        "rounds": args.rounds,
        "compiled build": native_build() is not None,
    }
    result["us_per_event_median"] = {}
    for (framing, name), values in times.items():
        result["us_per_event_median"][f"{framing}: {name}"] = round(statistics.median(values), 2)
    medians = result["us_per_event_median"]
    for framing in candidates:
        result[f"{framing}: speed-up of Codec.decode"] = round(
            medians[f"{framing}: fastavro"] / medians[f"{framing}: Codec.decode"], 2
        )
    print(json.dumps(result, indent=2))
    print(
        f"decode: {medians['single-object: Codec.decode']} µs/event compiled "
        f"vs {medians['single-object: fastavro']} µs/event fastavro (single-object)"
    )


if __name__ == "__main__":
    main()
