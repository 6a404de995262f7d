"""Memory of the dashboard's party views: bytes per container status and per gate visit held in memory.

Decodes N statuses and 2N gate moves (Avro round trip, as the reader hands them over) and measures what the
ContainerBook and the VisitBook hold with tracemalloc. Usage: .venv/bin/python bench/dashboard_parties.py [N]
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baystream.consumers.dashboard.containers import ContainerBook, VisitBook
from baystream.schemas.identifiers import with_check_digit
from baystream.schemas.wire import Codec
from tests.consumers.dashboard.helpers import BASE_TIME
from tests.consumers.dashboard.parties_data import gate_move, status


def held(fill: Callable[[], object]) -> tuple[int, object]:
    """Bytes still allocated after `fill()` (what the object it returns keeps), and the object."""
    gc.collect()
    tracemalloc.start()
    kept = fill()
    gc.collect()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size, kept


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    codec = Codec()
    statuses = [
        codec.decode(
            codec.encode(
                status(
                    with_check_digit(f"MSKU{i:06d}"),
                    "ON_TERMINAL",
                    terminal="APMT",
                    carrier="MAEU",
                    trucker="ABCD",
                    since=BASE_TIME - timedelta(hours=i % 200),
                    last_free_day="2024-05-03",
                    available=True,
                )
            )
        )
        for i in range(n)
    ]
    moves = [
        codec.decode(codec.encode(gate_move(f"V{i}", d, "ABCD", "APMT", BASE_TIME + timedelta(seconds=i + s))))
        for i in range(n)
        for d, s in (("IN", 0), ("OUT", 1800))
    ]

    def fill_book() -> ContainerBook:
        book = ContainerBook()
        for record in statuses:
            book.apply(record["container_id"], record)
        return book

    def fill_visits() -> VisitBook:
        visits = VisitBook(visit_hours=10_000, capacity=10 * n)
        visits.apply(moves)
        return visits

    size, _ = held(fill_book)
    print(
        f"ContainerBook: {n} statuses, {size / 1e6:.1f} MB, {size / n:.0f} B each; "
        f"at the 200,000 cap about {size / n * 200_000 / 1e6:.0f} MB"
    )
    size, _ = held(fill_visits)
    print(
        f"VisitBook: {n} visits, {size / 1e6:.1f} MB, {size / n:.0f} B each; "
        f"at the 100,000 cap about {size / n * 100_000 / 1e6:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
