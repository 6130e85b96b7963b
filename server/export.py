"""`python -m server export <dir>`: the whole gallery as static files, for any static host.

The pages are rendered by the same app the server runs (through an in-process client), so
the export and the live server cannot drift apart. What is written: every URL of the app
shell (server/offline.py: pages, scripts, wasm, manifests, labels, the service worker) and
every installed model's files. Demos that need the server (`needs_server = true`, such as
the one that posts to /api/prepare) say so on their page instead of failing.

The export is written to a staging folder beside the target and renamed into place, so
an interrupted export never leaves a half-written site; the next export removes the staging
folder a killed one left behind.

Two things a static host does not do by itself:
- Headers. The gallery server sends COOP/COEP (cross-origin isolation, which the wasm
  backend's threads need), the CSP and application/wasm. `_headers` lists them for hosts
  that read such a file (Netlify, Cloudflare Pages); the README gives the S3/CloudFront
  settings.
- A sub-folder. The browser code asks for absolute URLs (/static/..., /vendor/...,
  /models/..., /api/models, /sw.js). With `--base-url /gallery/` the exported pages, scripts,
  the service worker and /api/models are rewritten to ask for /gallery/static/... instead
  (`rebase`). Model files and vendor libraries are copied byte for byte: the browser checks
  model files against their manifest's sha256, and the libraries hold none of our URLs.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.config import Config
from server.keys import DEMOS
from server.models import installed_models
from server.offline import WASM_FILES, shell_urls
from server.security import SECURITY_HEADERS

MARKER = ".gallery-export"
HEADERS_FILE = "_headers"

# Absolute URLs of this app inside quotes, backticks or CSS url(): what `rebase` prefixes.
_APP_URL = re.compile(r"""(?<=["'`(])/(?=(?:static|vendor|models|api|demos)/|sw\.js\b)""")
# The gallery's own URL "/": as a link target, and as an entry of the service worker's list.
_HOME_LINK = re.compile(r'(?<=href=")/(?=")')
_HOME_IN_LIST = re.compile(r'(?<=[\[,] )"/"(?=[,\]])|(?<=\[)"/"(?=[,\]])')
_REBASED_TYPES = {"text/html", "text/javascript", "application/javascript", "text/css", "application/json"}


class ExportError(Exception):
    pass


def normalise_base_url(base_url: str) -> str:
    """'/gallery' -> '/gallery/'; refuses anything that is not a plain absolute path."""
    base = base_url.strip()
    if not base.startswith("/") or base.startswith("//"):
        raise ExportError(f"--base-url must be a path on the host, such as /gallery/ (got {base_url!r})")
    base = base.rstrip("/") + "/"
    if not re.fullmatch(r"/(?:[A-Za-z0-9._~-]+/)*", base) or any(part in (".", "..") for part in base.split("/")):
        raise ExportError(f"--base-url may hold only letters, digits and . _ ~ - between slashes (got {base_url!r})")
    return base


def rebase(text: str, base: str) -> str:
    """Point the app's absolute URLs in a page, script, stylesheet or JSON under `base`."""
    if base == "/":
        return text
    text = _APP_URL.sub(base, text)
    text = _HOME_LINK.sub(base, text)
    return _HOME_IN_LIST.sub(f'"{base}"', text)


def headers_file(base: str) -> str:
    """`_headers` (Netlify / Cloudflare Pages syntax): what the gallery server sends."""
    lines = [
        "# Response headers for static hosts that read this file (Netlify, Cloudflare Pages).",
        "# COOP/COEP make the pages cross-origin isolated, so the wasm backend may use threads;",
        "# the rest is the gallery server's security policy (server/security.py).",
        f"{base}*",
    ]
    lines += [f"  {name}: {value}" for name, value in SECURITY_HEADERS.items()]
    for url in WASM_FILES:
        lines += [f"{base}{url.lstrip('/')}", "  Content-Type: application/wasm"]
    lines += [f"{base}api/models", "  Content-Type: application/json"]
    # The browser must see a new service worker (a new build) as soon as it is deployed.
    lines += [f"{base}sw.js", "  Cache-Control: no-cache"]
    return "\n".join(lines) + "\n"


def _staging_prefix(target: Path) -> str:
    return f".{target.name}.export-"


def _remove_abandoned_staging(target: Path) -> None:
    """Delete staging folders of earlier exports to `target` whose process is gone (killed)."""
    pattern = re.compile(re.escape(_staging_prefix(target)) + r"(\d+)-[A-Za-z0-9_]+")
    for folder in target.parent.iterdir():
        match = pattern.fullmatch(folder.name)
        if match and folder.is_dir() and not folder.is_symlink() and not _running(int(match[1])):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _check_target(config: Config, target: Path) -> None:
    if not config.models_dir.is_dir():
        raise ExportError(
            f"the models folder {config.models_dir} does not exist; "
            "pass --models-dir with the folder of installed models"
        )
    if target.name == "":
        raise ExportError(f"{target} is the root of the file system; choose a folder for the site")
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} is a file, not a folder; choose a new or empty folder for the site")
    if not target.parent.is_dir():
        raise ExportError(
            f"the folder {target.parent} does not exist; create it first, or choose a target inside an existing folder"
        )
    if target.exists() and any(target.iterdir()) and not (target / MARKER).exists():
        raise ExportError(f"{target} exists and is not an earlier export; choose an empty or new folder.")


def _file_for(url: str) -> str:
    path = url.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


async def export_site(config: Config, target: Path, base_url: str = "/") -> dict:
    base = normalise_base_url(base_url)
    target = Path(os.path.abspath(target))  # not resolve(): a symlinked target stays a symlink's name
    _check_target(config, target)
    _remove_abandoned_staging(target)
    app = create_app(replace(config, static_export=True))
    models = installed_models(config.models_dir)
    urls = shell_urls(config, app[DEMOS], models) + ["/sw.js"]
    for model_id, manifest in models.items():
        urls += [f"/models/{model_id}/{name}" for name in manifest.get("files", {})]
    staging = Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(target)}{os.getpid()}-", dir=target.parent))
    written = 0
    try:
        async with TestClient(TestServer(app)) as client:
            for url in dict.fromkeys(urls):  # keep order, drop repeats
                response = await client.get(url)
                if response.status != 200:
                    raise ExportError(f"{url} answered {response.status}; nothing was exported.")
                body = await response.read()
                if (
                    base != "/"
                    and response.content_type in _REBASED_TYPES
                    and not url.startswith(("/models/", "/vendor/"))
                ):
                    body = rebase(body.decode("utf-8"), base).encode("utf-8")
                path = staging / _file_for(url)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body)
                written += len(body)
        (staging / HEADERS_FILE).write_text(headers_file(base))
        (staging / MARKER).write_text("Written by `python -m server export`; safe to replace.\n")
        staging.chmod(0o755)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"files": len(set(urls)), "bytes": written, "models": len(models), "path": str(target), "base_url": base}
