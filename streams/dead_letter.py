"""DeadLetter records: what could not be decoded, validated or processed, kept with the reason and the bytes.

Shared by every front end that rejects records (the worker here, the HTTP gateway), so the record and the
metric look the same wherever a rejection happens. Nothing is dropped silently: the caller publishes the
record to `dead-letter` and the counter says how many, by source topic and stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from baystream.infra.metrics import DEAD_LETTERS
from baystream.schemas.errors import FieldError

STAGES = ("decode", "validate", "process", "deliver")
"""Where a record was rejected: its bytes, its content, the engine applying it, or a webhook receiver."""

MAX_REASON = 2000


def dead_letter(
    *,
    topic: str,
    reason: str,
    stage: str,
    producer: str,
    partition: int = -1,
    offset: int = -1,
    key: bytes | None = None,
    value: bytes | None = None,
    failed_at: datetime | None = None,
) -> dict[str, Any]:
    """The DeadLetter record (decoded form, ready for `Codec.encode`); counts it in the metric."""
    if stage not in STAGES:
        raise ValueError(f"unknown dead-letter stage {stage!r}; expected one of {', '.join(STAGES)}")
    DEAD_LETTERS.labels(topic, stage).inc()
    return {
        "type": "DeadLetter",
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key": key,
        "value": value,
        "reason": reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 3] + "...",
        "stage": stage,
        "producer": producer,
        "failed_at": failed_at or datetime.now(UTC),
    }


def field_errors_reason(errors: Sequence[FieldError]) -> str:
    """One line naming every field problem, as `validate` reported them."""
    return "; ".join(str(error) for error in errors)
