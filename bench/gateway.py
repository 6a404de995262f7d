"""HTTP gateway throughput: accepted events per second, batches of 100, over real HTTP, acks=all.

    .venv/bin/python bench/gateway.py [--batches 600] [--batch-size 100] [--connections 4]

Starts the embedded broker and `baystream gateway` as its own process (as in production), then POSTs
pre-built JSON batches of valid gate moves from a few concurrent connections of an aiohttp client in this
process. A batch counts once the gateway answered 202, i.e. after the broker acknowledged every event.
Also reports the gateway process's CPU time (from /proc), so the figure can be read per core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from baystream.infra.broker import EmbeddedBroker
from baystream.infra.settings import Settings
from baystream.infra.topics import create_topics
from baystream.producers.gateway.identities import hash_key, new_key
from baystream.schemas.complex import TERMINALS
from baystream.schemas.identifiers import with_check_digit


def make_batches(n_batches: int, size: int) -> list[bytes]:
    """JSON bodies of `size` valid gate moves of trucker ABCD (built before timing)."""
    start = datetime(2024, 5, 1, tzinfo=UTC)
    bodies = []
    for b in range(n_batches):
        events = []
        for i in range(size):
            n = b * size + i
            events.append(
                {
                    "type": "GateMove",
                    "event_id": str(uuid.uuid4()),
                    "event_time": (start + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "port": TERMINALS[n % len(TERMINALS)].port,
                    "facility": TERMINALS[n % len(TERMINALS)].code,
                    "visit_id": f"V-{n // 2}",
                    "direction": "IN" if n % 2 == 0 else "OUT",
                    "move_type": "IMPORT_PICKUP",
                    "truck_id": f"CA-{n % 9000 + 1000}",
                    "trucker": "ABCD",
                    "container_id": with_check_digit(f"CSQU{n % 1_000_000:06d}"),
                }
            )
        bodies.append(json.dumps(events).encode())
    return bodies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"{url}/v1/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gateway did not start")
            await asyncio.sleep(0.2)


async def load(url: str, key: str, bodies: list[bytes], connections: int) -> tuple[int, list[float], float]:
    """POST every body from `connections` workers; (events accepted, request latencies, wall seconds)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    accepted = 0
    latencies: list[float] = []
    headers = {"X-API-Key": key, "Content-Type": "application/json"}

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal accepted
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            async with session.post(f"{url}/v1/events", data=body, headers=headers) as response:
                answer = await response.json()
                if response.status != 202:
                    raise RuntimeError(f"{response.status}: {str(answer)[:300]}")
            latencies.append(time.perf_counter() - started)
            accepted += answer["published"]

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(connections)))
        return accepted, latencies, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    bodies = make_batches(args.batches, args.batch_size)
    warmup = make_batches(20, args.batch_size)
    key = new_key()
    with EmbeddedBroker() as broker:
        settings = Settings().with_overrides(bootstrap=broker.bootstrap, embedded=True)
        create_topics(settings)
        port = free_port()
        env = dict(os.environ)
        env.update(
            BAYSTREAM_BOOTSTRAP=broker.bootstrap,
            BAYSTREAM_EMBEDDED="1",
            BAYSTREAM_METRICS_PORT="0",
            BAYSTREAM_GATEWAY_RATE_PER_S="1000000",
            BAYSTREAM_GATEWAY_BURST="1000000",
            BAYSTREAM_GATEWAY_KEYS=json.dumps(
                {"bench-trucking": {"key_sha256": hash_key(key), "role": "trucker", "scac": "ABCD"}}
            ),
        )
        command = [sys.executable, "-m", "baystream", "gateway", "--port", str(port)]
        gateway = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(wait_ready(url))
            asyncio.run(load(url, key, warmup, args.connections))
            cpu_before = cpu_seconds(gateway.pid)
            accepted, latencies, wall = asyncio.run(load(url, key, bodies, args.connections))
            cpu = cpu_seconds(gateway.pid) - cpu_before
        finally:
            gateway.terminate()
            gateway.wait(10)
    expected = args.batches * args.batch_size
    assert accepted == expected, f"accepted {accepted} of {expected}"
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"{accepted} events in {args.batches} batches of {args.batch_size}, {args.connections} connections: "
        f"{wall:.2f}s wall, {accepted / wall:,.0f} events/s accepted; "
        f"request p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; "
        f"gateway CPU {cpu:.2f}s = {accepted / cpu:,.0f} events per gateway CPU-second"
    )


if __name__ == "__main__":
    main()
