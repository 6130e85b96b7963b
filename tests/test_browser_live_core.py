"""The shared live-demo core (server/static/inference.js, frame_loop.js, frame_source.js) in
headless Chromium: the model really runs in a worker, the page thread runs none, the worker and
the page give the same answers, ?worker=0 and a worker that cannot start fall back to the page."""

from __future__ import annotations

import math

import pytest
from skimage import data as photos

from converters import install
from tests.browser import launch, record, wait_ready
from tests.fake_camera import write_y4m
from tests.models_fixtures import install_shared_mobilenet
from tests.test_browser_posenet import ASTRONAUT

pytestmark = pytest.mark.browser

WEBCAM = "/demos/mobilenet_webcam/"
POSE = "/demos/posenet/"


@pytest.fixture(scope="module")
def camera_browsers(playwright_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("core-camera")
    browsers = {
        name: launch(playwright_instance, write_y4m(rgb, folder / f"{name}.y4m"))
        for name, rgb in {"chelsea": photos.chelsea(), "astronaut": photos.astronaut()}.items()
    }
    yield browsers
    for browser in browsers.values():
        browser.close()


@pytest.fixture
def open_page(request):
    contexts = []

    def opener(browser, url, before=None):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        rec = record(context.new_page())
        if before:
            before(rec.page)
        rec.page.goto(url)
        wait_ready(rec.page, timeout_ms=120_000)
        rec.page.wait_for_function("() => window.__demo.result && window.__demo.frames >= 5", timeout=120_000)
        return rec

    yield opener
    for i, context in enumerate(contexts):
        try:
            context.pages[0].screenshot(path=f"tests/artifacts/{request.node.name}-{i}.png", full_page=True)
        finally:
            context.close()


# The page's own TF.js never chose a backend: no model, no tensor ever ran on the page thread.
PAGE_RAN_NO_MODEL = "() => tf.engine().backendName == null && tf.engine().state.numTensors === 0"


def test_the_classifier_runs_in_a_worker_and_the_page_runs_no_model(
    camera_browsers, live_server, models_dir, open_page
):
    model_id = install_shared_mobilenet(models_dir)
    rec = open_page(camera_browsers["chelsea"], f"{live_server.url}{WEBCAM}?backend=wasm&model={model_id}")
    pg = rec.page
    assert pg.evaluate("() => window.__demo.inference") == "worker"
    assert pg.locator('[data-stat="where"]').inner_text() == "worker"
    assert pg.evaluate(PAGE_RAN_NO_MODEL)
    # The worker holds the model: its weights are tensors there.
    assert pg.evaluate("async () => (await window.__demo.memory()).numTensors") > 0
    assert pg.evaluate("() => window.__demo.tensors") > 0
    # Timings for the benchmark, published on the hook rather than in prose.
    timings, last = pg.evaluate("() => [window.__demo.timings, window.__demo.lastFrame]")
    assert timings["loadMs"] > 0 and timings["warmupMs"] > 0 and timings["loadSource"] in ("network", "cache")
    assert last["inferMs"] > 0 and last["latencyMs"] >= last["inferMs"]
    rec.assert_clean(live_server.url)


def test_worker_and_page_give_the_same_top5(camera_browsers, live_server, models_dir, open_page):
    model_id = install_shared_mobilenet(models_dir)
    url = f"{live_server.url}{WEBCAM}?backend=wasm&model={model_id}"
    in_worker = open_page(camera_browsers["chelsea"], url).page.evaluate("() => window.__demo.result.top")
    on_page = open_page(camera_browsers["chelsea"], url + "&worker=0")
    pg = on_page.page
    assert pg.evaluate("() => window.__demo.inference") == "main thread"
    assert "?worker=0" in pg.locator('[data-stat="note"]').inner_text()
    assert not pg.evaluate(PAGE_RAN_NO_MODEL)  # here the page did run it
    top = pg.evaluate("() => window.__demo.result.top")
    assert [t["index"] for t in top[:3]] == [t["index"] for t in in_worker[:3]]
    # The same frame through the same model and backend: the numbers agree closely (the fake
    # camera's frames are identical; only the video decoder's rounding may differ).
    worker_p = {t["index"]: t["probability"] for t in in_worker}
    for t in top[:3]:
        assert t["probability"] == pytest.approx(worker_p[t["index"]], abs=0.02)
    on_page.assert_clean(live_server.url)


def test_worker_and_page_give_the_same_keypoints(camera_browsers, live_server, models_dir, open_page):
    install.pull("movenet-lightning", models_dir)
    url = f"{live_server.url}{POSE}?backend=wasm&model=movenet-lightning"

    def keypoints(rec):
        rec.page.wait_for_function("() => window.__demo.frames >= 15", timeout=120_000)
        return {k["name"]: k for k in rec.page.evaluate("() => window.__demo.result.poses[0].keypoints")}

    worker = open_page(camera_browsers["astronaut"], url)
    page = open_page(camera_browsers["astronaut"], url + "&worker=0")
    assert worker.page.evaluate("() => window.__demo.inference") == "worker"
    assert page.page.evaluate("() => window.__demo.inference") == "main thread"
    in_worker, on_page = keypoints(worker), keypoints(page)
    for name in ASTRONAUT:
        distance = math.dist((in_worker[name]["x"], in_worker[name]["y"]), (on_page[name]["x"], on_page[name]["y"]))
        assert distance <= 5, f"{name}: worker and page differ by {distance:.1f} px"
    worker.assert_clean(live_server.url)
    page.assert_clean(live_server.url)


def test_a_worker_that_cannot_start_falls_back_to_the_page(camera_browsers, live_server, models_dir, open_page):
    model_id = install_shared_mobilenet(models_dir)
    # The worker's script never arrives, as behind a proxy that blocks it.
    rec = open_page(
        camera_browsers["chelsea"],
        f"{live_server.url}{WEBCAM}?backend=wasm&model={model_id}",
        before=lambda pg: pg.route("**/static/inference_worker.js", lambda route: route.abort()),
    )
    pg = rec.page
    assert pg.evaluate("() => window.__demo.inference") == "main thread"
    assert "the worker could not start" in pg.locator('[data-stat="note"]').inner_text()
    assert pg.evaluate("() => window.__demo.error") is None
    assert {t["index"] for t in pg.evaluate("() => window.__demo.result.top")} & {281, 282, 285}


def test_switching_classifiers_frees_the_old_one_in_the_worker(
    camera_browsers, live_server, models_dir, default_models, open_page
):
    model_id = install_shared_mobilenet(models_dir)
    rec = open_page(camera_browsers["chelsea"], f"{live_server.url}{WEBCAM}?backend=wasm&model={model_id}")
    pg = rec.page
    baseline = pg.evaluate("async () => (await window.__demo.memory()).numTensors")
    for other in ["efficientnet-lite0", model_id, "efficientnet-lite0-f16", model_id]:
        pg.get_by_test_id("model").select_option(other)
        pg.wait_for_function(f"() => window.__demo.model === '{other}' && window.__demo.ready", timeout=120_000)
        frames = pg.evaluate("() => window.__demo.frames")
        pg.wait_for_function(f"() => window.__demo.frames > {frames} + 2", timeout=60_000)
        assert {t["index"] for t in pg.evaluate("() => window.__demo.result.top")} & {281, 282, 285}, other
    # Back on the first model: exactly its own tensors, so the EfficientNets were disposed.
    assert pg.evaluate("async () => (await window.__demo.memory()).numTensors") == baseline
    rec.assert_clean(live_server.url)
