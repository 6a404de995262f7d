"""The congestion index: each input mapped linearly to 0..1 between normal and crisis, weighted mean x 100."""

from __future__ import annotations

from collections.abc import Mapping

from baystream.streams.config import SCALED_BY_BERTHS, IndicatorConfig


def congestion_index(values: Mapping[str, float | None], config: IndicatorConfig, berth_share: float) -> float | None:
    """None when no input has a value; `berth_share` scales the complex-wide bounds of count inputs."""
    weighted = weights = 0.0
    for name, bound in config.index.items():
        value = values.get(name)
        if value is None or bound.weight <= 0:
            continue
        normal, crisis = bound.normal, bound.crisis
        if name in SCALED_BY_BERTHS:
            if berth_share <= 0:
                continue
            normal, crisis = normal * berth_share, crisis * berth_share
        position = (value - normal) / (crisis - normal)
        weighted += bound.weight * min(1.0, max(0.0, position))
        weights += bound.weight
    return 100.0 * weighted / weights if weights else None
