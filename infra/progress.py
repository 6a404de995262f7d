"""Progress of long work (`simulate`, `publish`, `indicators replay`): one bar on a terminal, silence when piped.

A run over a simulated year is 18.6 M events; without a sign of life a user cannot tell slow from stuck.
The bar (rich) shows how far the work is towards its total, events so far, events a second and the time
left; it draws only when standard error is a terminal (or `--progress` forces it), so logs, pipes and
tests see nothing but the command's own summary line. Callers advance it a chunk at a time: an update
costs microseconds, an event must not.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, AnyStr, TextIO

if TYPE_CHECKING:
    from rich.progress import Task

LINES_PER_UPDATE = 4096
"""`Progress.lines` advances the bar once per this many lines (an update takes a lock and a clock read)."""


def add_progress_option(parser: argparse.ArgumentParser) -> None:
    """`--progress` / `--no-progress`; the default (None) draws the bar only when stderr is a terminal."""
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar with events/s and time left (default: only when stderr is a terminal)",
    )


def file_label(path: str) -> str:
    """How a bar names its input: the file's name without its folders (the bar has one line), or stdin."""
    return "stdin" if path == "-" else os.path.basename(path)


def size_of(handle: IO[Any]) -> int | None:
    """Bytes of a regular file behind `handle` (what `Progress.lines` counts towards); None for pipes."""
    try:
        status = os.fstat(handle.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


class Progress:
    """A bar towards `total` (any unit: bytes read, simulated milliseconds) that also counts events.

    `enabled=None` means: draw when `stream` is a terminal. Disabled, every method is a cheap no-op.
    """

    def __init__(
        self,
        description: str,
        total: float | None = None,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
    ):
        self.description = description
        self.total = total
        self._stream = stream if stream is not None else sys.stderr
        self.enabled = _isatty(self._stream) if enabled is None else enabled
        self.events = 0
        self.done = 0.0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            self._bar = _rich_bar(self._stream)
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total, events=0)
        return self

    def advance(self, events: int, done: float | None = None) -> None:
        """`events` more are through; `done` is how far towards `total` the work now is (absolute)."""
        self.events += events
        if done is not None:
            self.done = done
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, events=self.events)

    def lines(self, lines: Iterable[AnyStr]) -> Iterator[AnyStr]:
        """Yield `lines` (text, or bytes of a file opened in binary), counting each non-blank one as an event
        and its length towards `total` (bytes: exact for bytes and for ASCII text)."""
        if self._bar is None:
            yield from lines
            return
        events = 0
        size = self.done
        for number, line in enumerate(lines, 1):
            size += len(line)
            if line.strip():
                events += 1
            if number % LINES_PER_UPDATE == 0:
                self.advance(events, size)
                events = 0
            yield line
        self.advance(events, size)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            if exc_type is None and self.total is not None:
                self._bar.update(self._task, completed=self.total)
            self._bar.stop()
            self._bar = None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _rich_bar(stream: TextIO) -> Any:
    """The rich bar, imported on first use (rich takes ~0.1 s to import; `--help` and pipes never pay it)."""
    from rich.console import Console
    from rich.progress import BarColumn, ProgressColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Events a second since the start (rich's own speed follows `done`, which is not always events)."""

        def render(self, task: Task) -> Text:
            elapsed = task.elapsed or 0.0
            rate = task.fields.get("events", 0) / elapsed if elapsed > 0 else 0.0
            return Text(f"{rate:,.0f}/s")

    return RichProgress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=16),
        TaskProgressColumn(),
        TextColumn("{task.fields[events]:,} events"),
        RateColumn(),
        TimeRemainingColumn(),
        TextColumn("left"),
        console=Console(file=stream, force_terminal=True),
        redirect_stdout=False,  # events may be going to stdout (`simulate --out -`): leave it alone
        redirect_stderr=False,
        refresh_per_second=4,
    )
