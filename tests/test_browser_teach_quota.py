"""Teach a classifier when the browser's storage for the site is full: IndexedDB refuses the
writes with QuotaExceededError, the page says so, and the session loses nothing (the examples
stay on the page, training and predicting still work).

How the write is made to fail, for real: Chrome DevTools Protocol `Storage.overrideQuotaForOrigin`
with the server's origin ("http://127.0.0.1:<port>", as `Storage.getUsageAndQuota` reports
it) and a quota of 1 byte, set BEFORE the page opens IndexedDB. Set while the page has its
database open, the override shows in getUsageAndQuota at once but Chromium's IndexedDB goes on
checking writes against the space it last found left, for a while: here uploads 2 s after the
override were saved, uploads 40 s after it refused (an earlier version of this test wrote at
once and concluded the override did not work). Setting it first makes the test immediate."""

from __future__ import annotations

import pytest

from tests.browser import wait_ready
from tests.conftest import ARTIFACTS
from tests.test_browser_teach import base_model, example_files  # noqa: F401 (fixtures are used by name)

pytestmark = pytest.mark.browser


def test_storage_full_says_so_and_keeps_the_session(page, live_server, base_model, example_files):  # noqa: F811
    rec = page
    page = rec.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_server.url, "quotaSize": 1})
    assert cdp.send("Storage.getUsageAndQuota", {"origin": live_server.url})["quota"] == 1
    page.goto(f"{live_server.url}/demos/teach/?backend=wasm")
    wait_ready(page, timeout_ms=120_000)  # the base model loads from the network: its cache cannot store it either
    for i, name in enumerate(["cat", "coffee"]):
        page.locator("[data-testid=upload]").nth(i).set_input_files(example_files[name][:3])
        page.wait_for_function(f"() => window.__demo.teach.classes[{i}].count === 3", timeout=60_000)
    page.wait_for_function("() => window.__demo.teach.saveError", timeout=30_000)
    assert page.evaluate("() => window.__demo.teach.saveError") == "QuotaExceededError"
    saved = page.locator("[data-testid=saved]").inner_text()
    assert "storage for the site is full" in saved and "NOT saved" in saved
    # Nothing lost from the session: every example is on the page, and it trains and predicts.
    assert page.locator("[data-testid=class-card] img").count() == 6
    page.fill("[data-testid=epochs]", "5")
    page.click("[data-testid=train]")
    page.wait_for_function("() => window.__demo.teach.trained && !window.__demo.teach.training", timeout=60_000)
    assert len(page.evaluate("() => window.__demo.teach.history")) == 5
    page.set_input_files("[data-testid=file]", example_files["coffee"][5])
    page.wait_for_function("() => window.__demo.result && window.__demo.result.source === 'image'", timeout=60_000)
    assert page.evaluate("() => window.__demo.result.top[0].label") == "Class 2"  # the coffee class
    page.screenshot(path=ARTIFACTS / "teach_storage_full.png", full_page=True)
    # It really was not saved: lift the override and reload, and the project is a new one.
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_server.url})
    page.reload()
    wait_ready(page, timeout_ms=120_000)
    assert [c["count"] for c in page.evaluate("() => window.__demo.teach.classes")] == [0, 0]
