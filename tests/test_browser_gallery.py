"""The gallery page in headless Chromium, and the automatic backend choice."""

import pytest

from tests.browser import wait_ready

pytestmark = pytest.mark.browser


def test_gallery_lists_every_demo_and_opens_one(page, live_server):
    pg = page.page
    pg.goto(live_server.url + "/")
    names = pg.locator(".card").evaluate_all("cards => cards.map(c => c.dataset.demo)")
    assert {"core_api", "layers_api"} <= set(names)
    # Every card has a picture that loaded.
    widths = pg.locator(".card img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert widths and all(w > 0 for w in widths)
    pg.locator('.card[data-demo="core_api"] a').first.click()
    pg.wait_for_url("**/demos/core_api/")
    wait_ready(pg)
    page.assert_clean(live_server.url)


def test_auto_backend_measures_and_reports_what_is_in_use(page, live_server):
    pg = page.page
    pg.goto(live_server.url + "/demos/core_api/")  # no ?backend: auto
    state = wait_ready(pg)
    # With no GPU, WebGL is software-emulated and skipped; wasm wins the probe.
    assert state["backend"] == pg.evaluate("() => tf.getBackend()") == "wasm"
    note = pg.locator('[data-stat="note"]').inner_text()
    assert note.startswith("auto: wasm") and "wasm" in note
    page.assert_clean(live_server.url)


def test_webgl_on_request(page, live_server):
    pg = page.page
    pg.goto(live_server.url + "/demos/core_api/?backend=webgl")
    state = wait_ready(pg)
    assert state["backend"] == pg.evaluate("() => tf.getBackend()") == "webgl"
    assert state["result"]["add"] == [11, 22, 33, 44]
    page.assert_clean(live_server.url)


def test_unknown_backend_is_a_readable_error(page, live_server):
    pg = page.page
    pg.goto(live_server.url + "/demos/core_api/?backend=quantum")
    pg.wait_for_function("() => window.__demo && window.__demo.error")
    assert "Unknown backend" in pg.locator("#error").inner_text()


def test_missing_page_is_a_real_404_page(page, live_server):
    response = page.page.goto(live_server.url + "/demos/no_such_demo/")
    assert response.status == 404
    assert "no demo called" in page.page.inner_text("main")
