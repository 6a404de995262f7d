"""Helpers for tests against a running gateway: parties with fresh keys, a plain HTTP client, topic reads,
`baystream gateway` as a child process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from baystream.infra.broker import free_port
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.producers.gateway.identities import RULES, Identity, KeyRing, Role, hash_key, new_key
from baystream.schemas.wire import codec_for
from tests.cli import cli_env

ROOT = Path(__file__).resolve().parents[3]

PARTIES: dict[str, tuple[Role, str]] = {
    "abcd-trucking": (Role.TRUCKER, "ABCD"),
    "efgh-trucking": (Role.TRUCKER, "EFGH"),
    "apm-terminals": (Role.TERMINAL, "APMT"),
    "maersk": (Role.CARRIER, "MAEU"),
    "dcli": (Role.CHASSIS_PROVIDER, "DCLI"),
    "union-pacific": (Role.RAILROAD, "UP"),
}


def keyring_with_fresh_keys() -> tuple[KeyRing, dict[str, str]]:
    """A keyring of the PARTIES, each with a new random key; also party -> key for the client side."""
    keys = {party: new_key() for party in PARTIES}
    ring = KeyRing(Identity(p, role, code, hash_key(keys[p])) for p, (role, code) in PARTIES.items())
    return ring, keys


def post(
    url: str, body: Any, key: str | None = None, content_type: str = "application/json"
) -> tuple[int, dict[str, str], Any]:
    """POST `body` (bytes as they are, anything else as JSON); (status, headers, decoded JSON answer)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["X-API-Key"] = key
    request = urllib.request.Request(f"{url}/v1/events", data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def get(url: str) -> tuple[int, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, json.loads(response.read())


def on_topic(settings: Settings, topic: str, event_ids: Iterable[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """event_id -> every (key, record) on `topic` carrying it, for the given ids only (topics are shared)."""
    wanted = set(event_ids)
    codec = codec_for(settings.kafka.schema_registry)
    found: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for message in read_topic(settings, topic):
        record = codec.decode(message.value())
        if record["event_id"] in wanted:
            found[record["event_id"]].append(((message.key() or b"").decode(), record))
    return dict(found)


def keys_json(keys: dict[str, str]) -> str:
    """The BAYSTREAM_GATEWAY_KEYS of the PARTIES holding `keys` (party -> key), for a `baystream gateway` child."""
    entries: dict[str, dict[str, str]] = {}
    for party, (role, code) in PARTIES.items():
        field = RULES[role].identity_field
        entries[party] = {"key_sha256": hash_key(keys[party]), "role": role.value, field: code}
    return json.dumps(entries)


class GatewayProcess:
    """`baystream gateway` as its own process on `settings`' broker, as in production; `kill()` is SIGKILL.

    Started with the keys of `keys` and no rate limit to speak of; `url` answers once the gateway listens,
    i.e. once its idempotency memory has caught up with the input topics.
    """

    def __init__(self, settings: Settings, keys: dict[str, str], **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        extra = {
            "BAYSTREAM_GATEWAY_KEYS": keys_json(keys),
            "BAYSTREAM_GATEWAY_RATE_PER_S": "100000",
            "BAYSTREAM_GATEWAY_BURST": "100000",
            "BAYSTREAM_METRICS_PORT": "0",
            **env,
        }
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - open as long as the child runs, closed in __exit__
        self.process = subprocess.Popen(
            [sys.executable, "-m", "baystream", "gateway", "--port", str(self.port)],
            env=cli_env(settings, **extra),
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60.0) -> GatewayProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"baystream gateway exited with {self.process.returncode}:\n{self.output()}")
            try:
                if get(f"{self.url}/v1/health")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"baystream gateway not listening after {timeout:g}s:\n{self.output()}")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no flush, no cleanup, whatever is in flight stays where it is."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def __enter__(self) -> GatewayProcess:
        return self.wait_ready()

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()
