"""`python -m server export <dir>`: the whole gallery as static files, for any static host.

The pages are rendered by the same app the server runs (through an in-process client), so
the export and the live server cannot drift apart. What is written: every URL of the app
shell (server/offline.py: pages, scripts, wasm, manifests, labels, the service worker) and
every installed model's files. Demos that need the server (`needs_server = true`, such as
the one that posts to /api/prepare) say so on their page instead of failing.

The export is written to a temporary folder beside the target and renamed into place, so
an interrupted export never leaves a half-written site.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.config import Config
from server.keys import DEMOS
from server.models import installed_models
from server.offline import shell_urls

MARKER = ".gallery-export"


class ExportError(Exception):
    pass


def _file_for(url: str) -> str:
    path = url.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


async def export_site(config: Config, target: Path) -> dict:
    target = target.resolve()
    if target.exists() and any(target.iterdir()) and not (target / MARKER).exists():
        raise ExportError(f"{target} exists and is not an earlier export; choose an empty or new folder.")
    app = create_app(replace(config, static_export=True))
    models = installed_models(config.models_dir)
    urls = shell_urls(config, app[DEMOS], models) + ["/sw.js"]
    for model_id, manifest in models.items():
        urls += [f"/models/{model_id}/{name}" for name in manifest.get("files", {})]
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    written = 0
    try:
        async with TestClient(TestServer(app)) as client:
            for url in dict.fromkeys(urls):  # keep order, drop repeats
                response = await client.get(url)
                if response.status != 200:
                    raise ExportError(f"{url} answered {response.status}; nothing was exported.")
                path = staging / _file_for(url)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(await response.read())
                written += path.stat().st_size
        (staging / MARKER).write_text("Written by `python -m server export`; safe to replace.\n")
        staging.chmod(0o755)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"files": len(set(urls)), "bytes": written, "models": len(models), "path": str(target)}
