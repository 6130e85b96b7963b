"""Model-file throughput: the gallery server against plain static servers on the same files.

Each server runs in its own process; the client (aiohttp, `concurrency` requests in flight)
fetches every file of every installed model `passes` times and reads each body to the end.
Servers take turns within every repetition, in alternating order, so a busy moment on the
machine hits both. (`python -m http.server` is no baseline: one thread per connection, a
listen backlog of 5 and HTTP/1.0 make it 10x slower and it stalls under 16 connections.) Two workloads: `weights` (model.json and weight shards, mostly bytes)
and `small` (model.json, manifest.json, labels: mostly per-request cost).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from bench.pages import spread
from bench.servers import spawn_gallery, spawn_static
from server import manifest


def model_files(models_dir: Path) -> dict[str, list[str]]:
    weights, small = [], []
    for folder in (models_dir / model_id for model_id in manifest.installed(models_dir)):
        for f in sorted(folder.iterdir()):
            url = f"/models/{folder.name}/{f.name}"
            if f.suffix == ".bin" or f.name == "model.json":
                weights.append(url)
            if f.suffix in (".json", ".txt"):
                small.append(url)
    return {"weights": weights, "small": small}


async def _fetch_all(base: str, paths: list[str], concurrency: int) -> tuple[float, int]:
    queue = list(paths)
    total = 0

    async def worker(session):
        nonlocal total
        while queue:
            path = queue.pop()
            async with session.get(base + path) as response:
                response.raise_for_status()
                body = await response.read()  # (not `total += len(await ...)`: that reads total before awaiting)
                total += len(body)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return time.perf_counter() - started, total


def run(models_dir: Path, reps: int = 5, concurrency: int = 16, passes: dict | None = None) -> dict:
    # About a second per run here: shorter runs are dominated by scheduling noise.
    passes = passes or {"weights": 6, "small": 100}
    files = model_files(models_dir)
    servers = {"gallery": spawn_gallery(models_dir), "aiohttp_static": spawn_static(models_dir)}
    results: dict = {name: {w: [] for w in files} for name in servers}
    try:
        for paths in files.values():  # warm-up: files in the page cache, connections open
            for name in servers:
                asyncio.run(_fetch_all(servers[name][1], paths, concurrency))
        for rep in range(reps):
            order = list(servers) if rep % 2 == 0 else list(reversed(servers))
            for workload, paths in files.items():
                for name in order:
                    seconds, size = asyncio.run(_fetch_all(servers[name][1], paths * passes[workload], concurrency))
                    results[name][workload].append(
                        {"seconds": seconds, "bytes": size, "requests": len(paths) * passes[workload]}
                    )
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=10)
    out: dict = {
        "concurrency": concurrency,
        "reps": reps,
        "passes": passes,
        "files": {w: len(p) for w, p in files.items()},
        "servers": {},
    }
    for name, by_workload in results.items():
        out["servers"][name] = {
            w: {
                "mb_per_s": spread([r["bytes"] / r["seconds"] / 1e6 for r in runs]),
                "req_per_s": spread([r["requests"] / r["seconds"] for r in runs]),
            }
            for w, runs in by_workload.items()
        }
    # Ratios taken within each repetition (the servers ran back to back), then summarised.
    out["ratio_vs_aiohttp_static"] = {
        w: spread(
            [
                b["seconds"] / g["seconds"]
                for g, b in zip(results["gallery"][w], results["aiohttp_static"][w], strict=True)
            ]
        )
        for w in files
    }
    out["bytes"] = {name: {w: [r["bytes"] for r in runs] for w, runs in by.items()} for name, by in results.items()}
    return out
