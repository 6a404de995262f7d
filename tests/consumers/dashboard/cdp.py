"""Headless Chromium driven over the Chrome DevTools Protocol with aiohttp's websocket client.

Debian's `chromium` needs no driver download and no extra dependency: start it with a fresh profile and
`--remote-debugging-port=0`, read the port it chose from `DevToolsActivePort`, open one page target.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def chromium_binary() -> str | None:
    """Debian's chromium (installed by infra/setup/system-deps.sh), or None."""
    return shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None


class BrowserError(RuntimeError):
    """Chromium did not start, or a DevTools command failed."""


class Chromium:
    """One headless browser with one page; `async with Chromium() as page: await page.open(url)`."""

    def __init__(self, width: int = 1440, height: int = 1000, binary: str | None = None):
        self.width, self.height = width, height
        self.binary = binary or chromium_binary()
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.console: list[str] = []

    async def __aenter__(self) -> Chromium:
        if not self.binary:
            raise BrowserError("chromium is not installed (make test installs it: infra/setup/system-deps.sh)")
        self._profile = tempfile.mkdtemp(prefix="baystream-chromium-")
        self._process = subprocess.Popen(
            [
                self.binary,
                *FLAGS,
                f"--user-data-dir={self._profile}",
                "--remote-debugging-port=0",
                f"--window-size={self.width},{self.height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            await self._connect()
        except BaseException:
            await self._shutdown()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._shutdown()

    async def _connect(self) -> None:
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise BrowserError("chromium did not open its DevTools port")
            await asyncio.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        target = await self.send("Target.createTarget", {"url": "about:blank"}, browser=True)
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, browser=True
        )
        self._session = attached["sessionId"]
        await self.send("Runtime.enable")
        await self.send("Page.enable")
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )

    async def _read(self) -> None:
        async for message in self._ws:
            data = json.loads(message.data)
            future = self._pending.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)
            elif data.get("method") == "Runtime.consoleAPICalled":
                args = data["params"].get("args", [])
                self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
            elif data.get("method") == "Runtime.exceptionThrown":
                self.console.append("exception: " + json.dumps(data["params"]["exceptionDetails"])[:500])

    async def send(self, method: str, params: dict[str, Any] | None = None, browser: bool = False) -> dict[str, Any]:
        """One DevTools command; its result, or BrowserError with the protocol's message."""
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if not browser:
            message["sessionId"] = self._session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self._ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, 30)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return dict(reply.get("result", {}))

    async def open(self, url: str, timeout: float = 20.0) -> None:
        await self.send("Page.navigate", {"url": url})
        await self.wait_for("document.readyState === 'complete'", timeout)

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = await self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """Poll until the expression is truthy; its value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"{expression!r} still {value!r} after {timeout} s; console: {self.console[-5:]}")

    async def fit_page(self) -> None:
        """Grow the viewport to the page's height, so a screenshot holds the whole page."""
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        height = int(await self.evaluate("document.documentElement.scrollHeight"))
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        await asyncio.sleep(0.3)

    async def _point(self, selector: str, fx: float, fy: float) -> tuple[float, float]:
        box = await self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            " return [r.left, r.top, r.width, r.height]; })()"
        )
        return box[0] + box[2] * fx, box[1] + box[3] * fy

    async def _mouse(self, kind: str, x: float, y: float, clicks: int = 0) -> None:
        params: dict[str, Any] = {"type": kind, "x": x, "y": y}
        if kind != "mouseMoved":
            params |= {"button": "left", "clickCount": clicks}
        elif clicks:
            params |= {"button": "left", "buttons": 1}
        await self.send("Input.dispatchMouseEvent", params)

    async def hover(self, selector: str, fx: float = 0.5, fy: float = 0.5) -> None:
        """Move the mouse over the element `selector`, at fractions `fx`, `fy` of its width and height."""
        await self._mouse("mouseMoved", *await self._point(selector, fx, fy))

    async def click(self, selector: str, fx: float = 0.5, fy: float = 0.5, clicks: int = 1) -> None:
        """A real left click (`clicks=2`: a double click) at fractions of the element's box."""
        x, y = await self._point(selector, fx, fy)
        await self._mouse("mouseMoved", x, y)
        for n in range(1, clicks + 1):
            await self._mouse("mousePressed", x, y, n)
            await self._mouse("mouseReleased", x, y, n)

    async def drag(self, selector: str, fx0: float, fx1: float, fy: float = 0.5) -> None:
        """Press the left button at `fx0` of the element's width, move to `fx1` in steps, release."""
        x0, y = await self._point(selector, fx0, fy)
        x1, _ = await self._point(selector, fx1, fy)
        await self._mouse("mouseMoved", x0, y)
        await self._mouse("mousePressed", x0, y, 1)
        for step in range(1, 11):
            await self._mouse("mouseMoved", x0 + (x1 - x0) * step / 10, y, 1)
        await self._mouse("mouseReleased", x1, y, 1)

    async def screenshot(self, path: str | Path, full_page: bool = True) -> None:
        """A PNG of the page; `full_page` grows the viewport to the page's height first."""
        if full_page:
            await self.fit_page()
        shot = await self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full_page})
        Path(path).write_bytes(base64.b64decode(shot["data"]))

    async def _shutdown(self) -> None:
        with contextlib.suppress(Exception):
            await self._ws.close()
        with contextlib.suppress(Exception):
            await self._http.close()
        if getattr(self, "_reader", None) is not None:
            self._reader.cancel()
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)  # chromium's own group: its helpers stop with it
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(5)
        shutil.rmtree(self._profile, ignore_errors=True)
