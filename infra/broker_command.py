"""`baystream broker`: a local broker in the foreground, until Ctrl-C or SIGTERM.

Two engines: `tansu` (default; the embedded Tansu broker, memory only) and `kafka` (Apache Kafka in KRaft
mode, N nodes, from `make kafka`; data in a temporary folder, deleted on exit).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from baystream.infra.settings import Settings

HELP = "run a local broker on 127.0.0.1: embedded Tansu (memory only, default) or an Apache Kafka cluster"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=("tansu", "kafka"),
        default="tansu",
        help="tansu: the embedded broker, memory only (default); kafka: Apache Kafka, KRaft (needs `make kafka`)",
    )
    parser.add_argument("--brokers", type=int, default=1, help="Kafka nodes, each broker and controller (default 1)")
    parser.add_argument(
        "--port", type=int, default=None, help="port to listen on; with kafka the first node's (default: a free one)"
    )
    parser.add_argument("--no-topics", action="store_true", help="do not create the catalog topics")


def _port_taken(port: int | None) -> bool:
    """A chosen port already in use, said in one line: a second broker on it would only reach the first."""
    from baystream.infra.http.ports import is_free

    if port is None or is_free("127.0.0.1", port):
        return False
    print(
        f"baystream broker: port {port} on 127.0.0.1 is in use: stop what holds it, or choose another --port",
        file=sys.stderr,
    )
    return True


def run(args: argparse.Namespace, settings: Settings) -> int:
    if _port_taken(args.port):
        return 2
    if args.engine == "kafka":
        return _run_kafka(args, settings)
    if args.brokers != 1:
        print("baystream broker: the tansu engine runs one broker; use --engine kafka for more", file=sys.stderr)
        return 2

    from baystream.infra.kafka_cluster import start_engine
    from baystream.infra.topics import create_topics

    broker = start_engine("tansu", port=args.port)
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        broker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not args.no_topics:
        create_topics(settings.with_overrides(bootstrap=broker.bootstrap, embedded=True))
    print(broker.bootstrap, flush=True)
    print(
        f"embedded broker (memory only: data is lost when it stops) on {broker.bootstrap}\n"
        f"  export BAYSTREAM_BOOTSTRAP={broker.bootstrap} BAYSTREAM_EMBEDDED=1\n"
        "Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    try:
        while broker.running():
            time.sleep(0.2)
    finally:
        broker.stop()
    if not stopping:
        print("baystream broker: the embedded broker exited by itself", file=sys.stderr)
        return 1
    return 0


class _Stop(BaseException):
    """SIGINT or SIGTERM: leave whatever is running (start, topic creation, the wait) and stop every JVM."""


def _run_kafka(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.broker import BrokerError
    from baystream.infra.kafka_cluster import KafkaCluster
    from baystream.infra.topics import CATALOG, create_topics, wait_until_every_broker_lists

    if args.brokers < 1:
        print("baystream broker: --brokers must be at least 1", file=sys.stderr)
        return 2

    def stop(signum: int, frame: FrameType | None) -> None:
        # Once: a second Ctrl-C must not interrupt the JVMs' shutdown and leave them behind.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise _Stop

    cluster = KafkaCluster(args.brokers, port=args.port)
    rf = min(3, args.brokers)
    # Before the JVMs start (they take seconds): a signal during the start still stops all of them.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        cluster.start()
        if not args.no_topics:
            on_cluster = settings.with_overrides(bootstrap=cluster.bootstrap, replication_factor=rf, embedded=False)
            create_topics(on_cluster)
            wait_until_every_broker_lists(on_cluster, [topic.name for topic in CATALOG])
        print(cluster.bootstrap, flush=True)
        nodes = "1 broker" if args.brokers == 1 else f"{args.brokers} brokers"
        print(
            f"Apache Kafka {cluster.version}, {nodes} (KRaft, each node broker and controller) on {cluster.bootstrap}\n"
            f"  data and logs in {cluster.workdir}, deleted on exit\n"
            f"  export BAYSTREAM_BOOTSTRAP={cluster.bootstrap} BAYSTREAM_REPLICATION_FACTOR={rf}\n"
            "Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )
        while cluster.running():
            time.sleep(0.2)
        tails = "\n".join(f"node {n}: {cluster.log_tail(n, 5)}" for n in cluster.node_ids)
        print(f"baystream broker: every Kafka node exited; their logs end with:\n{tails}", file=sys.stderr)
        return 1
    except _Stop:
        return 0
    except BrokerError as exc:
        print(f"baystream broker: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        cluster.stop()
