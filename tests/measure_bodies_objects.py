"""Per-frame timings of the bodies-and-objects demos (background blur, object detection).

Each demo runs in headless Chromium on wasm with a fake camera playing a real photo; we
read `window.__demo.lastFrame` ({captureMs, inferMs, drawMs, latencyMs}) after each of 100
frames and print the medians and 95th percentiles.

    .venv/bin/python -m tests.measure_bodies_objects [--models-dir models] [--frames 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from server import Config
from tests import photos
from tests.browser import launch, wait_ready
from tests.fake_camera import write_y4m
from tests.live_server import LiveServer

RUNS = [  # (demo, model, photo the camera plays)
    ("background_blur", "selfie", "astronaut"),
    ("background_blur", "blazepose-lite", "astronaut"),  # BlazePose's mask, to compare
    ("background_blur", "blazepose-full", "astronaut"),
    ("object_detection", "nanodet", "coffee"),
]

COLLECT = """async (count) => {
  const rows = [];
  let seen = window.__demo.frames;
  while (rows.length < count) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    if (window.__demo.frames !== seen) { seen = window.__demo.frames; rows.push({...window.__demo.lastFrame}); }
  }
  return rows;
}"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--frames", type=int, default=100)
    args = parser.parse_args()
    server = LiveServer(Config(models_dir=args.models_dir)).start()
    report = []
    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
            for demo, model, photo in RUNS:
                browser = launch(playwright, write_y4m(photos.photo(photo), Path(tmp) / f"{photo}.y4m"))
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{server.url}/demos/{demo}/?backend=wasm&model={model}")
                wait_ready(page, timeout_ms=120_000)
                page.wait_for_function("() => window.__demo.frames >= 5", timeout=120_000)
                rows = page.evaluate(COLLECT, args.frames)
                where = page.evaluate("() => window.__demo.inference")
                line = {"demo": demo, "model": model, "backend": "wasm", "inference": where, "frames": len(rows)}
                for key in ("captureMs", "inferMs", "drawMs", "latencyMs"):
                    values = [r[key] for r in rows]
                    line[key] = {"p50": round(statistics.median(values), 1), "p95": round(percentile(values, 95), 1)}
                report.append(line)
                print(json.dumps(line), flush=True)
                browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
