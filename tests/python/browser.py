"""Headless Chromium for the browser tests (the report, the dbt docs site).

Both ways run Chromium with the flags that keep it offline and headless and a profile
folder of the test's own:

- `dump_dom`: load a page, let it run for a virtual-time budget, print the DOM it drew;
- `HeadlessChromium`: a DevTools-protocol session over a pipe (`--remote-debugging-pipe`,
  so no port, no websocket library), which records every console error of a page (a
  `console.error`, an uncaught exception, a resource or security error the browser logs),
  reads the text it rendered and takes a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium installed")


def chromium_command(profile: Path, *extra: str) -> list[str]:
    """Chromium headless, offline and quiet, with a fresh profile folder."""
    return [
        CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1400,900", *extra,
    ]


def dump_dom(url: str, profile: Path, budget_ms: int = 8000, timeout: float = 90) -> str:
    """The page's DOM after `budget_ms` of virtual time (scripts, timers and animations run)."""
    command = chromium_command(profile, f"--virtual-time-budget={budget_ms}", "--dump-dom", url)
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout).stdout


@dataclass
class ConsoleError:
    """One error the page's console showed: what kind, its text, the resource it names."""

    kind: str  # console.error / console.assert, exception, or the browser log's source (network, security, ...)
    text: str
    url: str = ""


@dataclass
class PageVisit:
    url: str
    text: str  # document.body.innerText once the page was ready
    errors: list[ConsoleError] = field(default_factory=list)
    screenshot: Path | None = None


class HeadlessChromium:
    """One headless Chromium driven over the DevTools protocol; use as a context manager."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> HeadlessChromium:
        to_chrome_read, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_write = os.pipe()

        def pipe_fds() -> None:  # Chromium reads commands on fd 3 and writes replies on fd 4
            os.dup2(to_chrome_read, 100)
            os.dup2(from_chrome_write, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)
            os.close(100)
            os.close(101)

        self._process = subprocess.Popen(
            chromium_command(self.profile, "--remote-debugging-pipe", "about:blank"),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=pipe_fds, close_fds=False,
        )
        os.close(to_chrome_read)
        os.close(from_chrome_write)
        page = next(t for t in self._send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self._session = self._send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self._send(f"{domain}.enable", session=True)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._send("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001 - closing is best effort; the process is killed below
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)

    # ------------------------------------------------------------------ protocol

    def _send(self, method: str, params: dict[str, Any] | None = None, session: bool = False,
              timeout: float = 60) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._messages():
                if reply.get("id") == message["id"]:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                self._events.append(reply)
            if time.monotonic() > deadline:
                raise TimeoutError(f"Chromium did not answer {method} in {timeout} s")
            self._read(0.2)

    def _read(self, wait: float) -> None:
        ready, _, _ = select.select([self._from_chrome], [], [], wait)
        if ready:
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk

    def _messages(self):
        while b"\0" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\0", 1)
            yield json.loads(raw)

    def _pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._read(0.1)
            self._events.extend(self._messages())

    def _evaluate(self, expression: str) -> Any:
        result = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)
        return result.get("result", {}).get("value")

    # ------------------------------------------------------------------ pages

    def open(self, url: str, ready: str, screenshot: Path | None = None, timeout: float = 60,
             settle: float = 1.0) -> PageVisit:
        """Navigate to `url`, wait until the JavaScript expression `ready` is true, let the page
        settle for `settle` seconds, then read its text, its console errors and a screenshot."""
        self._events.clear()
        self._send("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + timeout
        while not self._evaluate(f"Boolean({ready})"):
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} was not ready ({ready}) after {timeout} s")
            self._pump(0.25)
        self._pump(settle)
        visit = PageVisit(url=url, text=self._evaluate("document.body ? document.body.innerText : ''") or "")
        if screenshot is not None:
            shot = self._send("Page.captureScreenshot", {"format": "png"}, session=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            visit.screenshot = screenshot
        self._pump(0.1)
        visit.errors = [error for event in self._events if (error := _console_error(event)) is not None]
        return visit


def _console_error(event: dict[str, Any]) -> ConsoleError | None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
        return ConsoleError(f"console.{params['type']}", text)
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        text = details.get("exception", {}).get("description") or details.get("text", "")
        return ConsoleError("exception", text, details.get("url", ""))
    if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        entry = params["entry"]
        return ConsoleError(entry.get("source", "log"), entry.get("text", ""), entry.get("url", ""))
    return None
