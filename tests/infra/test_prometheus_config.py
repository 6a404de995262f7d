"""The Prometheus deploy files pass promtool, the alert rules pass their unit tests, and they scrape the
processes the demo actually starts, on the ports it actually gives them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from baystream.infra.demo import children
from baystream.infra.metrics import DEFAULT_METRICS_PORTS
from baystream.infra.settings import Settings
from tests.infra.prom import PROMETHEUS_DIR, promtool

CONFIGS = ("prometheus.yml", "prometheus-compose.yml")
JOB_OF_COMMAND = {
    "worker": "baystream-worker",
    "simulate": "baystream-simulator",
    "dashboard": "baystream-dashboard",
    "gateway": "baystream-gateway",
    "webhooks": "baystream-webhooks",
    "containers": "baystream-containers",
}
ISSUE_ALERTS = {  # the issue's four: a worker down, lag growing, dead letters growing, a terminal RED 30 min
    "BaystreamWorkerDown",
    "BaystreamConsumerLagGrowing",
    "BaystreamDeadLettersGrowing",
    "BaystreamTerminalRed",
}


def _load(name: str) -> Any:
    return yaml.safe_load((PROMETHEUS_DIR / name).read_text())


def _alerts() -> dict[str, dict[str, Any]]:
    rules = _load("rules.yml")
    return {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule}


def _targets(config: dict[str, Any]) -> dict[str, list[str]]:
    """job -> 'host:port' targets (static) or 'name:port' (DNS service discovery)."""
    jobs: dict[str, list[str]] = {}
    for job in config["scrape_configs"]:
        found = [t for sc in job.get("static_configs", []) for t in sc["targets"]]
        found += [f"{name}:{sd['port']}" for sd in job.get("dns_sd_configs", []) for name in sd["names"]]
        jobs[job["job_name"]] = found
    return jobs


@pytest.mark.parametrize("config", CONFIGS)
def test_promtool_check_config(config: str) -> None:
    result = promtool("check", "config", config, cwd=PROMETHEUS_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    assert "1 rule files found" in result.stdout  # the rules file is really loaded, relative to the config


def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", "rules.yml", cwd=PROMETHEUS_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in result.stdout


def test_the_issue_alerts_exist() -> None:
    assert set(_alerts()) >= ISSUE_ALERTS


def test_promtool_test_rules() -> None:
    result = promtool("test", "rules", "rules_test.yml", cwd=PROMETHEUS_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_unit_test_that_makes_it_fire_and_one_that_does_not() -> None:
    tests = _load("rules_test.yml")["tests"]
    firing = {t["alertname"] for case in tests for t in case["alert_rule_test"] if t["exp_alerts"]}
    quiet = {t["alertname"] for case in tests for t in case["alert_rule_test"] if not t["exp_alerts"]}
    assert set(_alerts()) <= firing
    assert quiet >= ISSUE_ALERTS


def test_rules_unit_tests_can_fail(tmp_path: Path) -> None:
    """Loosen the RED alert's 30 minutes: its unit tests must notice (they are not vacuous)."""
    rules = (PROMETHEUS_DIR / "rules.yml").read_text()
    assert rules.count("for: 30m") == 1
    (tmp_path / "rules.yml").write_text(rules.replace("for: 30m", "for: 10m"))
    (tmp_path / "rules_test.yml").write_text((PROMETHEUS_DIR / "rules_test.yml").read_text())
    result = promtool("test", "rules", "rules_test.yml", cwd=tmp_path)
    assert result.returncode != 0
    assert "BaystreamTerminalRed" in result.stdout + result.stderr


def test_local_config_scrapes_every_demo_process_on_its_demo_port() -> None:
    jobs = _targets(_load("prometheus.yml"))
    for child in children(Settings(), speed=1.0, scenario="normal"):
        assert jobs[JOB_OF_COMMAND[child.command]] == [f"127.0.0.1:{child.metrics_port}"]
    assert set(jobs) == set(JOB_OF_COMMAND.values())


def test_local_config_scrapes_every_service_on_its_default_port() -> None:
    """Services outside the demo (webhooks) too: started by hand, they are on DEFAULT_METRICS_PORTS."""
    jobs = _targets(_load("prometheus.yml"))
    command_of = {"simulator": "simulate"}
    for service, port in DEFAULT_METRICS_PORTS.items():
        assert jobs[JOB_OF_COMMAND[command_of.get(service, service)]] == [f"127.0.0.1:{port}"], service


def test_both_configs_use_the_same_jobs_and_rules() -> None:
    local, compose = _load("prometheus.yml"), _load("prometheus-compose.yml")
    assert local["rule_files"] == compose["rule_files"] == ["rules.yml"]
    assert set(_targets(local)) == set(_targets(compose)) - {"prometheus"}


def test_alerts_name_only_jobs_that_are_scraped() -> None:
    jobs = set(_targets(_load("prometheus.yml")))
    for name, rule in _alerts().items():
        for job in ("baystream-worker", "baystream-simulator", "baystream-dashboard", "baystream-gateway"):
            if f'job="{job}"' in rule["expr"]:
                assert job in jobs, name
