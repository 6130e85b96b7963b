"""The servers the harness measures.

`GalleryServer` is the real gallery app (`create_app`, as `python -m server` builds it) on a
free port in a background thread, counting every response body it sends, so the harness can
say how many bytes a second visit cost. It also serves what only the benchmark needs, under
/bench/: its bare-model worker module, and the official `@tensorflow-models/mobilenet`
package (a devDependency; the product's /vendor/ list never offers it). `spawn_gallery` and
`spawn_static` run the gallery and a plain aiohttp static file server as separate processes
for the throughput comparison (serving.py), so the client fetching from them does not share
their interpreter.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from server import Config
from server.testing import LiveServer, free_port, wait_for_port

HERE = Path(__file__).resolve().parent
# Files of bench/ a page may load (module scripts of the benchmark itself).
PAGE_MODULES = ("bare_task.js",)
MOBILENET_PACKAGE = "@tensorflow-models/mobilenet"


@dataclass(frozen=True)
class Sent:
    path: str
    status: int
    bytes: int  # body bytes (0 for a 304)


class GalleryServer(LiveServer):
    """The tests' live server (server/testing.py), logging the size of every response it sends."""

    def __init__(self, models_dir: Path):
        super().__init__(Config(models_dir=models_dir), on_response=self._count, add_routes=self._bench_routes)
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    async def _count(self, request: web.Request, response: web.StreamResponse) -> None:
        if response.status in (204, 304) or request.method == "HEAD":
            size = 0
        elif response.content_length is not None:
            size = response.content_length
        else:
            body = getattr(response, "body", None)
            size = len(body) if isinstance(body, (bytes, bytearray)) else 0
        with self._lock:
            self.sent.append(Sent(request.path, response.status, size))

    def _bench_routes(self, app: web.Application) -> None:
        for name in PAGE_MODULES:

            async def module(request: web.Request, path: Path = HERE / name) -> web.FileResponse:
                return web.FileResponse(path)

            app.router.add_get(f"/bench/{name}", module)
        dist = self.config.node_modules_dir / MOBILENET_PACKAGE / "dist"
        if dist.is_dir():
            app.router.add_static("/bench/vendor/mobilenet/", dist)

    def has_official_mobilenet(self) -> bool:
        return (self.config.node_modules_dir / MOBILENET_PACKAGE / "dist" / "mobilenet.min.js").exists()

    def mark(self) -> int:
        """A bookmark in the log of responses; `since(mark)` is what was sent after it."""
        with self._lock:
            return len(self.sent)

    def since(self, mark: int) -> list[Sent]:
        with self._lock:
            return list(self.sent[mark:])


def spawn(args: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, timeout=30)
    except AssertionError:
        process.kill()
        raise RuntimeError(f"server did not listen on {port}: {process.args}") from None
    return process


def spawn_gallery(models_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    return spawn(
        ["-m", "server", "--port", str(port), "--models-dir", str(models_dir)], port
    ), f"http://127.0.0.1:{port}"


def spawn_static(models_dir: Path) -> tuple[subprocess.Popen, str]:
    """aiohttp's own static route on the same folder, the /models/ prefix included."""
    port = free_port()
    return spawn(["-m", "bench.static_server", str(models_dir), str(port)], port), f"http://127.0.0.1:{port}"
