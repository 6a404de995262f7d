"""The compose stack, the Dockerfile and the Grafana dashboards, checked without Docker or Grafana:
every command is a real `baystream` subcommand, every BAYSTREAM_* variable a real setting, every scrape
target a real service on its real metrics port, every dashboard query valid PromQL over real metrics."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import baystream.infra.metrics  # noqa: F401  (registers every Baystream metric)
from baystream.infra.cli import build_parser
from baystream.infra.settings import ENV_PREFIX, load_settings
from tests.infra.prom import DEPLOY, PROMETHEUS_DIR, ROOT, exposed_names, promtool

COMPOSE = DEPLOY / "docker-compose.yml"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
PROVISIONING = DEPLOY / "grafana" / "provisioning"
BAYSTREAM_SERVICES = {"worker", "containers", "dashboard", "gateway", "webhooks", "simulator"}
JOB_OF_SERVICE = {service: f"baystream-{service}" for service in BAYSTREAM_SERVICES}
METRIC_PREFIXES = ("baystream_", "process_", "python_")
INDICATORS = {  # the indicator names of docs/indicators.md (a contract)
    "vessels_waiting", "anchor_wait_hours", "berth_utilization", "truck_turn_minutes", "truck_turn_p90_minutes",
    "trucks_on_terminal", "gate_moves_per_hour", "import_dwell_days", "imports_on_terminal", "long_dwell_share",
    "chassis_on_hand", "chassis_out", "chassis_street_dwell_days", "rail_backlog", "rail_dwell_days",
    "congestion_index",
    "anchor_co2_kg_per_hour", "anchor_nox_kg_per_hour", "berth_co2_kg_per_hour", "berth_nox_kg_per_hour",
    "ship_co2_kg_per_teu", "shore_power_share", "zero_emission_truck_share", "china_import_share",
    "green_corridor_share", "arrivals_expected_72h",
}  # fmt: skip


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def _baystream_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in compose["services"].items() if svc.get("image") == "baystream:latest"}


def test_compose_runs_the_production_like_stack(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert BAYSTREAM_SERVICES | {"topics", "kafka", "schema-registry", "prometheus", "grafana"} <= set(services)
    assert set(_baystream_services(compose)) == BAYSTREAM_SERVICES | {"topics"}
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert set(kafka["environment"]["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}  # KRaft
    assert not any("zookeeper" in name for name in services)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", kafka["environment"]["CLUSTER_ID"])  # a KRaft cluster id


SERVICE_COMMANDS = {
    "worker": "worker",
    "containers": "containers",
    "dashboard": "dashboard",
    "gateway": "gateway",
    "webhooks": "webhooks",
    "simulator": "simulate",
}


@pytest.mark.parametrize("service", [*SERVICE_COMMANDS, "topics"])
def test_compose_commands_are_real_baystream_subcommands(compose: dict[str, Any], service: str) -> None:
    parser, modules = build_parser()
    command = compose["services"][service]["command"]
    assert command[0] in modules, f"{service}: `baystream {command[0]}` is not available"
    args = parser.parse_args(command)  # argparse exits (SystemExit) on an unknown option or value
    assert args.command == command[0]


def test_compose_env_vars_are_real_settings(compose: dict[str, Any]) -> None:
    for name, service in _baystream_services(compose).items():
        env = service["environment"]
        for key in env:
            assert key.startswith(ENV_PREFIX), f"{name}: {key}"
        load_settings(env={k: str(v) for k, v in env.items()})  # an unknown BAYSTREAM_* variable raises
        assert env["BAYSTREAM_BOOTSTRAP"] == "kafka:9092"
        assert env["BAYSTREAM_SCHEMA_REGISTRY"] == "http://schema-registry:8081"  # Confluent wire format on


def test_compose_services_wait_for_topics_and_listen_beyond_loopback(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["topics"]["command"] == ["topics", "create"]
    assert services["topics"]["restart"] == "no"
    for name in BAYSTREAM_SERVICES:
        service = services[name]
        assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully", name
        assert service["environment"]["BAYSTREAM_METRICS_HOST"] == "0.0.0.0", name
    assert services["dashboard"]["environment"]["BAYSTREAM_DASHBOARD_HOST"] == "0.0.0.0"
    assert services["gateway"]["environment"]["BAYSTREAM_GATEWAY_HOST"] == "0.0.0.0"


def test_compose_metrics_ports_match_the_compose_prometheus_config(compose: dict[str, Any]) -> None:
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus-compose.yml").read_text())
    targets: dict[str, list[str]] = {}
    for job in config["scrape_configs"]:
        found = [t for sc in job.get("static_configs", []) for t in sc["targets"]]
        found += [f"{n}:{sd['port']}" for sd in job.get("dns_sd_configs", []) for n in sd["names"]]
        targets[job["job_name"]] = found
    for name in BAYSTREAM_SERVICES:
        port = compose["services"][name]["environment"]["BAYSTREAM_METRICS_PORT"]
        assert targets[JOB_OF_SERVICE[name]] == [f"{name}:{port}"]
    for job, found in targets.items():
        for target in found:
            host = target.rsplit(":", 1)[0]
            assert host == "localhost" or host in compose["services"], f"{job}: {target} is no service"


def test_compose_mounts_files_that_exist(compose: dict[str, Any]) -> None:
    mounted: dict[str, str] = {}
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
                mounted[target] = source
    assert mounted["/etc/prometheus/prometheus.yml"] == "./prometheus/prometheus-compose.yml"
    assert mounted["/etc/prometheus/rules.yml"] == "./prometheus/rules.yml"
    assert mounted["/etc/grafana/provisioning"] == "./grafana/provisioning"
    provider = yaml.safe_load((PROVISIONING / "dashboards" / "baystream.yml").read_text())["providers"][0]
    assert mounted[provider["options"]["path"]] == "./grafana/dashboards"
    build = compose["services"]["worker"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == ROOT / "Dockerfile"


def _dockerfile() -> list[list[str]]:
    """The Dockerfile's instructions, split into words (comments and continuation lines left out)."""
    text = (ROOT / "Dockerfile").read_text()
    return [line.split() for line in text.splitlines() if line.strip() and line[0].isupper()]


def test_dockerfile_copies_what_exists_and_runs_baystream() -> None:
    lines = _dockerfile()
    assert lines[0] == ["FROM", "python:3.11-slim"]
    for parts in lines:
        if parts[0] == "COPY":
            for source in parts[1:-1]:
                assert (ROOT / source).exists(), source
    assert ["ENTRYPOINT", '["baystream"]'] in lines
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored


def test_the_package_built_as_in_the_image_ships_the_deploy_files(tmp_path: Path) -> None:
    """Build the package from exactly what the Dockerfile copies: the deploy files must be in it.

    Uses the installed setuptools (the dev extra pins the build-system minimum) rather than fetching one.
    """
    source, build = tmp_path / "src", tmp_path / "build"
    source.mkdir()
    for parts in _dockerfile():
        if parts[0] == "COPY":
            for path in parts[1:-1]:
                subprocess.run(["cp", "-r", str(ROOT / path), str(source / path)], check=True)
    result = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", str(build)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    shipped = {str(p.relative_to(build)) for p in build.rglob("*") if p.is_file()}
    deploy_files = {f"baystream/{p.relative_to(ROOT)}" for p in DEPLOY.rglob("*") if p.is_file()}
    assert len(deploy_files) >= 9
    assert deploy_files <= shipped, deploy_files - shipped


# --- Grafana ------------------------------------------------------------------------------------------


def _dashboards() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def _exprs(board: dict[str, Any]) -> list[str]:
    return [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]


def _as_promql(expr: str) -> str:
    """Grafana's variables replaced by what Grafana puts there, so promtool can parse the query."""
    return expr.replace("$__rate_interval", "1m").replace("$scope", ".*")


def test_both_dashboards_are_provisioned_with_the_provisioned_datasource() -> None:
    boards = _dashboards()
    assert set(boards) == {"ops.json", "congestion.json"}
    datasource = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    uids = set()
    for name, board in boards.items():
        uids.add(board["uid"])
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), name
        assert len(_exprs(board)) >= 8, name
        for panel in board["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == datasource["uid"], (name, panel["title"])
    assert len(uids) == len(boards)


def test_dashboard_queries_use_only_metrics_that_exist() -> None:
    known = exposed_names() | {"up"}
    for name, board in _dashboards().items():
        for expr in _exprs(board):
            words = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", _as_promql(expr)))
            metrics = {w for w in words if w.startswith(METRIC_PREFIXES) or w == "up"}
            assert metrics, f"{name}: {expr} reads no metric"
            assert metrics <= known, f"{name}: {expr} reads unknown {metrics - known}"


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    """promtool parses every query (as a recording rule): a typo in a dashboard fails here, not in Grafana."""
    rules = [
        {"record": f"dashboard:{name.removesuffix('.json')}:{i}", "expr": _as_promql(expr)}
        for name, board in _dashboards().items()
        for i, expr in enumerate(_exprs(board))
    ]
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


def test_congestion_dashboard_shows_every_indicator_of_the_contract() -> None:
    shown = set(re.findall(r'indicator="([a-z_0-9]+)"', " ".join(_exprs(_dashboards()["congestion.json"]))))
    assert shown == INDICATORS


def test_compose_commands_use_exec_form() -> None:
    """Every command is a list: no shell between Docker's SIGTERM and the process."""
    for name, service in yaml.safe_load(COMPOSE.read_text())["services"].items():
        if "command" in service:
            assert isinstance(service["command"], list), name
