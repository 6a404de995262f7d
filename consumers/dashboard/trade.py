"""Trade lanes: the laden imports of the last 7 days of one scope by the country of their call's last port.

The worker publishes them as the indicators `laden_imports_7d_from_<country>` (docs/indicators.md); this
turns the latest of one scope into counts and shares, largest first, for `GET /api/trade-lanes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from baystream.schemas.json_form import format_time
from baystream.streams.engine.air import ORIGIN_PREFIX

WINDOW_DAYS = 7


def trade_lanes(records: Iterable[Mapping[str, Any]], scope: str) -> dict[str, Any] | None:
    """The lanes of `scope` from latest indicator records; None when it has none yet."""
    mine = [r for r in records if r["scope"] == scope and r["indicator"].startswith(ORIGIN_PREFIX)]
    if not mine:
        return None
    counts = {r["indicator"].removeprefix(ORIGIN_PREFIX): int(r["value"] or 0) for r in mine}
    total = sum(counts.values())
    lanes = [
        {"country": country, "imports": n, "share": n / total}
        for country, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if n > 0
    ]
    as_of: datetime = max(r["as_of"] for r in mine)
    return {"scope": scope, "as_of": format_time(as_of), "days": WINDOW_DAYS, "total": total, "lanes": lanes}
