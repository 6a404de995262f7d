"""A port that is taken becomes one line naming the setting to change, not an OSError traceback.

No aiohttp here: every process's metrics server (infra/metrics.py) binds through `bind_error` too.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

from baystream.infra.settings import ENV_PREFIX, SettingsError


@dataclass(frozen=True)
class PortSetting:
    """Where a port comes from: the setting (and its `BAYSTREAM_*` variable), and a command-line flag if any."""

    setting: str
    what: str
    """What listens there, for the message: "the gateway", "metrics of the dashboard"."""
    flag: str | None = None
    hint: str = ""
    """Appended to the message, e.g. that 0 turns it off."""

    @property
    def variable(self) -> str:
        return ENV_PREFIX + self.setting.upper()

    def in_use(self, host: str, port: int) -> PortInUse:
        change = f"{self.flag} or {self.variable}" if self.flag else self.variable
        return PortInUse(
            f"port {port} on {host} is in use, so {self.what} cannot listen there: choose another with {change} "
            f"(setting {self.setting}){self.hint}"
        )


class PortInUse(SettingsError):
    """A configured port is taken by another process: a configuration error the user fixes in one setting."""


def bind_error(exc: OSError, setting: PortSetting | None, host: str, port: int) -> OSError | PortInUse:
    """The error to raise for a failed bind: `PortInUse` for a taken port of a setting, else the original."""
    return setting.in_use(host, port) if setting is not None and exc.errno == errno.EADDRINUSE else exc


def listen(host: str, port: int, setting: PortSetting | None) -> socket.socket:
    """A listening TCP socket on host:port (0: a free port), bound before anything slow starts.

    Binding first means a taken port is reported at once, not after a broker connection or a warm-up.
    SO_REUSEADDR is set (as asyncio does), so a port in TIME_WAIT after a restart is not "in use".
    """
    try:
        family, _, _, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)[0]
        return socket.create_server(address[:2], family=family, backlog=128)
    except OSError as exc:
        raise bind_error(exc, setting, host, port) from None


def is_free(host: str, port: int) -> bool:
    """Whether host:port can be bound right now (a check before starting children that will bind it)."""
    try:
        listen(host, port, None).close()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return False
        raise
    return True
