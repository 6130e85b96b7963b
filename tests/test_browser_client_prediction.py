"""Client-side prediction with server-side preprocessing, in headless Chromium."""

from __future__ import annotations

import pytest
from PIL import Image
from skimage import data as photos

from tests.browser import wait_ready

pytestmark = pytest.mark.browser

URL = "/demos/client_prediction/?backend=wasm"


def upload(pg, path):
    pg.evaluate("() => { window.__demo.result = null; }")
    pg.get_by_test_id("file").set_input_files(str(path))
    pg.wait_for_function("() => window.__demo.result !== null || window.__demo.error", timeout=60_000)
    return pg.evaluate("() => window.__demo")


def test_server_prepares_and_browser_predicts(page, live_server, default_models, tmp_path):
    pg = page.page
    pg.goto(live_server.url + URL)
    assert wait_ready(pg)["model"] == "efficientnet-lite0"
    coffee = tmp_path / "coffee.png"
    Image.fromarray(photos.coffee()).save(coffee)
    state = upload(pg, coffee)
    assert state["error"] is None
    assert state["result"]["top"][0]["label"] == "espresso"
    # The server's tensor equals the browser's own preprocessing of the same photo.
    assert state["result"]["maxDifference"] < 0.01
    timing = state["result"]["timing"]
    assert timing["roundTripMs"] > 0 and timing["decode_ms"] > 0 and timing["predictMs"] > 0
    assert "ms" in pg.locator("#t-predict").inner_text()
    page.assert_clean(live_server.url)


def test_bad_upload_is_explained_on_the_page(page, live_server, default_models, tmp_path):
    pg = page.page
    pg.goto(live_server.url + URL)
    wait_ready(pg)
    fake = tmp_path / "broken.png"
    fake.write_bytes(b"this is not a png")
    state = upload(pg, fake)
    assert "could not be decoded" in state["error"]
    assert pg.locator("#error").is_visible()
