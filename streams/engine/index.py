"""The congestion index: each input mapped linearly to 0..1 between normal and crisis, then combined.

The weighted mean over the inputs dilutes a crisis of one concern (a rail outage, a chassis shortage) among
the others that stay normal, so the index is the larger of that mean and `group_peak` x the worst position
among the inputs of the peak groups (dwell, rail, chassis: stocks that move over days, not the figures that
swing with every ship and shift). An input of a peak group with weight 0 takes part in the peak only, so
the mean stays what it was before those inputs existed. Groups and bounds: streams/config.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from baystream.streams.config import SCALED_BY_BERTHS, IndicatorConfig


def input_position(name: str, value: float, config: IndicatorConfig, berth_share: float) -> float | None:
    """Where `value` of index input `name` stands between its normal (0) and crisis (1) bound, clamped; None
    for a count input in a scope without berths (`berth_share` scales the complex-wide count bounds)."""
    bound = config.index[name]
    normal, crisis = bound.normal, bound.crisis
    if name in SCALED_BY_BERTHS:
        if berth_share <= 0:
            return None
        normal, crisis = normal * berth_share, crisis * berth_share
    return min(1.0, max(0.0, (value - normal) / (crisis - normal)))


def congestion_index(values: Mapping[str, float | None], config: IndicatorConfig, berth_share: float) -> float | None:
    """None when no input has a value; `berth_share` scales the complex-wide bounds of count inputs (a scope
    without berths leaves them out)."""
    weighted = weights = worst = 0.0
    seen = False
    peak_groups = config.peak_groups
    for name, bound in config.index.items():
        value = values.get(name)
        peak = bound.group in peak_groups
        if value is None or (bound.weight <= 0 and not peak):
            continue
        position = input_position(name, value, config, berth_share)
        if position is None:
            continue
        weighted += bound.weight * position
        weights += bound.weight
        if peak and position > worst:
            worst = position
        seen = True
    if not seen:
        return None
    return 100.0 * max(weighted / weights if weights else 0.0, config.group_peak * worst)
