"""The worker beside its peers on the same events: the plain loop, one `baystream worker`, a Quix Streams app.

    .venv/bin/python bench/peers.py [--events 100000] [--rounds 3] [--engine {tansu,kafka}] [--bootstrap ...]
                                    [--quix-python .cache/bench-venv/bin/python]

Each round: a new broker (bench/engines.py), N simulated congested-2021 events preloaded on it (bench/worker.py
`events`), then the three contenders one after the other, in an order that rotates from round to round:
- plain: a confluent-kafka consumer feeding the worker's `InputProcessor` (decode, validate, apply, a
  partial per touched partition on the worker's cadence): bench/worker.py `plain_loop`, the ceiling;
- worker: one `baystream worker` process (Faust, tables, checkpoints, partials, combiner, publishing), timed
  by its own `baystream_events_consumed_total` (bench/worker.py `worker_throughput`);
- quix: a Quix Streams application (`--quix-child`) as a Quix user writes it: a Deserializer doing the
  Codec's decode, `sdf.update` validating and applying each record to the engine of its partition, and the
  worker's cadence of side outputs: a partial per partition every `partial_interval_s` and a checkpoint
  (state and offsets) every `checkpoint_interval_s`, produced to a topic of its own.
Each is timed from its first event to its N-th. Medians over rounds, and ratios of the medians; the last
line: `peers: worker <n> events/s = <r>x Quix Streams, <p>% of the plain loop`.

Quix Streams is in the `bench` extra (pyproject.toml), not a runtime dependency. It pins confluent-kafka
below 2.13, so it lives in a venv of its own: `--quix-python` (default .cache/bench-venv/bin/python, which
`make bench-venv` makes); the repository is put on its PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baystream.infra.settings import Settings
from baystream.infra.topics import INPUT_TOPICS
from baystream.producers.publisher import Publisher
from baystream.streams.app import ensure_topics
from bench.engines import add_engine_arguments, bench_broker, child_env, machine
from bench.worker import events, plain_loop, worker_throughput

ROOT = Path(__file__).resolve().parents[1]
QUIX_PYTHON = ROOT / ".cache" / "bench-venv" / "bin" / "python"
CONTENDERS = ("plain", "worker", "quix")


def compiled_builds() -> dict[str, bool]:
    """Which compiled builds (`make compiled`) this process runs: every contender must run the same."""
    from baystream.schemas.avro_decoder import native_build
    from baystream.streams import engine

    return {"engine": engine.COMPILED, "decoders": native_build() is not None}


def share_compiled_builds(python: str) -> None:
    """Let the bench venv's python find this venv's compiled builds: they live under its own prefix (the
    interpreter is the same version, so the builds' names, digests of the sources and the version, match)."""
    from baystream.infra.compiled import ROOT as builds

    link = Path(python).parent.parent / builds.name
    if not link.exists() and builds.is_dir():
        link.symlink_to(builds.resolve(), target_is_directory=True)


def quix_child(n: int, group: str, state_topic: str) -> None:
    """The Quix Streams application (runs in the bench venv); prints its events/s as one JSON line."""
    from quixstreams import Application, message_context
    from quixstreams.models.serializers import Deserializer

    from baystream.infra.settings import load_settings
    from baystream.schemas.validation import validate_decoded
    from baystream.schemas.wire import codec_for
    from baystream.streams import checkpoint
    from baystream.streams.app import engine_kit
    from baystream.streams.processing import InputPartition

    settings = load_settings(dict(os.environ))
    codec = codec_for(settings.kafka.schema_registry)
    kit = engine_kit(settings)
    partial_every = settings.worker.partial_interval_s
    checkpoint_every = settings.worker.checkpoint_interval_s

    class EventDeserializer(Deserializer):
        """Avro bytes to a Baystream event, as the worker decodes them."""

        def __call__(self, value: bytes, ctx: Any) -> dict[str, Any]:
            return codec.decode(value)

    app = Application(
        broker_address=settings.kafka.bootstrap,
        consumer_group=group,
        auto_offset_reset="earliest",
        loglevel="WARNING",
        use_changelog_topics=False,
    )
    producer = app.get_producer()
    partitions: dict[int, InputPartition] = {}
    due: dict[int, list[float]] = {}
    """Per partition: when its next partial and its next checkpoint are due."""
    counts = {"seen": 0, "invalid": 0}
    times: list[float] = []

    def apply(event: dict[str, Any]) -> None:
        context = message_context()
        number = context.partition
        partition = partitions.get(number)
        if partition is None:
            partition = partitions[number] = InputPartition(number, kit.new_engine())
            due[number] = [0.0, time.monotonic() + checkpoint_every]
        partition.offsets[context.topic] = context.offset + 1
        if validate_decoded(event):
            counts["invalid"] += 1
        else:
            partition.engine.apply(event)
        now = time.monotonic()
        if now >= due[number][0]:
            producer.produce(state_topic, checkpoint.encode(partition.partial_message()), key=b"partial")
            due[number][0] = now + partial_every
        if now >= due[number][1]:
            producer.produce(state_topic, checkpoint.encode(partition.checkpoint()), key=str(number).encode())
            due[number][1] = now + checkpoint_every
        counts["seen"] += 1
        if counts["seen"] == 1:
            times.append(time.perf_counter())
        if counts["seen"] >= n:
            times.append(time.perf_counter())
            app.stop()

    for name in INPUT_TOPICS:
        topic = app.topic(name, value_deserializer=EventDeserializer(), key_deserializer="bytes")
        app.dataframe(topic).update(apply)
    app.run()
    producer.flush()
    rate = (counts["seen"] - 1) / (times[1] - times[0]) if len(times) == 2 else 0.0
    result = {"events_per_s": rate, "seen": counts["seen"], "invalid": counts["invalid"], "compiled": compiled_builds()}
    print(json.dumps(result), flush=True)


def quix_throughput(settings: Settings, n: int, group: str, python: str) -> float:
    """Events/s of the Quix Streams application, a child process in the bench venv."""
    state_topic = f"{group}-state"
    ensure_state_topic(settings, state_topic)
    env = child_env(settings, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [python, __file__, "--quix-child", str(n), group, state_topic],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the Quix Streams app failed ({done.returncode}): {done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    if result["seen"] < n or result["invalid"]:
        raise RuntimeError(f"the Quix Streams app saw {result['seen']} events, {result['invalid']} invalid")
    if result["compiled"] != compiled_builds():
        raise RuntimeError(f"the Quix Streams app ran the builds {result['compiled']}, the others {compiled_builds()}")
    return float(result["events_per_s"])


def ensure_state_topic(settings: Settings, name: str) -> None:
    """The Quix app's topic of partials and checkpoints (compacted, like the worker's changelogs)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    from baystream.infra.kafka_config import admin_config

    admin = AdminClient(admin_config(settings))
    topic = NewTopic(
        name,
        num_partitions=settings.kafka.partitions,
        replication_factor=settings.kafka.replication_factor,
        config={"cleanup.policy": "compact"},
    )
    for future in admin.create_topics([topic]).values():
        future.result(30)


def one_round(args: argparse.Namespace, number: int, preload: list[dict[str, Any]]) -> dict[str, float]:
    """A new broker with the events, then the contenders in this round's order."""
    chosen = [name for name in CONTENDERS if name in args.only]
    order = chosen[number % len(chosen) :] + chosen[: number % len(chosen)]
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as state_dir, bench_broker(args.engine, args.bootstrap) as broker:
        settings = broker.settings
        ensure_topics(settings.with_overrides(app_id="bench-throughput"))
        with Publisher(settings) as publisher:
            publisher.publish_all(preload)
        print(f"round {number + 1}: {broker.describe()}; order {', '.join(order)}; {machine()}", flush=True)
        for name in order:
            if name == "plain":
                rates[name] = plain_loop(settings, len(preload))
            elif name == "worker":
                rates[name] = worker_throughput(settings, len(preload), args.store, state_dir)
            else:
                rates[name] = quix_throughput(settings, len(preload), f"bench-peers-quix-{number}", args.quix_python)
            print(f"  {name}: {rates[name]:,.0f} events/s; {machine()}", flush=True)
    return rates


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--quix-child":
        quix_child(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", default="rocksdb://", help="worker table store (default rocksdb://)")
    parser.add_argument("--quix-python", default=str(QUIX_PYTHON), help="a python with quixstreams (the bench extra)")
    parser.add_argument("--only", type=lambda v: v.split(","), default=list(CONTENDERS), help="e.g. quix,worker")
    add_engine_arguments(parser)
    args = parser.parse_args()
    if not set(args.only) <= set(CONTENDERS):
        parser.error(f"--only takes some of {', '.join(CONTENDERS)}")
    if not Path(args.quix_python).exists():
        parser.error(f"{args.quix_python} not found: run `make bench-venv` or give --quix-python")
    share_compiled_builds(args.quix_python)
    preload = events(args.events)
    print(f"{len(preload)} simulated events (congested-2021), {args.rounds} rounds; {machine()}", flush=True)
    print(f"compiled builds of every contender: {compiled_builds()}", flush=True)
    rounds = [one_round(args, number, preload) for number in range(args.rounds)]
    median = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
    print(json.dumps({"rounds": rounds, "median_events_per_s": median}, indent=2), flush=True)
    print("medians: " + ", ".join(f"{name} {rate:,.0f}" for name, rate in median.items()) + " events/s")
    if len(median) < len(CONTENDERS):
        return
    print(
        f"peers: worker {median['worker']:,.0f} events/s = {median['worker'] / median['quix']:.2f}x Quix Streams, "
        f"{median['worker'] / median['plain']:.0%} of the plain loop"
    )


if __name__ == "__main__":
    main()
