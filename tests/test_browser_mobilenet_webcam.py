"""Webcam classification in headless Chromium with a fake camera playing real photos."""

from __future__ import annotations

import pytest
from skimage import data as photos

from tests.browser import launch, record, wait_ready
from tests.fake_camera import write_y4m
from tests.models_fixtures import install_shared_mobilenet

pytestmark = pytest.mark.browser

CAT_CLASSES = {281: "tabby", 282: "tiger cat", 283: "Persian cat", 284: "Siamese cat", 285: "Egyptian cat"}
COFFEE_CLASSES = {967: "espresso", 968: "cup", 504: "coffee mug"}


@pytest.fixture(scope="module")
def camera_browsers(playwright_instance, tmp_path_factory):
    """One Chromium per photo, each with that photo as its camera."""
    folder = tmp_path_factory.mktemp("camera")
    browsers = {
        name: launch(playwright_instance, write_y4m(image, folder / f"{name}.y4m"))
        for name, image in {"chelsea": photos.chelsea(), "coffee": photos.coffee()}.items()
    }
    yield browsers
    for browser in browsers.values():
        browser.close()


def open_demo(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    rec = record(context.new_page())
    rec.page.goto(url)
    wait_ready(rec.page, timeout_ms=120_000)
    rec.page.wait_for_function("() => window.__demo.result && window.__demo.frames >= 3", timeout=60_000)
    return context, rec


def top5(page):
    return page.evaluate("() => window.__demo.result.top")


@pytest.mark.parametrize("photo, expected", [("chelsea", CAT_CLASSES), ("coffee", COFFEE_CLASSES)])
def test_shared_mobilenet_names_the_camera_photo(camera_browsers, live_server, models_dir, photo, expected, request):
    model_id = install_shared_mobilenet(models_dir)
    context, rec = open_demo(
        camera_browsers[photo], f"{live_server.url}/demos/mobilenet_webcam/?backend=wasm&model={model_id}"
    )
    try:
        state = rec.page.evaluate("() => window.__demo")
        assert state["model"] == model_id and state["backend"] == "wasm"
        assert state["result"]["source"] == "camera"
        top = top5(rec.page)
        assert len(top) == 5 and all(0 <= t["index"] < 1000 for t in top)
        assert {t["index"] for t in top} & expected.keys(), f"{photo}: top-5 was {top}"
        if photo == "coffee":
            assert top[0]["index"] in expected, top
        rec.assert_clean(live_server.url)
    finally:
        rec.page.screenshot(path=f"tests/artifacts/{request.node.name}.png", full_page=True)
        context.close()


def test_tensor_count_stays_flat_over_200_frames(camera_browsers, live_server, models_dir):
    model_id = install_shared_mobilenet(models_dir)
    context, rec = open_demo(
        camera_browsers["chelsea"], f"{live_server.url}/demos/mobilenet_webcam/?backend=wasm&model={model_id}"
    )
    try:
        pg = rec.page
        pg.wait_for_function("() => window.__demo.frames >= 20", timeout=60_000)
        at_20 = pg.evaluate("async () => (await window.__demo.memory()).numTensors")
        assert at_20 > 0  # counted where the model lives: the weights are tensors too
        pg.wait_for_function("() => window.__demo.frames >= 200", timeout=180_000)
        assert pg.evaluate("async () => (await window.__demo.memory()).numTensors") == at_20
        rec.assert_clean(live_server.url)
    finally:
        context.close()


def test_uploaded_image_matches_the_camera(camera_browsers, live_server, models_dir, tmp_path):
    model_id = install_shared_mobilenet(models_dir)
    context, rec = open_demo(
        camera_browsers["chelsea"], f"{live_server.url}/demos/mobilenet_webcam/?backend=wasm&model={model_id}"
    )
    try:
        pg = rec.page
        camera_top1 = top5(pg)[0]["index"]
        # The same 640x480 frame the camera plays, as a PNG file.
        from PIL import Image

        from tests.fake_camera import fit_to_frame

        png = tmp_path / "chelsea.png"
        Image.fromarray(fit_to_frame(photos.chelsea())).save(png)
        pg.get_by_test_id("file").set_input_files(str(png))
        pg.wait_for_function("() => window.__demo.result.source === 'image'", timeout=30_000)
        assert pg.get_by_test_id("still").is_visible()
        assert top5(pg)[0]["index"] == camera_top1
        rec.assert_clean(live_server.url)
    finally:
        context.close()


def test_no_camera_offers_the_file_fallback(browser, live_server, models_dir):
    """The plain test browser has no fake-capture file: the camera fails; the page says so."""
    model_id = install_shared_mobilenet(models_dir)
    context = browser.new_context()
    rec = record(context.new_page())
    try:
        # Make getUserMedia fail the way a browser without a camera does.
        rec.page.add_init_script("""navigator.mediaDevices.getUserMedia = async () => {
            throw new DOMException('Requested device not found', 'NotFoundError'); };""")
        rec.page.goto(f"{live_server.url}/demos/mobilenet_webcam/?backend=wasm&model={model_id}")
        wait_ready(rec.page)
        notice = rec.page.get_by_test_id("notice")
        assert notice.is_visible() and "No camera was found" in notice.inner_text()
        assert rec.page.get_by_test_id("file").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("photo, expected", [("chelsea", CAT_CLASSES), ("coffee", {967: "espresso"})])
def test_default_classifier_names_the_camera_photo(
    camera_browsers, live_server, default_models, photo, expected, request
):
    """No ?model=: the demo picks its default, EfficientNet-Lite0 from `converters defaults`."""
    context, rec = open_demo(camera_browsers[photo], f"{live_server.url}/demos/mobilenet_webcam/?backend=wasm")
    try:
        assert rec.page.evaluate("() => window.__demo.model") == "efficientnet-lite0"
        top = top5(rec.page)
        assert {t["index"] for t in top} & expected.keys(), f"{photo}: top-5 was {top}"
        if photo == "coffee":
            assert top[0]["index"] == 967, top
        rec.assert_clean(live_server.url)
    finally:
        rec.page.screenshot(path=f"tests/artifacts/{request.node.name}.png", full_page=True)
        context.close()


def test_webgl_context_loss_falls_back_and_carries_on(camera_browsers, live_server, models_dir):
    model_id = install_shared_mobilenet(models_dir)
    context, rec = open_demo(
        camera_browsers["chelsea"], f"{live_server.url}/demos/mobilenet_webcam/?backend=webgl&model={model_id}"
    )
    try:
        pg = rec.page
        assert pg.evaluate("() => window.__demo.backend") == "webgl"
        pg.evaluate("() => window.__demo.loseWebGLContext()")
        pg.wait_for_function("() => window.__demo.backend === 'wasm' && window.__demo.ready", timeout=60_000)
        frames = pg.evaluate("() => window.__demo.frames")
        pg.wait_for_function(f"() => window.__demo.frames > {frames} + 3", timeout=60_000)
        assert pg.evaluate("() => window.__demo.error") is None
        assert {t["index"] for t in top5(pg)} & CAT_CLASSES.keys()
        assert "WebGL context was lost" in pg.locator('[data-stat="note"]').inner_text()
    finally:
        context.close()


def test_camera_unplugged_mid_stream_offers_the_file(camera_browsers, live_server, models_dir):
    model_id = install_shared_mobilenet(models_dir)
    context, rec = open_demo(
        camera_browsers["chelsea"], f"{live_server.url}/demos/mobilenet_webcam/?backend=wasm&model={model_id}"
    )
    try:
        pg = rec.page
        # What the browser does when the device goes away: the track ends.
        pg.evaluate("""() => { const [track] = document.querySelector('video').srcObject.getVideoTracks();
                               track.stop(); track.dispatchEvent(new Event('ended')); }""")
        notice = pg.get_by_test_id("notice")
        notice.wait_for(state="visible")
        assert "unplugged" in notice.inner_text()
        assert pg.get_by_test_id("file").is_enabled()
        frames = pg.evaluate("() => window.__demo.frames")
        pg.wait_for_timeout(500)
        assert pg.evaluate("() => window.__demo.frames") == frames  # stopped, not frozen on errors
        assert pg.evaluate("() => window.__demo.error") is None
    finally:
        context.close()


def test_a_long_run_keeps_tensors_and_memory_flat(camera_browsers, live_server, models_dir):
    """Several thousand frames: the tensor count does not move and the JS heap stays bounded."""
    model_id = install_shared_mobilenet(models_dir)
    context, rec = open_demo(
        camera_browsers["coffee"], f"{live_server.url}/demos/mobilenet_webcam/?backend=wasm&model={model_id}"
    )
    try:
        pg = rec.page
        cdp = context.new_cdp_session(pg)

        def measure():
            cdp.send("HeapProfiler.collectGarbage")
            heap = cdp.send("Runtime.getHeapUsage")["usedSize"]
            memory = pg.evaluate("() => window.__demo.memory()")
            return heap, memory["numTensors"], memory["numBytes"]

        pg.wait_for_function("() => window.__demo.frames >= 100", timeout=60_000)
        heap_start, tensors_start, bytes_start = measure()
        pg.wait_for_function("() => window.__demo.frames >= 3000", timeout=400_000, polling=1000)
        heap_end, tensors_end, bytes_end = measure()
        assert (tensors_end, bytes_end) == (tensors_start, bytes_start)
        assert heap_end - heap_start < 8 * 1024 * 1024, f"JS heap grew {heap_start} -> {heap_end}"
        assert pg.evaluate("() => window.__demo.error") is None
    finally:
        context.close()
