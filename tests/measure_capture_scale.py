"""How small may the pose demo's frames be? `python -m tests.measure_capture_scale`

Drives the pose demo in headless Chromium (fake camera playing the test photos) with each
`?captureScale=` and prints, per model, the largest distance between a keypoint and the point
annotated by hand in tests/test_browser_posenet.py: the table in demos/posenet/README.md,
"Less work per frame". Needs the pose models installed in models/ (`python -m converters
defaults`). A measurement tool, not a test: it asserts nothing.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from skimage import data as photos

from server import Config
from tests.browser import launch
from tests.fake_camera import write_y4m
from tests.live_server import LiveServer
from tests.test_browser_posenet import ASTRONAUT, TWO_PEOPLE, two_people

SCALES = [1, 1.5, 2, 3, 0]  # 0: the whole frame
PICTURES = {
    "astronaut": (photos.astronaut, ["posenet", "movenet-lightning", "movenet-thunder"], [ASTRONAUT]),
    "two people": (two_people, ["movenet-multipose"], TWO_PEOPLE),
}


def worst_errors(result: dict, references: list[dict]) -> tuple[float, float]:
    """(face, shoulders): the largest distance to the annotations, people matched left to right."""
    poses = sorted(result["poses"], key=lambda p: next(k["x"] for k in p["keypoints"] if k["name"] == "nose"))
    face, shoulders = 0.0, 0.0
    for reference, pose in zip(references, poses, strict=True):
        found = {k["name"]: k for k in pose["keypoints"]}
        for name, (x, y) in reference.items():
            distance = math.dist((found[name]["x"], found[name]["y"]), (x, y)) if name in found else math.inf
            if "shoulder" in name:
                shoulders = max(shoulders, distance)
            else:
                face = max(face, distance)
    return face, shoulders


def main() -> int:
    server = LiveServer(Config()).start()
    folder = Path(tempfile.mkdtemp())
    print("| model | " + " | ".join("whole frame" if s == 0 else f"k = {s}" for s in SCALES) + " |")
    try:
        with sync_playwright() as playwright:
            for name, (picture, models, references) in PICTURES.items():
                browser = launch(playwright, write_y4m(picture(), folder / f"{name}.y4m"))
                for model in models:
                    cells = []
                    for scale in SCALES:
                        context = browser.new_context()
                        page = context.new_page()
                        page.goto(
                            f"{server.url}/demos/posenet/?backend=wasm&model={model}&captureScale={scale}&threshold=0"
                        )
                        page.wait_for_function(
                            "() => window.__demo.error || (window.__demo.ready && window.__demo.frames >= 15)",
                            timeout=180_000,
                        )
                        if page.evaluate("() => window.__demo.error"):
                            raise SystemExit(page.evaluate("() => window.__demo.error"))
                        face, shoulders = worst_errors(page.evaluate("() => window.__demo.result"), references)
                        cells.append(f"{face:.1f} / {shoulders:.1f}" if shoulders else f"{face:.1f}")
                        context.close()
                    print(f"| {model} ({name}) | " + " | ".join(cells) + " |", flush=True)
                browser.close()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
