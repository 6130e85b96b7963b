"""Face mesh and hands: per-frame timings over 100 frames (wasm, fake 640x480 camera, real photos).

A measurement tool, not a test (it asserts nothing), and not yet a `make bench` row. Reads window.__demo.lastFrame {inferMs, latencyMs, captureMs, drawMs} of 100
consecutive frames and prints one JSON line per demo and model with p50/p95.

    .venv/bin/python -m tests.measure_faces_hands [models_dir]     # default: ./models
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from matplotlib import cbook
from PIL import Image
from playwright.sync_api import sync_playwright
from skimage import data as photos

from server import Config
from tests.browser import launch, wait_ready
from tests.fake_camera import fit_to_frame, write_y4m
from tests.live_server import LiveServer

with cbook.get_sample_data("grace_hopper.jpg") as f:
    grace = np.asarray(Image.open(f).convert("RGB"))
runs = [
    ("face_mesh", "model=facemesh-attention&maxFaces=1", "astronaut"),
    ("face_mesh", "model=facemesh&maxFaces=1", "astronaut"),
    ("face_mesh", "model=facemesh-attention&maxFaces=2", "two"),
    ("hands", "model=handlandmark-full", "astronaut"),
    ("hands", "model=handlandmark-lite", "astronaut"),
]
pics = {
    "astronaut": photos.astronaut(),
    "two": np.concatenate([fit_to_frame(photos.astronaut(), 320, 480), fit_to_frame(grace, 320, 480)], axis=1),
}
server = LiveServer(Config(models_dir=Path(sys.argv[1] if len(sys.argv) > 1 else "models").resolve())).start()
with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
    for demo, query, pic in runs:
        b = launch(p, write_y4m(pics[pic], Path(tmp) / f"{pic}.y4m"))
        page = b.new_page()
        page.goto(f"{server.url}/demos/{demo}/?backend=wasm&{query}")
        wait_ready(page, 180_000)
        page.wait_for_function("() => window.__demo.frames >= 5", timeout=300_000)
        page.evaluate("""() => { window.__frames = []; let last = null;
            setInterval(() => { const f = window.__demo.lastFrame; if (f && f !== last) { last = f; window.__frames.push(f); } }, 5); }""")
        page.wait_for_function("() => window.__frames.length >= 100", timeout=900_000, polling=500)
        frames = page.evaluate("() => window.__frames.slice(0, 100)")
        d = page.evaluate(
            "() => ({fps: window.__demo.fps, timings: window.__demo.timings, where: window.__demo.inference, n: (window.__demo.result.faces||window.__demo.result.hands).length})"
        )

        def pct(key, q, frames=frames):
            v = sorted(f[key] for f in frames)
            return v[min(len(v) - 1, int(q * len(v)))]

        print(
            json.dumps(
                {
                    "demo": demo,
                    "query": query,
                    "photo": pic,
                    "found": d["n"],
                    "where": d["where"],
                    "fps": round(d["fps"], 2),
                    "warmupMs": round(d["timings"]["warmupMs"]),
                    **{f"{k}_p50": round(pct(k, 0.5), 1) for k in ("inferMs", "latencyMs", "captureMs", "drawMs")},
                    **{f"{k}_p95": round(pct(k, 0.95), 1) for k in ("inferMs", "latencyMs")},
                }
            ),
            flush=True,
        )
        b.close()
server.stop()
