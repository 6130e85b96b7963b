"""Headless Chromium for the browser tests: Debian's chromium, offline, with a fake camera.

Chromium may only reach the test server: host resolution for every other name fails, and a
page object records every request so a test can assert that nothing left 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

from server.testing import BASE_ARGS, chromium_path


def launch(playwright: Playwright, camera_y4m: Path | None = None) -> Browser:
    args = list(BASE_ARGS)
    if camera_y4m is not None:
        args.append(f"--use-file-for-fake-video-capture={camera_y4m.resolve()}")
    return playwright.chromium.launch(executable_path=chromium_path(), args=args, headless=True)


@dataclass
class PageRecord:
    """What a page did: console errors, uncaught exceptions, and every URL it requested."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def foreign_requests(self, base_url: str) -> list[str]:
        allowed = (base_url + "/", "data:", "blob:")
        return [url for url in self.requests if not url.startswith(allowed)]

    def assert_clean(self, base_url: str) -> None:
        assert self.page_errors == [], f"page errors: {self.page_errors}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.foreign_requests(base_url) == [], (
            f"requests outside the test server: {self.foreign_requests(base_url)}"
        )


def record(page: Page) -> PageRecord:
    rec = PageRecord(page)
    page.on("console", lambda msg: rec.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: rec.page_errors.append(str(exc)))
    page.on("request", lambda req: rec.requests.append(req.url))
    return rec


def wait_ready(page: Page, timeout_ms: int = 60_000) -> dict:
    """Wait until the demo says it is ready (or reports an error); return window.__demo."""
    page.wait_for_function("() => window.__demo && (window.__demo.ready || window.__demo.error)", timeout=timeout_ms)
    state = page.evaluate("() => window.__demo")
    assert state["error"] is None, f"demo reported an error: {state['error']}"
    return state
