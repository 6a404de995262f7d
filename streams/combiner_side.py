"""The combiner side of the worker: partials in, changed indicators and alerts out, the board saved.

The partials topic has one partition, so exactly one worker holds this side at a time. It keeps the newest
partial of every source in a `Board` (streams/combining.py), publishes what changed to
`congestion-indicators` and `congestion-latest` and level changes to `congestion-alerts`, and every
`checkpoint_interval_s` writes the board and the partials it took into the `combiner` table before acking
them (`CheckpointGate`). A worker that takes the side over restores the board and reads on from its
`covered` offset.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from faust.types import TP, EventT, Message

from baystream.infra.metrics import PROCESSING_LAG_SECONDS, set_indicator
from baystream.infra.topics import CONGESTION_ALERTS, CONGESTION_INDICATORS, CONGESTION_LATEST
from baystream.streams import checkpoint, fast_path
from baystream.streams.combining import Board, Combiner
from baystream.streams.delivery import Side
from baystream.streams.faust_internals import PartitionContext, on_behalf_of, seek_epoch
from baystream.streams.model import IndicatorValue

BOARD_KEY = "board"
PARTIAL_KEY = "partial/"


@dataclass(eq=False)
class CombinerSide(Side):
    """The board of the combiner, while this worker holds the partials partition. Its table: `combiner`, the
    board (`board`) and the newest partial of each source (`partial/<source>`)."""

    new_combiner: Callable[[], Combiner]
    restore_combiner: Callable[[Mapping[str, Any]], Combiner]
    topic: str
    board: Board | None = field(default=None, init=False)
    unsaved: dict[str, bytes] = field(default_factory=dict, init=False)
    """Partials taken since the last save, by source, as they travelled."""
    context: Message | None = field(default=None, init=False)
    """The last partial taken: Faust's tables pick partition and store from it."""

    def handle(self, events: Sequence[EventT]) -> None:
        """Newest partials in, changed values and alerts out; acked once a board checkpoint covers them."""
        if not events or not self.positioning.ready():
            return  # the board is restored and the partials repositioned first (`start_offsets`)
        epoch = seek_epoch(self.app)
        events = [event for event in events if fast_path.current(event.message, epoch)]
        if not events:
            return
        self.context = events[-1].message
        with on_behalf_of(self.context):
            board = self._board()
        self.gate.hold(events[-1].message, events[0].message.offset)
        for event in events:
            board.covered = event.message.offset + 1
            data = event.message.value
            if data is None:
                continue
            message = checkpoint.decode(data)
            if board.offer(message):
                self.unsaved[message["source"]] = data
        self._publish(board.changes())
        for alert in board.alerts():
            record = alert.as_record()
            self.output.send(CONGESTION_ALERTS, alert.scope.encode(), self.codec.encode(record, CONGESTION_ALERTS))
        self._observe_lag(board)

    async def save(self) -> None:
        """The board and the partials it took since the last time, then the acks (same cadence as inputs)."""
        now = time.monotonic()
        if self.board is None or self.context is None or not self.gate.due(now):
            return
        written = 0
        with on_behalf_of(self.context):
            for source, data in self.unsaved.items():
                written += checkpoint.write_bytes(self.table, f"{PARTIAL_KEY}{source}", data)
            written += checkpoint.write(self.table, BOARD_KEY, self.board.to_state())
        self.unsaved = {}
        await self.gate.saved(now, written)

    def restore(self, tp: TP) -> int:
        """Take the combiner over: the board restored from the table; returns where to read the partials on."""
        self.board, self.unsaved = None, {}
        self.gate.clear()
        with on_behalf_of(PartitionContext(tp.topic, tp.partition)):
            return self._board().covered

    def revoke(self) -> None:
        """Forget the board and what it took since its last save: its next holder restores and re-reads it."""
        self.board = None
        self.gate.clear()
        self.unsaved, self.context = {}, None

    def _board(self) -> Board:
        """The board, restored from the combiner table when this worker has just taken the combiner over."""
        if self.board is None:
            board = checkpoint.read_whole(self.table, BOARD_KEY)
            state = None if board is None else checkpoint.decode(board)
            if state is None:
                self.board = Board(self.new_combiner())
            else:
                self.board = Board.from_state(state, self.restore_combiner)
                for source in state["positions"]:
                    data = checkpoint.read_whole(self.table, f"{PARTIAL_KEY}{source}")
                    if data is not None:
                        self.board.offer(checkpoint.decode(data))
                self.board.take_arrivals()
        return self.board

    async def publish_all(self) -> None:
        """The steady cadence: every value, whether it changed or not (only where the combiner lives)."""
        if self.board is not None:
            self._publish(self.board.everything())

    def _publish(self, values: Sequence[IndicatorValue]) -> None:
        now = datetime.now(UTC)
        for value in values:
            record = value.as_record(now)
            self.output.send(
                CONGESTION_INDICATORS, value.scope.encode(), self.codec.encode(record, CONGESTION_INDICATORS)
            )
            key = f"{value.scope}|{value.indicator}".encode()
            self.output.send(CONGESTION_LATEST, key, self.codec.encode(record, CONGESTION_LATEST))
            set_indicator(value.scope, value.indicator, value.value, value.level)

    def _observe_lag(self, board: Board) -> None:
        now_ms = time.time() * 1000
        arrivals = board.take_arrivals().items()
        PROCESSING_LAG_SECONDS.observe_counted((max(0.0, (now_ms - ms) / 1000), n) for ms, n in arrivals)
