"""Errors of the contract: they say which field, what was expected and what came."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import Any

from baystream.infra.errors import ContractError


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one event."""

    field: str
    """The field's name; for an unknown one, what was sent (shown at most MAX_GOT characters long)."""
    reason: str
    got: Any = None

    def __str__(self) -> str:
        return f"field {_shown(self.field, 60)}: {self.reason}, got {_shown(self.got, 60)}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of an answer: `got` echoed back bounded (MAX_GOT characters), so a 900 KB value or a
        deeply nested one costs the answer no more than a short one."""
        got = self.got
        if isinstance(got, str):
            got = got if len(got) <= MAX_GOT else got[: MAX_GOT - 3] + "..."
        elif not (got is None or isinstance(got, float | bool) or (type(got) is int and -(1 << 63) <= got < 1 << 64)):
            got = _shown(got, MAX_GOT)
        field = self.field if len(self.field) <= MAX_GOT else self.field[: MAX_GOT - 3] + "..."
        return {"field": field, "reason": self.reason, "got": got}


MAX_GOT = 200
"""Longest `got` in an answer (characters)."""


_REPR = reprlib.Repr()
"""A repr that is shallow whatever the value (reprlib stops at `maxlevel`: no recursion error)."""
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 3, MAX_GOT, MAX_GOT, 40
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = _REPR.maxset = 6


def _shown(value: Any, limit: int) -> str:
    """A repr of `value` of at most `limit` characters (an int of 5,000 digits is no exception)."""
    if isinstance(value, int) and not -(1 << 64) < value < 1 << 64:
        return f"an integer of {value.bit_length()} bits"
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class InvalidEvent(ContractError):
    """An event that breaks the contract; carries every field error found."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class DecodeError(ContractError):
    """Bytes that are not a Baystream record (bad magic, unknown schema, corrupt Avro)."""
