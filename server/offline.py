"""What a browser needs to run the gallery with the server stopped: the app shell.

The service worker (`/sw.js`, rendered from templates/sw.js) caches these URLs at install
time. Its cache is named after the build id, a hash of every page, script and library
version the server would serve: when any of them changes, the worker script changes, the
browser installs the new worker, and it drops the old cache. A user therefore never mixes
pages of one build with scripts of another. Model weights are not in this list: they live
in IndexedDB (static/model_cache.js), keyed by each manifest's sha256.

The static export (server/export.py) writes exactly these URLs, plus the model files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from server.config import Config
from server.demos import Demo
from server.vendor import BASE_SCRIPTS, OPTIONAL_SCRIPTS, VENDOR_PACKAGES, package_version

WASM_FILES = [
    "/vendor/tfjs-backend-wasm/tfjs-backend-wasm.wasm",
    "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm",
    "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-threaded-simd.wasm",
]
# Demo files that are rendered into the page rather than fetched by it.
NOT_FETCHED = {"demo.toml", "README.md", "index.html"}


def _files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts)
    )


def shell_urls(config: Config, demos: dict[str, Demo], models: dict[str, dict]) -> list[str]:
    urls = ["/", "/api/models"]
    for demo in demos.values():
        urls.append(demo.url)
        urls += [
            f"{demo.url}{p.relative_to(demo.folder).as_posix()}"
            for p in _files(demo.folder)
            if p.name not in NOT_FETCHED
        ]
    urls += [f"/static/{p.relative_to(config.static_dir).as_posix()}" for p in _files(config.static_dir)]
    urls += BASE_SCRIPTS + WASM_FILES
    urls += sorted({OPTIONAL_SCRIPTS[s] for demo in demos.values() for s in demo.scripts + demo.inference_scripts})
    # Manifests and labels are small and fetched directly; weights go to IndexedDB instead.
    for model_id, manifest in models.items():
        urls.append(f"/models/{model_id}/manifest.json")
        if manifest.get("labels"):
            urls.append(f"/models/{model_id}/{manifest['labels']}")
    return urls


def build_id(config: Config, demos: dict[str, Demo], models: dict[str, dict]) -> str:
    """Changes whenever anything the shell caches would change."""
    # Only names relative to each folder and file contents go in, never where the checkout
    # lives: replicas deployed in different folders must agree, or a browser behind a load
    # balancer would see a "new build" and drop its offline cache every time it changed replica.
    digest = hashlib.sha256()
    folders = {
        "static": config.static_dir,
        "templates": config.templates_dir,
        **{f"demos/{name}": demo.folder for name, demo in sorted(demos.items())},
    }
    for label, folder in folders.items():
        for path in _files(folder):
            name = f"{label}/{path.relative_to(folder).as_posix()}".encode()
            content = path.read_bytes()
            # Lengths first, so no two different (name, content) sequences hash alike.
            digest.update(b"%d:%s%d:" % (len(name), name, len(content)))
            digest.update(content)
    for name in sorted(VENDOR_PACKAGES):
        digest.update(f"{name}={package_version(config.node_modules_dir, name)}".encode())
    for model_id, manifest in sorted(models.items()):
        digest.update(f"{model_id}={manifest.get('sha256')}".encode())
    return digest.hexdigest()[:16]
