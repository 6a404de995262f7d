"""Errors of the contract: they say which field, what was expected and what came."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from baystream.infra.errors import ContractError


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one event."""

    field: str
    reason: str
    got: Any = None

    def __str__(self) -> str:
        shown = repr(self.got)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"field {self.field!r}: {self.reason}, got {shown}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "reason": self.reason,
            "got": self.got if _jsonable(self.got) else repr(self.got),
        }


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


class InvalidEvent(ContractError):
    """An event that breaks the contract; carries every field error found."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class DecodeError(ContractError):
    """Bytes that are not a Baystream record (bad magic, unknown schema, corrupt Avro)."""
