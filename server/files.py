"""Serving files from a few fixed folders, and never from anywhere else.

Every static route (shared modules, demo assets, vendor libraries, models) goes through
`resolve_inside`, which refuses traversal in any spelling: `..` segments (aiohttp has
already percent-decoded the path once, so `%2e%2e` arrives as `..`, and `%252e` arrives as
a literal `%2e` that matches no file), absolute paths, backslashes, NUL bytes, hidden
files, and symlinks that lead out of the folder.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from aiohttp import web

# Types the browser must get exactly right: `application/wasm` lets it stream-compile the
# wasm backend; nosniff means a wrong type would break loading instead of being guessed.
CONTENT_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".bin": "application/octet-stream",
    ".svg": "image/svg+xml",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".html": "text/html; charset=utf-8",
}


def resolve_inside(root: Path, relative: str) -> Path | None:
    """The file `relative` names under `root`, or None if it is not a regular file there."""
    if not relative or "\\" in relative or "\x00" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    try:
        real_root = root.resolve(strict=True)
        candidate = (real_root / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not candidate.is_relative_to(real_root) or not candidate.is_file():
        return None
    return candidate


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower()) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )


def file_response(path: Path, cache_control: str) -> web.FileResponse:
    """A file with its exact type; aiohttp adds ETag/Last-Modified and answers 304 itself."""
    return web.FileResponse(
        path, headers={"Cache-Control": cache_control, "Content-Type": content_type(path)}
    )
