"""`baystream publish FILE|-`: JSON lines to the backbone, all or nothing, in bounded memory.

Two passes over the input. The first validates every line and keeps only counts (and the first bad
lines): one bad line means exit status 1, a message naming the line and the field, and nothing published.
The second reads the input again and publishes as it reads, so a file of any size (a simulated year is
26.8 M events, 9.8 GB) needs no more memory than the producer's queue. Standard input is copied to a
temporary file during the first pass, to be read again. A file that changes between the passes is
refused, or, if it turns bad while publishing, stops there with a message saying how many went out.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from baystream.infra.errors import ContractError
from baystream.infra.progress import Progress, add_progress_option, file_label, size_of
from baystream.infra.settings import Settings
from baystream.schemas.errors import InvalidEvent

HELP = "publish JSON-lines events from a file (or - for stdin); validates everything first"
MAX_PROBLEMS = 20
READ_BUFFER = 1 << 20
"""Bytes read from a file at a time. Python's default (8 KiB) made reading a simulated year (9.8 GB) cost a
fifth of its replay, in the kernel and in readline (docs/benchmarks.md)."""


class InvalidInput(ContractError):
    """Lines of an input that break the contract: [(line number, error), ...]."""

    def __init__(self, problems: list[tuple[int, InvalidEvent]]):
        self.problems = problems
        super().__init__("\n".join(f"line {n}: {err}" for n, err in problems))


def binary_stdin() -> IO[bytes]:
    """Standard input as bytes (its lines are then split on `\n` only and checked for UTF-8 one by one); a
    stand-in text stream without a binary buffer (one already in memory) is encoded."""
    buffer: IO[bytes] | None = getattr(sys.stdin, "buffer", None)
    return buffer if buffer is not None else io.BytesIO(sys.stdin.read().encode("utf-8", "surrogateescape"))


def open_events(path: str) -> IO[bytes]:
    """A JSON-lines file (or standard input for `-`) to read its lines from, as bytes, with a large buffer."""
    return binary_stdin() if path == "-" else open(path, "rb", buffering=READ_BUFFER)


def validated_events(lines: Iterable[str | bytes], max_problems: int = MAX_PROBLEMS) -> Iterator[dict[str, Any]]:
    """The validated events of JSON lines, in order, one at a time (nothing is held).

    Lines are best bytes of a file opened in binary (they end at `\n` only, as JSON lines do): a line that is
    not UTF-8 is then a problem of that line like any other. Blank lines are skipped. At the first bad line
    the events stop; reading goes on only to name up to `max_problems` bad lines, then InvalidInput lists
    them (line numbers from 1 in the whole input).
    """
    from baystream.schemas.json_converters import CONVERTERS, quick_parser
    from baystream.schemas.json_form import parse_line

    quick = quick_parser()  # `parse_line`'s first step, called here: a Python call less per line
    problems: list[tuple[int, InvalidEvent]] = []
    for number, line in enumerate(lines, start=1):
        record = quick(line, CONVERTERS)
        if record is None:
            if not line.strip():
                continue
            try:
                record = parse_line(line)
            except InvalidEvent as exc:
                problems.append((number, exc))
                if len(problems) >= max_problems:
                    break
                continue
        if not problems:
            yield record
    if problems:
        raise InvalidInput(problems)


def count_valid(lines: Iterable[str | bytes], max_problems: int = MAX_PROBLEMS) -> int:
    """The first pass: how many events `lines` hold; InvalidInput if any line is bad."""
    count = 0
    for _ in validated_events(lines, max_problems):
        count += 1
    return count


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="JSON-lines file, or - for standard input")
    add_progress_option(parser)


@dataclass(frozen=True)
class _Stamp:
    """What says a file is still the one the first pass checked."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str) -> _Stamp:
        status = os.stat(path)
        return cls(status.st_size, status.st_mtime_ns)


@contextlib.contextmanager
def _rereadable(path: str) -> Iterator[str]:
    """A path that can be read twice: a regular file itself; standard input or a pipe copied to a temporary
    file first (disk, not memory)."""
    if path != "-" and stat.S_ISREG(os.stat(path).st_mode):
        yield path
        return
    with (
        contextlib.nullcontext(open_events(path)) if path == "-" else open_events(path) as source,
        tempfile.NamedTemporaryFile("wb", prefix="baystream-publish-", suffix=".jsonl") as copy,
    ):
        shutil.copyfileobj(source, copy, 1 << 20)
        copy.flush()
        yield copy.name


def _check(path: str, shown: str, progress: bool | None) -> int:
    with (
        open_events(path) as handle,
        Progress(f"checking {shown}", size_of(handle), enabled=progress) as bar,
    ):
        return count_valid(bar.lines(handle))


def _publish(path: str, shown: str, total: int, settings: Settings, progress: bool | None) -> int:
    from baystream.producers.publisher import Publisher

    with (
        open_events(path) as handle,
        Progress(f"publishing {shown}", size_of(handle), enabled=progress) as bar,
        Publisher(settings, validate=False) as publisher,
    ):
        # no more than the first pass counted: lines appended since then were not checked
        return publisher.publish_all(itertools.islice(validated_events(bar.lines(handle)), total))


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.metrics import EVENTS_REJECTED
    from baystream.producers.publisher import PublishError

    shown = file_label(args.file)
    try:
        with _rereadable(args.file) as path:
            stamp = _Stamp.of(path)
            try:
                total = _check(path, shown, args.progress)
            except InvalidInput as exc:
                EVENTS_REJECTED.labels("file", "any").inc(len(exc.problems))
                print(f"baystream publish: {args.file}: nothing published:\n{exc}", file=sys.stderr)
                return 1
            if _Stamp.of(path) != stamp:
                print(
                    f"baystream publish: {args.file} changed while it was checked: nothing published", file=sys.stderr
                )
                return 1
            try:
                delivered = _publish(path, shown, total, settings, args.progress)
            except InvalidInput as exc:
                print(
                    f"baystream publish: {args.file} changed after it was checked; the events before the first "
                    f"bad line were published:\n{exc}",
                    file=sys.stderr,
                )
                return 1
    except OSError as exc:
        print(f"baystream publish: {exc}", file=sys.stderr)
        return 1
    except PublishError as exc:
        print(f"baystream publish: {exc}", file=sys.stderr)
        return 1
    if delivered != total:
        print(
            f"baystream publish: {args.file} changed while it was published: {delivered} of the {total} event(s) "
            "checked were published",
            file=sys.stderr,
        )
        return 1
    print(f"published {delivered} event(s)", file=sys.stderr)
    return 0
