"""The real gallery server on a free port, in a background thread, for browser tests.

It is built by the same `create_app` factory as `python -m server`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

from aiohttp import web

from server import Config, create_app


class LiveServer:
    """`on_response` (optional) is added to the app's on_response_prepare hooks, e.g. to
    count what the server sends (the benchmark does)."""

    def __init__(self, config: Config, on_response=None):
        self.config = config
        self._on_response = on_response
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> "LiveServer":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        # A short shutdown: browsers keep connections open, and a test that stops the
        # server means "gone now", like a killed process.
        app = create_app(self.config)
        if self._on_response is not None:
            app.on_response_prepare.append(self._on_response)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> "LiveServer":
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
