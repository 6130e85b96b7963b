"""What the browser tests and the benchmark (`python -m bench`) both need to drive the real
gallery: the server on a free port in a background thread, headless Chromium's flags, a fake
webcam playing a real photo, and the shared MobileNet v1 0.25 test weights.

It lives in the package, not in tests/, so the benchmark does not import the test suite;
tests/live_server.py, tests/fake_camera.py, tests/browser.py and tests/models_fixtures.py
take what they need from here. Nothing in the server itself imports this module.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path

from aiohttp import web

from server.app import create_app
from server.config import REPO_ROOT, Config

# --- the server ----------------------------------------------------------------------------


class LiveServer:
    """The app `create_app` builds (as `python -m server` does) on a free port, in a thread.

    `on_response` (optional) is added to the app's on_response_prepare hooks, e.g. to count
    what the server sends; `add_routes(app)` (optional) may add routes before it starts (the
    benchmark serves its own page scripts this way, never through the product's routes)."""

    def __init__(self, config: Config, on_response=None, add_routes=None):
        self.config = config
        self._on_response = on_response
        self._add_routes = add_routes
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        app = create_app(self.config)
        if self._on_response is not None:
            app.on_response_prepare.append(self._on_response)
        if self._add_routes is not None:
            self._add_routes(app)
        # A short shutdown: browsers keep connections open, and a test that stops the
        # server means "gone now", like a killed process.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving (idempotent): afterwards connections to the port are refused."""
        if self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    """Until something accepts connections on 127.0.0.1:port (a server in another process)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on port {port}") from None
            time.sleep(0.05)


# --- headless Chromium ---------------------------------------------------------------------

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]

BASE_ARGS = [
    "--no-sandbox",  # tests run as root in CI
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    # Offline: only the test server resolves; anything else fails fast instead of hanging.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--use-fake-ui-for-media-stream",  # grant camera permission without a prompt
    "--use-fake-device-for-media-stream",
]


def chromium_path() -> str | None:
    """Debian's Chromium if installed (Playwright cannot download its own browser here)."""
    explicit = os.environ.get("GALLERY_CHROMIUM")
    if explicit:
        return explicit
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


# --- a fake webcam ---------------------------------------------------------------------------
# Chromium's `--use-file-for-fake-video-capture` plays a Y4M file in a loop as the camera. The
# frame must have the size the page asks for (640x480 here), or Chrome crops and scales it.
# The photo is scaled to cover the frame and centre-cropped, then converted to I420 with the
# BT.601 studio-range matrix that Chrome's Y4M reader assumes.

WIDTH, HEIGHT = 640, 480


def fit_to_frame(rgb, width: int = WIDTH, height: int = HEIGHT):
    """Scale to cover width x height, keeping the aspect ratio, then crop the centre."""
    import numpy as np
    from PIL import Image

    image = Image.fromarray(rgb[..., :3])
    scale = max(width / image.width, height / image.height)
    resized = image.resize((round(image.width * scale), round(image.height * scale)), Image.BICUBIC)
    left = (resized.width - width) // 2
    top = (resized.height - height) // 2
    return np.asarray(resized.crop((left, top, left + width, top + height)))


def write_y4m(rgb, path: Path, width: int = WIDTH, height: int = HEIGHT, fps: int = 30) -> Path:
    """A one-frame Y4M of the photo. `fps` is the rate Chromium plays it at: the camera's
    frame rate as the page sees it (the benchmark uses 60 so that no demo waits for frames)."""
    import numpy as np

    frame = fit_to_frame(rgb, width, height).astype(np.float64) / 255.0
    r, g, b = frame[..., 0], frame[..., 1], frame[..., 2]
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    cb = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    cr = 128 + 112.0 * r - 93.786 * g - 18.214 * b

    def subsample(plane):  # 4:2:0: one chroma sample per 2x2 block
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    planes = [y, subsample(cb), subsample(cr)]
    data = b"".join(np.clip(np.round(p), 0, 255).astype(np.uint8).tobytes() for p in planes)
    header = f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + data)
    return path


# --- the shared MobileNet v1 0.25 test weights -----------------------------------------------
# They come from ../shared/testdata (next to the checkout) and are never copied into the
# project; callers check MOBILENET_GRAPH.is_dir() first (tests skip, the benchmark goes on).

SHARED = REPO_ROOT.parent / "shared"
MOBILENET_GRAPH = SHARED / "testdata" / "mobilenet_v1_025_224_graph"
IMAGENET_LABELS = SHARED / "testdata" / "imagenet_labels.json"
MOBILENET_ID = "mobilenet-v1-025-testdata"


def install_shared_mobilenet(models_dir: Path) -> str:
    """Install the TF.js graph MobileNet v1 0.25 from ../shared/testdata, with a manifest,
    into models_dir; returns its id."""
    from converters import staging
    from server import manifest

    if not MOBILENET_GRAPH.is_dir():
        raise FileNotFoundError(f"{MOBILENET_GRAPH} is absent: the MobileNet test weights live in ../shared only")
    if (models_dir / MOBILENET_ID / "manifest.json").exists():
        return MOBILENET_ID
    with staging.staged_install(models_dir, MOBILENET_ID) as folder:
        for item in MOBILENET_GRAPH.iterdir():
            shutil.copy(item, folder / item.name)
        labels = json.loads(IMAGENET_LABELS.read_text())
        (folder / "labels.txt").write_text("\n".join(labels) + "\n")
        manifest.write(
            folder,
            {
                "id": MOBILENET_ID,
                "title": "MobileNet v1 0.25 (test weights)",
                "task": "image-classification",
                "format": "graph",
                "model_url": "model.json",
                # The graph computes x*2-1 itself: it wants pixels in [0, 1].
                "input": {
                    "shape": [1, 224, 224, 3],
                    "dtype": "float32",
                    "channels": "RGB",
                    "mean": 0.0,
                    "std": 255.0,
                    "range": [0, 1],
                    "resize": "bilinear",
                    "crop": "center",
                    "crop_fraction": 1.0,
                },
                "output": {"shape": [1, 1001], "activation": "logits", "background_class": True, "classes": 1000},
                "labels": "labels.txt",
                "source": {"kind": "path", "path": "../shared/testdata/mobilenet_v1_025_224_graph"},
                "licence": "Apache-2.0",
                "quantization": None,
            },
        )
    return MOBILENET_ID
