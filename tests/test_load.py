"""A bounded load test on loopback: many clients fetching pages, scripts and model shards.

Counts and time are bounded (1,200 requests, 48 at a time); it asserts zero errors and
bounded memory, and prints the figures (run with -s to see them).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import aiohttp
import pytest

from tests.live_server import free_port, wait_for_port

CLIENTS = 48
REQUESTS_PER_CLIENT = 25
SHARD_BYTES = 4 * 1024 * 1024


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def server(models):
    """The real server in its own process, so its memory is measured alone."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--port", str(port), "--models-dir", str(models)], stderr=subprocess.DEVNULL
    )
    wait_for_port(port)
    yield process, f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def models(tmp_path):
    folder = tmp_path / "models" / "big"
    folder.mkdir(parents=True)
    (folder / "model.json").write_text('{"format": "graph-model"}')
    (folder / "group1-shard1of1.bin").write_bytes(b"\x01" * SHARD_BYTES)
    (folder / "manifest.json").write_text(json.dumps({"id": "big", "task": "image-classification", "format": "graph"}))
    return tmp_path / "models"


async def test_many_concurrent_clients_get_every_byte_without_errors(server):
    paths = [
        "/",
        "/demos/core_api/",
        "/static/backend.js",
        "/vendor/tfjs/tf.es2017.min.js",
        "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm",
        "/models/big/group1-shard1of1.bin",
        "/api/models",
        "/models/big/model.json",
    ]
    process, url = server
    errors: list[str] = []
    received = 0
    before = rss_mb(process.pid)
    peak = before

    async def client(n: int, session: aiohttp.ClientSession) -> None:
        nonlocal received, peak
        for i in range(REQUESTS_PER_CLIENT):
            path = paths[(n + i) % len(paths)]
            try:
                async with session.get(url + path) as response:
                    size = 0
                    async for chunk in response.content.iter_chunked(1 << 16):
                        size += len(chunk)
                    if response.status != 200:
                        errors.append(f"{path}: {response.status}")
                    elif path.endswith(".bin") and size != SHARD_BYTES:
                        errors.append(f"{path}: {size} bytes")
                    received += size
            except aiohttp.ClientError as exc:
                errors.append(f"{path}: {exc!r}")
            peak = max(peak, rss_mb(process.pid))

    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.wait_for(asyncio.gather(*(client(n, session) for n in range(CLIENTS))), timeout=120)
    seconds = time.perf_counter() - started

    total = CLIENTS * REQUESTS_PER_CLIENT
    print(
        f"\nload: {total} requests from {CLIENTS} concurrent clients in {seconds:.1f} s "
        f"({total / seconds:.0f} req/s, {received / seconds / 1e6:.0f} MB/s), "
        f"RSS {before:.0f} -> peak {peak:.0f} MB, errors {len(errors)}"
    )
    assert errors == []
    # Files are streamed (sendfile), not read whole into memory per request: 48 clients each
    # holding a 4 MB shard in memory would alone add 190 MB.
    assert peak - before < 60, f"the server's memory grew by {peak - before:.0f} MB"
