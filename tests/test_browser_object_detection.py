"""COCO object detection in headless Chromium: a fake camera plays real photos, and NanoDet
must box the annotated objects with the right label, and nothing else with a high score."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from converters import install
from tests import photos
from tests.browser import launch, wait_ready
from tests.conftest import ARTIFACTS
from tests.fake_camera import write_y4m
from tests.test_browser_posenet import DemoPage

pytestmark = pytest.mark.browser

DEMO = "/demos/object_detection/"
MIN_IOU = 0.5  # PASCAL VOC's and COCO's own bar for "found"
# A box that scores this much but lies on no annotated object is a ghost: the test fails.
# (NanoDet-m scores are IoU-aware quality scores, lower than a classifier's: its own demo
# draws from 0.35.) A box on an annotated object with another label is the model's
# confusion, not a ghost: this NanoDet calls the espresso cup seen from above a "toilet"
# (0.59) as well as a "cup" (0.37); the lesson shows it, and the test pins it down below.
GHOST_SCORE = 0.5

# Hand-drawn boxes (x1, y1, x2, y2) on the 640x480 frames the fake camera plays.
OBJECTS = {
    "astronaut": [("person", (25, 0, 460, 480))],  # hair to the frame's bottom edge, arms included
    "coffee": [("cup", (165, 20, 448, 368))],  # cup and handle, not the saucer
    "chelsea": [("cat", (0, 0, 640, 480))],  # the cat's face fills (and overflows) the frame
}


# Measured, and kept as a check that the decoder reads the model as it is (a change here is news).
KNOWN_CONFUSIONS = {"coffee": ["toilet"]}


class DetectionPage(DemoPage):
    def open(self, query: str, backend: str = "wasm") -> DetectionPage:
        self.page.goto(f"{self.url}{DEMO}?backend={backend}&{query}")
        wait_ready(self.page, timeout_ms=120_000)
        return self.frames(3)


@pytest.fixture(scope="module")
def nanodet(models_dir):
    install.pull("nanodet", models_dir)
    return "nanodet"


@pytest.fixture(scope="module")
def cameras(playwright_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("detection-camera")
    browsers = {
        name: launch(playwright_instance, write_y4m(photos.photo(name), folder / f"{name}.y4m"))
        for name in [*OBJECTS, "rocket"]
    }
    yield browsers
    for browser in browsers.values():
        browser.close()


@pytest.fixture
def det_page(request, live_server, nanodet):
    pages = []

    def open_with(browser, width=1280) -> DetectionPage:
        pages.append(DetectionPage(browser, live_server.url, request, width))
        return pages[-1]

    yield open_with
    for p in pages:
        p.close()


def iou(box: dict, reference) -> float:
    x1, y1, x2, y2 = reference
    ix = max(0.0, min(box["x"] + box["width"], x2) - max(box["x"], x1))
    iy = max(0.0, min(box["y"] + box["height"], y2) - max(box["y"], y1))
    inter = ix * iy
    return inter / (box["width"] * box["height"] + (x2 - x1) * (y2 - y1) - inter)


@pytest.mark.parametrize("photo", list(OBJECTS))
def test_finds_the_annotated_objects_and_no_ghosts(cameras, det_page, live_server, photo):
    demo = det_page(cameras[photo]).open("score=0.2&mirror=0").frames(3)
    assert demo.state("inference") == "worker"
    result = demo.state("result")
    found = result["detections"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"detections_{photo}.json").write_text(json.dumps(found, indent=1))
    matched = set()
    for label, reference in OBJECTS[photo]:
        best = max((d for d in found if d["label"] == label), key=lambda d: iou(d["box"], reference), default=None)
        assert best is not None, f"no {label} among {[(d['label'], round(d['score'], 2)) for d in found]}"
        overlap = iou(best["box"], reference)
        print(f"{photo}: {label} score {best['score']:.2f}, IoU {overlap:.2f}")
        assert overlap >= MIN_IOU, f"{label}: IoU {overlap:.2f} with the hand-drawn box"
        matched.add(id(best))
    ghosts = [
        d
        for d in found
        if d["score"] >= GHOST_SCORE and not any(iou(d["box"], ref) >= MIN_IOU for _, ref in OBJECTS[photo])
    ]
    assert not ghosts, ghosts
    confused = sorted({d["label"] for d in found if d["score"] >= GHOST_SCORE} - {label for label, _ in OBJECTS[photo]})
    assert confused == KNOWN_CONFUSIONS.get(photo, []), confused
    for d in found:  # every box inside the frame, in its pixels
        b = d["box"]
        assert 0 <= b["x"] and b["x"] + b["width"] <= 640.01 and 0 <= b["y"] and b["y"] + b["height"] <= 480.01
    demo.rec.assert_clean(live_server.url)


def test_settings_filter_class_limit_boxes_and_threshold(cameras, det_page, live_server):
    demo = det_page(cameras["coffee"]).open("score=0.2&class=cup")
    found = demo.state("result")["detections"]
    assert found and {d["label"] for d in found} == {"cup"}
    pg = demo.page
    pg.get_by_test_id("pause").click()  # one frame, so the two answers below are about the same one
    pg.get_by_test_id("class").select_option("")
    every = demo.state("result")["detections"]
    assert every and "cup" in {d["label"] for d in every}, every
    pg.get_by_test_id("max-boxes").evaluate("(el) => { el.value = '1'; el.dispatchEvent(new Event('input')); }")
    found = demo.state("result")["detections"]
    best = max(every, key=lambda d: d["score"])
    assert len(found) == 1 and found[0]["label"] == best["label"]  # the best box, whatever its class
    pg.get_by_test_id("pause").click()
    pg.get_by_test_id("score").evaluate("(el) => { el.value = '0.95'; el.dispatchEvent(new Event('input')); }")
    demo.frames(2)
    assert demo.state("result")["detections"] == []
    assert "No object found with a score of 0.95" in pg.get_by_test_id("counts").inner_text()
    demo.rec.assert_clean(live_server.url)


def test_nothing_detectable_and_memory_flat_over_many_frames(cameras, det_page, live_server):
    """The rocket on its pad: no COCO class is in the picture, so no confident box."""
    demo = det_page(cameras["rocket"]).open("")
    before = demo.tensors()
    demo.frames(100, timeout_ms=400_000)
    assert demo.tensors() == before
    assert [d for d in demo.state("result")["detections"] if d["score"] >= GHOST_SCORE] == []
    assert demo.state("inference") == "worker"


def test_an_image_of_another_aspect_ratio_and_a_cut_object(browser, det_page, live_server, tmp_path):
    """The astronaut photo at its own 512x512, as a file: boxes in its pixels; the person is
    cut by the bottom edge of the frame, and said to be."""
    demo = det_page(browser)
    pg = demo.page
    pg.goto(f"{live_server.url}{DEMO}?backend=wasm&source=file&score=0.3")
    wait_ready(pg)
    png = tmp_path / "astronaut.png"
    Image.fromarray(photos.photo("astronaut")).save(png)
    pg.get_by_test_id("file").set_input_files(str(png))
    # One pass over a still image: wait for it (a redraw on resize also publishes a result).
    pg.wait_for_function("() => window.__demo.frames >= 1 && window.__demo.result.width === 512", timeout=60_000)
    result = demo.state("result")
    people = [d for d in result["detections"] if d["label"] == "person"]
    print("512x512 astronaut:", [(d["label"], round(d["score"], 2), d["box"], d["cut"]) for d in result["detections"]])
    assert people and people[0]["cut"] and iou(people[0]["box"], (20, 15, 370, 512)) >= MIN_IOU, people
    assert "cut by the frame's edge" in pg.get_by_test_id("counts").inner_text()
    demo.rec.assert_clean(live_server.url)


def test_a_model_that_is_not_installed_is_a_readable_error(page, live_server, nanodet):
    page.page.goto(f"{live_server.url}{DEMO}?backend=wasm&source=file&model=centernet")
    page.page.wait_for_function("() => window.__demo.error")
    message = page.page.locator("#error").inner_text()
    assert "not installed" in message and "python -m converters pull centernet" in message
