"""The suite's polling helper."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from tests.polling import eventually


def test_returns_the_first_truthy_result() -> None:
    answers = iter([None, 0, "", "ready"])
    assert eventually(lambda: next(answers), timeout=5, every=0.001) == "ready"


def test_fails_naming_what_and_the_last_result() -> None:
    with pytest.raises(AssertionError, match=r"not within 0.05 s: the topic \(last: \[\]\)"):
        eventually(list, timeout=0.05, what="the topic", every=0.01)


def test_retries_the_named_exceptions_only() -> None:
    counter = itertools.count()

    def flaky() -> int:
        n = next(counter)
        if n < 3:
            raise ConnectionError("not yet")
        return n

    assert eventually(flaky, timeout=5, every=0.001, retry_on=(ConnectionError,)) == 3
    with pytest.raises(ValueError):
        eventually(lambda: int("x"), timeout=5, retry_on=(ConnectionError,))


def test_a_dead_process_ends_the_wait_at_once() -> None:
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    with pytest.raises(AssertionError, match="exited with 3"):
        eventually(lambda: False, timeout=60, what="the answer", alive=process)
