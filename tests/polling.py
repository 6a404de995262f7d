"""The one polling loop of the suite: wait for a condition with a deadline, never a fixed sleep."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    probe: Callable[[], T],
    timeout: float,
    what: str = "condition",
    *,
    every: float = 0.25,
    retry_on: tuple[type[BaseException], ...] = (),
    alive: subprocess.Popen[bytes] | subprocess.Popen[str] | None = None,
) -> T:
    """The first truthy result of `probe`, asked every `every` s until `timeout`.

    Exceptions of `retry_on` count as "not yet" (a broker that is still starting); when `alive` is given and
    that process exits first, fail at once rather than wait out the deadline. The failure names `what` and
    the last result, which is what a reader of a red test needs.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        if alive is not None and alive.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {alive.returncode} first (last: {last!r})")
        try:
            result = probe()
        except retry_on as exc:
            last = exc
        else:
            if result:
                return result
            last = result
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout:g} s: {what} (last: {last!r})")
        time.sleep(every)
