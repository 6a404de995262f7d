"""Facility configuration and congestion-index bounds: defaults from the complex's reference data and
docs/domain.md's figures, overridable by a TOML file.

The engine needs to know what events cannot tell it: how many berths a terminal has, how many gray-pool
chassis a location starts with, which port a facility belongs to, and where "normal" and "crisis" lie for
each input of the congestion index. The facility defaults are schemas/complex.py's terminals and rail
yard; `Settings.indicator_config` names the TOML file (docs/indicators.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from baystream.infra.errors import ConfigurationError
from baystream.infra.settings import Settings, read_toml
from baystream.schemas.complex import ICTF, RAIL_YARDS, TERMINALS

RANK = {"GREEN": 0, "AMBER": 1, "RED": 2}
"""Levels in order (a level not listed, as a future one read as UNKNOWN, ranks with GREEN)."""


class IndicatorConfigError(ConfigurationError):
    """The indicator configuration cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Facility:
    """A terminal, rail yard or chassis depot."""

    code: str
    port: str
    berths: int = 0
    """Vessel berths (berth_utilization's denominator); 0 for rail yards and depots."""
    chassis: int = 0
    """Gray-pool chassis at this location when counting starts (chassis_on_hand's starting point)."""
    kind: str = "terminal"
    """terminal, rail or depot (documentation only; every facility gets every indicator)."""


@dataclass(frozen=True)
class Bound:
    """Where an input of the congestion index is normal (maps to 0) and in crisis (maps to 1), and its weight."""

    normal: float
    crisis: float
    weight: float = 1.0
    group: str = ""
    """The concern it belongs to (vessels, berths, gates, dwell, rail, chassis): see `IndicatorConfig.group_peak`."""


# Berths: vessel berths a terminal can work at once (its berths in the reference data).
# Chassis: the ~34,000 gray-pool chassis of the Pool of Pools spread over 12 terminals, and the ICTF's.
DEFAULT_FACILITIES: Mapping[str, Facility] = MappingProxyType(
    {t.code: Facility(t.code, t.port, len(t.berths), t.chassis, "terminal") for t in TERMINALS}
    | {y.code: Facility(y.code, y.port, 0, y.chassis, "rail") for y in RAIL_YARDS}
)

# Congestion-index inputs (docs/indicators.md "Congestion index and levels"). vessels_waiting is given for the
# whole complex and scaled to a scope by its share of the complex's berths. Rail backlog and chassis are
# scaled per scope by what the scope itself handles: the backlog in days of its own rail-bound arrivals, the
# chassis out as a share of its own pool. The first nine make the weighted mean as before; the figures by
# mode, the rail backlog and the chassis in the pool weigh 0 there and lift the index through their group's
# peak (IndicatorConfig.group_peak), as rail and street dwell do too.
DEFAULT_INDEX: Mapping[str, Bound] = MappingProxyType(
    {
        "vessels_waiting": Bound(3.0, 65.0, 1.0, "vessels"),
        "anchor_wait_hours": Bound(24.0, 8.7 * 24, 1.5, "vessels"),
        "berth_utilization": Bound(0.65, 0.85, 1.0, "berths"),
        "truck_turn_minutes": Bound(60.0, 100.0, 1.5, "gates"),
        "truck_turn_p90_minutes": Bound(90.0, 240.0, 0.5, "gates"),
        "import_dwell_days": Bound(3.0, 8.4, 1.5, "pooled"),
        "long_dwell_share": Bound(0.10, 0.33, 1.0, "pooled"),
        "chassis_street_dwell_days": Bound(4.0, 8.0, 1.0, "chassis"),
        "rail_dwell_days": Bound(4.0, 16.5, 1.0, "rail"),
        "import_dwell_truck_days": Bound(3.0, 8.4, 0.0, "dwell"),
        "long_dwell_truck_share": Bound(0.10, 0.33, 0.0, "dwell"),
        "chassis_in_pool_share": Bound(0.5, 0.1, 0.0, "chassis"),
        "import_dwell_rail_days": Bound(4.0, 16.5, 0.0, "rail"),
        "long_dwell_rail_share": Bound(0.15, 0.5, 0.0, "rail"),
        "rail_backlog_days": Bound(3.0, 6.6, 0.0, "rail"),
    }
)
SCALED_BY_BERTHS = frozenset({"vessels_waiting"})
PEAK_GROUPS = frozenset({"dwell", "rail", "chassis"})
"""Groups whose inputs alone can lift the index (`IndicatorConfig.group_peak`): stocks that build over days.
Not vessels, berths nor gates, whose figures swing with every ship and shift at one terminal (two ships
waiting for a two-berth terminal or a slow hour at its gate is no crisis); a vessel crisis lifts the
dwell and rail figures and the mean with them."""


DEFAULT_FACTORS: Mapping[str, float] = MappingProxyType({"co2": 690.0, "nox": 11.5})
"""Emission factors of ships' auxiliary engines and boilers, g/kWh (docs/indicators.md)."""


@dataclass(frozen=True)
class AirConfig:
    """Ship power and emission factors of the air indicators (docs/indicators.md, "Air, trade and look-ahead")."""

    aux_kw_base: float = 600.0
    aux_kw_per_teu: float = 0.1
    """A ship's auxiliary power while idle, kW = aux_kw_base + aux_kw_per_teu x teu_capacity."""
    default_teu: int = 8000
    """The teu_capacity of a call that did not report one."""
    factors: Mapping[str, float] = field(default_factory=lambda: DEFAULT_FACTORS)
    """g/kWh by pollutant: co2 and nox."""

    def kw(self, teu_capacity: int | None) -> float:
        return self.aux_kw_base + self.aux_kw_per_teu * (self.default_teu if teu_capacity is None else teu_capacity)


@dataclass(frozen=True)
class IndicatorConfig:
    """Everything the engine and the combiner are configured with."""

    facilities: Mapping[str, Facility] = field(default_factory=lambda: DEFAULT_FACILITIES)
    index: Mapping[str, Bound] = field(default_factory=lambda: DEFAULT_INDEX)
    amber_from: float = 40.0
    """congestion_index at and above which the level is AMBER."""
    red_from: float = 70.0
    """congestion_index at and above which the level is RED."""
    hold_hours: float = 24.0
    """A level is left downwards only once the index has stood below it (less the hysteresis) this long, in
    event time: the gates' daily swing does not move a scope in crisis down and up again every day (0: at
    once). The hold counts only while the partials are aligned (`Combiner`): a combiner catching up on a
    backlog, whose partials are hours apart, can see a passing peak that the events never had, and holding
    it would keep a false alarm for `hold_hours` (docs/indicators.md)."""
    hysteresis: float = 5.0
    """A level is left downwards only when the index falls this far below the level's lower bound, so an
    index hovering at a bound does not flap (0: the levels are exactly the bands; docs/indicators.md)."""
    long_dwell_days: float = 5.0
    """An import on terminal this long or longer is a long dweller (long_dwell_share)."""
    long_dwell_truck_days: float = 9.0
    """A truck-bound import on terminal this long or longer is a long dweller (long_dwell_truck_share)."""
    long_dwell_rail_days: float = 6.0
    """A rail-bound import on terminal this long or longer is a long dweller (long_dwell_rail_share)."""
    rail_backlog_days: float = 9.0
    """A rail-bound import on terminal this long or longer counts in rail_backlog_9d."""
    peak_groups: frozenset[str] = PEAK_GROUPS
    """The groups `group_peak` applies to."""
    group_peak: float = 0.6
    """The index is at least this share of the worst position among the inputs of `peak_groups` (x 100;
    docs/indicators.md), so one concern in crisis (rail, chassis, dwell) shows even when the others are
    normal: at its crisis value alone, 60 (AMBER, not RED); 0: the plain weighted mean."""
    visit_timeout_hours: float = 24.0
    """A truck visit open this long is a lost gate OUT: it no longer counts in trucks_on_terminal."""
    near_dock_yard: str = ICTF.code
    """Where rail-bound imports that leave a terminal by truck go to wait for a train (its rail_backlog)."""
    dedup_horizon_hours: float = 168.0
    """Event ids, unmatched departures and closed vessel calls are forgotten this long after their time."""
    future_tolerance_hours: float = 24.0
    """ACTUAL events later than the wall clock plus this are ignored (counted): they cannot have happened."""
    air: AirConfig = field(default_factory=AirConfig)
    """Ship power and emission factors (the air indicators; none enters the congestion index)."""

    @property
    def long_dwell_hours(self) -> int:
        return round(self.long_dwell_days * 24)

    @property
    def long_dwell_truck_hours(self) -> int:
        return round(self.long_dwell_truck_days * 24)

    @property
    def long_dwell_rail_hours(self) -> int:
        return round(self.long_dwell_rail_days * 24)

    @property
    def rail_backlog_old_hours(self) -> int:
        return round(self.rail_backlog_days * 24)

    @property
    def visit_timeout_whole_hours(self) -> int:
        return max(1, round(self.visit_timeout_hours))

    def as_json(self) -> dict[str, Any]:
        """The configuration in the shape of the TOML file (what `baystream indicators config` prints)."""
        return _as_json(self)

    def port_of(self, code: str, fallback: str) -> str:
        facility = self.facilities.get(code)
        return facility.port if facility else fallback

    def berths(self, code: str) -> int:
        facility = self.facilities.get(code)
        return facility.berths if facility else 0

    def chassis(self, code: str) -> int:
        facility = self.facilities.get(code)
        return facility.chassis if facility else 0

    def level(self, index: float, previous: str | None = None) -> str:
        """GREEN < amber_from <= AMBER < red_from <= RED; going down needs `hysteresis` points more."""
        level = "RED" if index >= self.red_from else "AMBER" if index >= self.amber_from else "GREEN"
        floors = {"AMBER": self.amber_from, "RED": self.red_from}
        if previous in floors and RANK[level] < RANK[previous] and index >= floors[previous] - self.hysteresis:
            return previous
        return level


def _as_json(config: IndicatorConfig) -> dict[str, Any]:
    return {
        "facilities": {
            code: {"port": f.port, "berths": f.berths, "chassis": f.chassis, "kind": f.kind}
            for code, f in config.facilities.items()
        },
        "index": {name: dataclasses.asdict(b) for name, b in config.index.items()},
        "levels": {
            "amber_from": config.amber_from,
            "red_from": config.red_from,
            "hysteresis": config.hysteresis,
            "group_peak": config.group_peak,
            "hold_hours": config.hold_hours,
        },
        "engine": {
            "long_dwell_days": config.long_dwell_days,
            "long_dwell_truck_days": config.long_dwell_truck_days,
            "long_dwell_rail_days": config.long_dwell_rail_days,
            "rail_backlog_days": config.rail_backlog_days,
            "dedup_horizon_hours": config.dedup_horizon_hours,
            "near_dock_yard": config.near_dock_yard,
            "future_tolerance_hours": config.future_tolerance_hours,
            "visit_timeout_hours": config.visit_timeout_hours,
        },
        "air": {
            "aux_kw_base": config.air.aux_kw_base,
            "aux_kw_per_teu": config.air.aux_kw_per_teu,
            "default_teu": config.air.default_teu,
            "factors": dict(config.air.factors),
        },
    }


def _number(path: str, where: str, raw: Any, integer: bool = False) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or (integer and not isinstance(raw, int)):
        kind = "an integer" if integer else "a number"
        raise IndicatorConfigError(f"{path}: {where}: expected {kind}, got {raw!r}")
    if raw < 0:
        raise IndicatorConfigError(f"{path}: {where}: must not be negative, got {raw!r}")
    return raw


def _table(path: str, where: str, raw: Any) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise IndicatorConfigError(f"{path}: {where}: expected a table, got {raw!r}")
    return raw


def _check_keys(path: str, where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise IndicatorConfigError(f"{path}: {where}: unknown key(s) {', '.join(unknown)}; allowed: {sorted(allowed)}")


_ENGINE_KEYS = {
    "long_dwell_days",
    "long_dwell_truck_days",
    "long_dwell_rail_days",
    "rail_backlog_days",
    "dedup_horizon_hours",
    "near_dock_yard",
    "future_tolerance_hours",
    "visit_timeout_hours",
}


def config_from_mapping(data: Mapping[str, Any], path: str = "indicator config") -> IndicatorConfig:
    """Overlay a parsed TOML document on the defaults: listed facilities and bounds replace or extend them."""
    _check_keys(path, "top level", data, {"facilities", "index", "levels", "engine", "air"})
    config = IndicatorConfig()
    facilities = dict(config.facilities)
    for code, raw in _table(path, "facilities", data.get("facilities", {})).items():
        table = _table(path, f"facilities.{code}", raw)
        _check_keys(path, f"facilities.{code}", table, {"port", "berths", "chassis", "kind"})
        base = facilities.get(code)
        port = table.get("port", base.port if base else None)
        if not isinstance(port, str) or not port:
            raise IndicatorConfigError(f"{path}: facilities.{code}.port: a new facility needs its port (UN/LOCODE)")
        facilities[code] = Facility(
            code,
            port,
            _number(path, f"facilities.{code}.berths", table.get("berths", base.berths if base else 0), True),
            _number(path, f"facilities.{code}.chassis", table.get("chassis", base.chassis if base else 0), True),
            str(table.get("kind", base.kind if base else "terminal")),
        )
    index = dict(config.index)
    for name, raw in _table(path, "index", data.get("index", {})).items():
        table = _table(path, f"index.{name}", raw)
        _check_keys(path, f"index.{name}", table, {"normal", "crisis", "weight", "group"})
        base_bound = index.get(name)
        if base_bound is None:
            raise IndicatorConfigError(f"{path}: index.{name}: not an input of the index; inputs: {sorted(index)}")
        bound = Bound(
            float(_number(path, f"index.{name}.normal", table.get("normal", base_bound.normal))),
            float(_number(path, f"index.{name}.crisis", table.get("crisis", base_bound.crisis))),
            float(_number(path, f"index.{name}.weight", table.get("weight", base_bound.weight))),
            str(table.get("group", base_bound.group)),
        )
        if bound.crisis == bound.normal:
            raise IndicatorConfigError(f"{path}: index.{name}: crisis must differ from normal")
        index[name] = bound
    levels = _table(path, "levels", data.get("levels", {}))
    _check_keys(path, "levels", levels, {"amber_from", "red_from", "hysteresis", "group_peak", "hold_hours"})
    engine = _table(path, "engine", data.get("engine", {}))
    _check_keys(path, "engine", engine, _ENGINE_KEYS)
    result = replace(
        config,
        facilities=MappingProxyType(facilities),
        index=MappingProxyType(index),
        amber_from=float(_number(path, "levels.amber_from", levels.get("amber_from", config.amber_from))),
        red_from=float(_number(path, "levels.red_from", levels.get("red_from", config.red_from))),
        hysteresis=float(_number(path, "levels.hysteresis", levels.get("hysteresis", config.hysteresis))),
        group_peak=float(_number(path, "levels.group_peak", levels.get("group_peak", config.group_peak))),
        hold_hours=float(_number(path, "levels.hold_hours", levels.get("hold_hours", config.hold_hours))),
        near_dock_yard=str(engine.get("near_dock_yard", config.near_dock_yard)),
        long_dwell_days=float(_number(path, "engine.long_dwell_days", engine.get("long_dwell_days", 5.0))),
        long_dwell_truck_days=float(
            _number(
                path, "engine.long_dwell_truck_days", engine.get("long_dwell_truck_days", config.long_dwell_truck_days)
            )
        ),
        long_dwell_rail_days=float(
            _number(
                path, "engine.long_dwell_rail_days", engine.get("long_dwell_rail_days", config.long_dwell_rail_days)
            )
        ),
        rail_backlog_days=float(
            _number(path, "engine.rail_backlog_days", engine.get("rail_backlog_days", config.rail_backlog_days))
        ),
        visit_timeout_hours=float(
            _number(path, "engine.visit_timeout_hours", engine.get("visit_timeout_hours", config.visit_timeout_hours))
        ),
        future_tolerance_hours=float(
            _number(path, "engine.future_tolerance_hours", engine.get("future_tolerance_hours", 24.0))
        ),
        dedup_horizon_hours=float(
            _number(path, "engine.dedup_horizon_hours", engine.get("dedup_horizon_hours", 168.0))
        ),
    )
    result = replace(result, air=_air(path, _table(path, "air", data.get("air", {}))))
    if not result.amber_from < result.red_from:
        raise IndicatorConfigError(f"{path}: levels: amber_from must be below red_from")
    return result


def _air(path: str, table: Mapping[str, Any]) -> AirConfig:
    """The [air] table over the defaults: ship power and [air.factors] (co2, nox in g/kWh)."""
    _check_keys(path, "air", table, {"aux_kw_base", "aux_kw_per_teu", "default_teu", "factors"})
    base = AirConfig()
    factors = _table(path, "air.factors", table.get("factors", {}))
    _check_keys(path, "air.factors", factors, set(DEFAULT_FACTORS))
    return AirConfig(
        float(_number(path, "air.aux_kw_base", table.get("aux_kw_base", base.aux_kw_base))),
        float(_number(path, "air.aux_kw_per_teu", table.get("aux_kw_per_teu", base.aux_kw_per_teu))),
        int(_number(path, "air.default_teu", table.get("default_teu", base.default_teu), True)),
        MappingProxyType(
            {
                name: float(_number(path, f"air.factors.{name}", factors.get(name, v)))
                for name, v in DEFAULT_FACTORS.items()
            }
        ),
    )


def load_indicator_config(path: str | Path) -> IndicatorConfig:
    """Read a TOML file (see docs/indicators.md for its tables)."""
    return config_from_mapping(read_toml(path, IndicatorConfigError, "indicator config"), str(path))


def config_from_settings(settings: Settings) -> IndicatorConfig:
    """The configuration named by `Settings.indicator_config`, or the defaults."""
    if settings.indicator_config:
        return load_indicator_config(settings.indicator_config)
    return IndicatorConfig()
