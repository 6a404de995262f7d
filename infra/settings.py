"""One settings object for every process, in sections: defaults serve the demo, a TOML file and `BAYSTREAM_*`
variables override them. docs/deploy.md ("Settings") lists every setting.

Precedence: defaults < TOML file (`BAYSTREAM_CONFIG` or `--config`) < environment variables.

- Sections: `kafka`, `worker`, `dashboard`, `gateway`, plus a few settings of every process at the top
  (`metrics_port`, `metrics_host`, `indicator_config`). In TOML: `[dashboard] port = 8090`.
- Every setting also has one flat name, which is its environment variable without `BAYSTREAM_`
  (`dashboard.port` is `dashboard_port`, `BAYSTREAM_DASHBOARD_PORT`; `kafka.bootstrap` is `bootstrap`).
  Flat names are also accepted at the top of the TOML file (the form before sections) and by
  `Settings.with_overrides`.
- Kafka client properties pass through untouched: `BAYSTREAM_KAFKA_SECURITY_PROTOCOL=SASL_SSL` becomes
  `security.protocol=SASL_SSL`; in TOML they go under `[kafka.properties]` with their Kafka names (dotted
  keys directly under `[kafka]`, the older form, are still read as properties).
- Any variable can be given as a file instead: `BAYSTREAM_KAFKA_SASL_PASSWORD_FILE=/run/secrets/kafka`
  reads the value from that file (Docker and Kubernetes secrets).
- An unknown `BAYSTREAM_*` variable or TOML key is an error naming it (and the closest real name).
- Secrets (passwords, credentials in the registry URL, API keys) never appear in repr, str or logs.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from baystream.infra.errors import ConfigurationError

ENV_PREFIX = "BAYSTREAM_"
KAFKA_ENV_PREFIX = "BAYSTREAM_KAFKA_"
FILE_SUFFIX = "_FILE"
OTHER_VARIABLES = frozenset(
    {"BAYSTREAM_CONFIG", "BAYSTREAM_SIMULATOR_COMPILED", "BAYSTREAM_DECODERS_COMPILED", "BAYSTREAM_ENGINE_COMPILED"}
    | {"BAYSTREAM_CHECKS_COMPILED"}
)
"""`BAYSTREAM_*` variables that are not settings (read elsewhere); any other unknown one is an error."""
OTHER_PREFIXES = ("BAYSTREAM_TEST_",)
"""Prefixes of variables of the test suite and benchmarks, never read by a Baystream process."""
HIDDEN = "***"
_T = TypeVar("_T")

_SECRET_PROPERTY = re.compile(r"password|secret|jaas|token|credentials|oauthbearer\.config|ssl\.key\.pem")
"""Kafka client properties whose values are secrets (sasl.password, ssl.key.password, sasl.jaas.config, ...)."""
_URL_USERINFO = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@]*)@")


class SettingsError(ConfigurationError):
    """A setting has a value that cannot be used; the message names the setting."""


def _secret(kind: str = "value") -> dict[str, str]:
    """Field metadata: `value` hides the whole value, `url` the credentials in a URL."""
    return {"secret": kind}


def _flat(name: str) -> dict[str, str]:
    """Field metadata: the setting's flat name when it is not `<section>_<field>`."""
    return {"flat": name}


def hide_secrets(properties: Mapping[str, str]) -> dict[str, str]:
    """Kafka client properties with the values of secret ones hidden (for messages and logs)."""
    return {k: HIDDEN if _SECRET_PROPERTY.search(k) else v for k, v in properties.items()}


def hide_url_credentials(url: str) -> str:
    """`https://key:secret@host` -> `https://***@host`."""
    return _URL_USERINFO.sub(lambda m: f"{m['scheme']}{HIDDEN}@", url)


class _Section:
    """repr (and so str, and logging) of a settings dataclass, with its secrets hidden."""

    SECTION: ClassVar[str | None] = None
    """The TOML table and prefix of flat names; None for the top level and the kafka section (no prefix)."""

    def __repr__(self) -> str:
        shown = []
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            kind = f.metadata.get("secret")
            if value is not None and kind == "value":
                value = HIDDEN
            elif isinstance(value, str) and kind == "url":
                value = hide_url_credentials(value)
            elif f.name == "properties":
                value = hide_secrets(value)
            shown.append(f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


@dataclass(frozen=True, repr=False)
class KafkaSettings(_Section):
    """The broker and how every client reaches it. Flat names without prefix (`bootstrap`, `partitions`)."""

    bootstrap: str | None = None
    """Kafka bootstrap servers; None means the embedded Tansu broker (demo, tests)."""
    schema_registry: str | None = field(default=None, metadata=_secret("url"))
    """Schema Registry URL (credentials may be in it); when set, values use the Confluent wire format."""
    properties: Mapping[str, str] = field(default_factory=dict, metadata=_flat("kafka_properties"))
    """Extra librdkafka properties (SASL/SSL and the like), passed to every client (`BAYSTREAM_KAFKA_*`)."""
    embedded: bool = False
    """True when `bootstrap` points at the embedded broker (short group timeouts)."""
    partitions: int = 3
    """Partitions of every input topic (all input topics of the Faust app share one count)."""
    replication_factor: int = 1
    session_timeout_ms: int = 45000
    """Consumer group session timeout on a real cluster; the embedded broker uses 6000."""
    client_id: str = "baystream"


@dataclass(frozen=True, repr=False)
class WorkerSettings(_Section):
    """The indicator workers (docs/worker.md)."""

    SECTION = "worker"
    app_id: str = field(default="baystream-indicators", metadata=_flat("app_id"))
    """Faust application id (consumer group of the workers)."""
    state_dir: str = field(default="state", metadata=_flat("state_dir"))
    """Where workers keep their RocksDB stores."""
    table_store: str = field(default="rocksdb://", metadata=_flat("table_store"))
    """Faust table store: rocksdb:// in production, memory:// in tests."""
    web_port: int = 6066
    publish_interval_s: float = field(default=5.0, metadata=_flat("publish_interval_s"))
    """Steady cadence at which the worker publishes all indicators."""
    batch_size: int = 5000
    """Most events per input batch: bigger batches cost less per event, smaller ones answer sooner."""
    batch_within_s: float = 0.1
    """Longest wait to fill a batch."""
    partial_interval_s: float = 0.25
    """Shortest time between two reports of an input partition to the combiner."""
    checkpoint_interval_s: float = 5.0
    """Shortest time between two checkpoints (and commits); a restart replays at most about this much."""
    stop_timeout_s: float = 10.0
    """Longest stop after SIGINT or SIGTERM; past it the worker exits with status 3, as a crash (docs/worker.md)."""


@dataclass(frozen=True, repr=False)
class DashboardSettings(_Section):
    """The dashboard (docs/dashboard.md)."""

    SECTION = "dashboard"
    host: str = "127.0.0.1"
    port: int = 8080
    history_hours: float = 6.0
    """Hours of history the charts start with."""
    webhooks: tuple[Mapping[str, Any], ...] = field(default=(), metadata=_flat("webhooks"))
    """Alert webhook subscriptions: {url, scopes (optional list), min_level (GREEN/AMBER/RED)}; TOML only."""
    require_key: bool = False
    """Every endpoint but the page shell and /healthz needs a party's API key (401 without); aggregates are
    public otherwise. Details of containers and visits always need one (docs/dashboard.md, "Parties")."""
    visit_hours: float = 24.0
    """Hours of gate moves read at start for the truckers' `GET /api/my/visits` (recent visits)."""


@dataclass(frozen=True, repr=False)
class GatewaySettings(_Section):
    """The HTTP ingestion gateway (docs/gateway.md)."""

    SECTION = "gateway"
    host: str = "127.0.0.1"
    port: int = 8081
    keys_file: str | None = None
    """TOML or JSON file of the gateway's API keys (party -> key_sha256, role, identity); docs/gateway.md."""
    keys: str | None = field(default=None, metadata=_secret())
    """The same keys as JSON text (BAYSTREAM_GATEWAY_KEYS), added to those of the file."""
    max_body_bytes: int = 1_048_576
    rate_per_s: float = 20.0
    """Requests per second per API key (token bucket refill), with bursts up to `burst`."""
    burst: int = 40
    idempotency_window_s: float = 900.0
    """How long an accepted event_id is remembered, so a retried batch is not published twice."""
    ack_timeout_s: float = 30.0
    """How long a request waits for the broker's acknowledgements before answering 503."""


@dataclass(frozen=True, repr=False)
class WebhooksSettings(_Section):
    """Alert webhook deliveries, `baystream webhooks` (docs/webhooks.md)."""

    SECTION = "webhooks"
    group_id: str = "baystream-webhooks"
    """Consumer group of the delivering processes on `congestion-alerts`: replicas split its partitions."""
    max_attempts: int = 10
    """Attempts per alert and subscription before a dead letter (pauses 1, 2, 4 ... 60 s: 2 to 4 minutes in all)."""
    retry_initial_s: float = 1.0
    """Pause after the first failed attempt; doubled after each next one, with jitter."""
    retry_cap_s: float = 60.0
    """Longest pause between two attempts, also the most a `Retry-After` is honoured."""
    timeout_s: float = 10.0
    """Per attempt: connecting, sending, and the receiver's answer."""


@dataclass(frozen=True, repr=False)
class ContainersSettings(_Section):
    """The container status stream, `baystream containers` (docs/containers.md)."""

    SECTION = "containers"
    group_id: str = "baystream-containers"
    """Consumer group whose committed offsets say how far the input topics were applied; also names the
    process's state topic, `<group_id>-state`."""
    free_days: int = 4
    """Calendar days after the discharge day (port local time) an import may stay: the last free day."""
    free_days_by_terminal: str = ""
    """Terminals with other free days than `free_days`, as CODE=DAYS items: "APMT=5,TTI=3"."""
    dwell_refresh_hours: float = 24.0
    """Every this many hours of event time, every box on terminal gets its status again with the dwell so far."""
    checkpoint_interval_s: float = 2.0
    """Shortest time between two commits of the input offsets (after the statuses are flushed)."""


SECTIONS: Mapping[str, Any] = {
    "kafka": KafkaSettings,
    "worker": WorkerSettings,
    "dashboard": DashboardSettings,
    "gateway": GatewaySettings,
    "webhooks": WebhooksSettings,
    "containers": ContainersSettings,
}


@dataclass(frozen=True, repr=False)
class Settings(_Section):
    """Everything a Baystream process may be configured with: the sections, and what every process shares."""

    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)
    gateway: GatewaySettings = field(default_factory=GatewaySettings)
    webhooks: WebhooksSettings = field(default_factory=WebhooksSettings)
    containers: ContainersSettings = field(default_factory=ContainersSettings)
    metrics_port: int | None = None
    """Prometheus /metrics port of the process (0 disables); None: the service's own default, so services on one
    machine do not collide (infra/metrics.py DEFAULT_METRICS_PORTS, docs/metrics.md)."""
    metrics_host: str = "127.0.0.1"
    """Address /metrics binds to: 0.0.0.0 in containers, so Prometheus can scrape from another one."""
    indicator_config: str | None = None
    """TOML file with facility configuration and congestion-index bounds (docs/indicators.md)."""

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some settings changed, by flat name: `with_overrides(bootstrap=..., embedded=True)`."""
        by_section: dict[str | None, dict[str, Any]] = {}
        for name, value in changes.items():
            spec = _spec(name)
            by_section.setdefault(spec.section, {})[spec.field.name] = value
        top = by_section.pop(None, {})
        for section, values in by_section.items():
            assert section is not None
            top[section] = dataclasses.replace(getattr(self, section), **values)
        return dataclasses.replace(self, **top)


@dataclass(frozen=True)
class _Spec:
    """Where a flat-named setting lives."""

    name: str
    section: str | None
    field: dataclasses.Field[Any]

    @property
    def variable(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.field.name}" if self.section else self.field.name

    @property
    def from_environment(self) -> bool:
        return self.name not in {"kafka_properties", "webhooks"}


def _specs() -> dict[str, _Spec]:
    specs: dict[str, _Spec] = {}
    for f in dataclasses.fields(Settings):
        if f.name not in SECTIONS:
            specs[f.name] = _Spec(f.name, None, f)
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            name = f.metadata.get("flat") or (f"{cls.SECTION}_{f.name}" if cls.SECTION else f.name)
            specs[name] = _Spec(name, section, f)
    return specs


SPECS: Mapping[str, _Spec] = _specs()
"""Every setting by flat name."""


def _spec(name: str) -> _Spec:
    try:
        return SPECS[name]
    except KeyError:
        raise SettingsError(f"unknown setting {name!r}{_did_you_mean(name, list(SPECS))}") from None


def default(flat_name: str) -> Any:
    """The default of a setting (by flat name), from its dataclass."""
    return SPECS[flat_name].field.default


def option_help(text: str, flat_name: str) -> str:
    """Help of a command-line option that overrides a setting: which setting, which variable, the default."""
    spec = SPECS[flat_name]
    return f"{text} (default: setting {spec.dotted}, {spec.variable}, {spec.field.default})"


def given(option: _T | None, setting: _T) -> _T:
    """A command-line option's value when given, else the setting's (options default to None)."""
    return setting if option is None else option


def _did_you_mean(name: str, candidates: list[str], prefix: str = "") -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return f"; did you mean {prefix}{close[0]}?" if close else ""


def _coerce(spec: _Spec, raw: Any) -> Any:
    """Turn a TOML or environment value into the field's type, naming the setting on failure."""
    kind = str(spec.field.type)
    optional = "None" in kind
    if optional and raw in (None, ""):
        return None
    try:
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return text in {"1", "true", "yes", "on"}
        if kind.startswith("int"):
            if isinstance(raw, float | bool):
                raise ValueError(raw)
            return int(raw)
        if kind == "float":
            if isinstance(raw, bool):
                raise ValueError(raw)
            return float(raw)
    except (TypeError, ValueError):
        expected = "int" if kind.startswith("int") else kind
        raise SettingsError(f"setting {spec.name!r}: expected {expected}, got {raw!r}") from None
    if spec.name == "webhooks":
        if not isinstance(raw, list) or not all(isinstance(w, dict) and "url" in w for w in raw):
            raise SettingsError("setting 'webhooks': expected a list of tables with a 'url'")
        return tuple(raw)
    if spec.name == "kafka_properties":
        if not isinstance(raw, dict):
            raise SettingsError("setting 'kafka.properties': expected a table of Kafka client properties")
        return {str(k): str(v) for k, v in raw.items()}
    if isinstance(raw, dict | list):
        raise SettingsError(f"setting {spec.name!r}: expected a value, got a table or array")
    return str(raw)


class _Collected:
    """Values by flat name, each set at most once per source."""

    def __init__(self, where: str):
        self.where = where
        self.values: dict[str, Any] = {}
        self.properties: dict[str, str] = {}

    def set(self, name: str, raw: Any, shown: str) -> None:
        spec = SPECS[name]
        if name in self.values:
            raise SettingsError(f"{self.where}: {shown} sets {spec.dotted!r} a second time")
        self.values[name] = _coerce(spec, raw)


def read_toml(path: str | Path, error: type[Exception], what: str) -> dict[str, Any]:
    """A TOML file's tables; a missing or malformed file is one `error` naming `what` and the path."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{what} {path}: {exc}") from exc


def _from_toml(path: str | Path) -> _Collected:
    data = read_toml(path, SettingsError, "config file")
    found = _Collected(f"config file {path}")
    for key, raw in data.items():
        if key in SECTIONS and isinstance(raw, dict):
            _toml_section(found, key, raw)
        elif (key in SPECS and SPECS[key].from_environment) or key == "webhooks":
            found.set(key, raw, repr(key))
        else:
            hint = _did_you_mean(key, [*SECTIONS, *SPECS])
            raise SettingsError(f"config file {path}: unknown setting {key!r}{hint}")
    return found


def _toml_section(found: _Collected, section: str, table: Mapping[str, Any]) -> None:
    names = {SPECS[n].field.name: n for n in SPECS if SPECS[n].section == section}
    for key, raw in table.items():
        if section == "kafka" and key == "properties":
            found.properties.update(_coerce(SPECS["kafka_properties"], raw))
        elif section == "kafka" and "." in key:  # the older form: client properties directly under [kafka]
            found.properties[key] = str(raw)
        elif key in names and names[key] != "kafka_properties":
            found.set(names[key], raw, f"[{section}] {key}")
        else:
            hint = _did_you_mean(key, [k for k in names if k != "properties"])
            extra = "; Kafka client properties go under [kafka.properties]" if section == "kafka" else ""
            raise SettingsError(f"{found.where}: [{section}]: unknown setting {key!r}{hint}{extra}")


def _read_secret_file(variable: str, path: str) -> str:
    try:
        return Path(path).read_text().rstrip("\r\n")
    except OSError as exc:
        raise SettingsError(f"{variable}: cannot read {path}: {exc.strerror or exc}") from None


def _environment_variables() -> list[str]:
    return [s.variable for s in SPECS.values() if s.from_environment]


def _from_environment(env: Mapping[str, str]) -> _Collected:
    found = _Collected("environment")
    known = set(_environment_variables())
    for key, raw in sorted(env.items()):
        if not key.startswith(ENV_PREFIX) or key in OTHER_VARIABLES or key.startswith(OTHER_PREFIXES):
            continue
        variable = key
        if key.endswith(FILE_SUFFIX) and key not in known:
            variable = key[: -len(FILE_SUFFIX)]
            if variable in env:
                raise SettingsError(f"both {variable} and {key} are set: keep one")
            raw = _read_secret_file(key, raw)
        if variable.startswith(KAFKA_ENV_PREFIX):
            found.properties[variable[len(KAFKA_ENV_PREFIX) :].lower().replace("_", ".")] = raw
        elif variable in known:
            found.set(variable[len(ENV_PREFIX) :].lower(), raw, variable)
        else:
            hint = _did_you_mean(variable, sorted(known))
            raise SettingsError(f"environment variable {key}: not a Baystream setting{hint} (docs/deploy.md)")
    return found


def load_settings(env: Mapping[str, str] | None = None, config_file: str | Path | None = None) -> Settings:
    """Build the settings from a TOML file (optional) and the environment."""
    env = os.environ if env is None else env
    path = config_file or env.get("BAYSTREAM_CONFIG")
    sources = [_from_toml(path)] if path else []
    sources.append(_from_environment(env))
    values: dict[str, Any] = {}
    properties: dict[str, str] = {}
    for source in sources:
        values.update(source.values)
        properties.update(source.properties)
    values["kafka_properties"] = properties
    return Settings().with_overrides(**values)
