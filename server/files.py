"""Serving files from a few fixed folders, and never from anywhere else.

Every static route (shared modules, demo assets, vendor libraries, models) goes through
`resolve_inside`, which refuses traversal in any spelling: `..` segments (aiohttp has
already percent-decoded the path once, so `%2e%2e` arrives as `..`, and `%252e` arrives as
a literal `%2e` that matches no file), absolute paths, backslashes, NUL bytes, hidden
files, and symlinks that lead out of the folder.

The validator is the file's content: the ETag is a sha256 of its bytes (computed again only
when the file's stat changes), so two replicas serving copies from different folders agree and a
browser behind a load balancer keeps its cache. There is no Last-Modified: mtimes differ
between copies. aiohttp's FileResponse derives its ETag from mtime and size and reads
If-Range only as a date (an ETag there is ignored and the Range honoured, splicing bytes of
a changed file onto the old ones), so the conditional requests are answered here:
If-None-Match -> 304, If-Match -> 412, Range -> 206 only when If-Range (if sent) is the
current ETag, otherwise the whole file.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import mimetypes
import os
from pathlib import Path

from aiohttp import hdrs, web

CHUNK_BYTES = 256 * 1024

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
    return CONTENT_TYPES.get(path.suffix.lower()) or (mimetypes.guess_type(path.name)[0] or "application/octet-stream")


@functools.lru_cache(maxsize=4096)
def _content_etag(path: str, size: int, mtime_ns: int, ctime_ns: int, inode: int) -> str:
    # The key only says when to hash again; ctime changes on every write, even one that
    # restores the mtime, and a rename-swap changes the inode. The tag is the content alone.
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1024 * 1024):
            digest.update(block)
    return f'"sha256-{digest.hexdigest()[:32]}"'  # 128 bits tell files apart well enough


def _open(path: Path):
    """The open file, its stat and ETag, all of the same file (an install swaps folders by rename)."""
    file = open(path, "rb")
    stat = os.fstat(file.fileno())
    return file, stat, _content_etag(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def _etag_matches(header: str, etag: str, weak: bool) -> bool:
    """Whether an If-None-Match / If-Match / If-Range list names `etag` ("*" names any)."""
    for candidate in (tag.strip() for tag in header.split(",")):
        if candidate == "*":
            return True
        if candidate.startswith("W/"):
            if weak and candidate[2:] == etag:
                return True
        elif candidate == etag:
            return True
    return False


def _byte_range(request: web.Request, etag: str, size: int) -> tuple[int, int] | None:
    """(start, count) for a Range to honour, None for the whole file; ValueError if unsatisfiable."""
    if hdrs.RANGE not in request.headers:
        return None
    if_range = request.headers.get(hdrs.IF_RANGE)
    # If-Range needs a strong match: a stale or weak tag, or a date, means "send it all".
    if if_range is not None and if_range.strip() != etag:
        return None
    wanted = request.http_range  # ValueError on a malformed or multi-part range
    if wanted.start is None:
        return None
    if wanted.start < 0 and wanted.stop is None:
        start = max(size + wanted.start, 0)
        return start, size - start
    if wanted.start >= size:
        raise ValueError("range starts past the end")
    stop = size if wanted.stop is None else min(wanted.stop, size)
    return wanted.start, stop - wanted.start


async def file_response(request: web.Request, path: Path, cache_control: str) -> web.StreamResponse:
    """A file with its exact type, a content ETag, and the conditional answers (see above)."""
    loop = asyncio.get_running_loop()
    file, stat, etag = await loop.run_in_executor(None, _open, path)
    with file:
        return await _send(request, path, file, stat, etag, cache_control)


async def _send(request, path, file, stat, etag, cache_control) -> web.StreamResponse:
    loop = asyncio.get_running_loop()
    headers = {hdrs.CACHE_CONTROL: cache_control, hdrs.ETAG: etag}
    if (if_match := request.headers.get(hdrs.IF_MATCH)) is not None and not _etag_matches(if_match, etag, weak=False):
        return web.Response(status=412, headers=headers)
    if (if_none_match := request.headers.get(hdrs.IF_NONE_MATCH)) is not None and _etag_matches(
        if_none_match, etag, weak=True
    ):
        return web.Response(status=304, headers=headers)
    try:
        byte_range = _byte_range(request, etag, stat.st_size)
    except ValueError:
        return web.Response(status=416, headers={**headers, hdrs.CONTENT_RANGE: f"bytes */{stat.st_size}"})
    start, count = byte_range or (0, stat.st_size)
    response = web.StreamResponse(
        status=206 if byte_range else 200,
        headers={**headers, hdrs.CONTENT_TYPE: content_type(path), hdrs.ACCEPT_RANGES: "bytes"},
    )
    if byte_range:
        response.headers[hdrs.CONTENT_RANGE] = f"bytes {start}-{start + count - 1}/{stat.st_size}"
    response.content_length = count
    await response.prepare(request)
    if request.method != hdrs.METH_HEAD:
        file.seek(start)
        while count > 0:
            block = await loop.run_in_executor(None, file.read, min(CHUNK_BYTES, count))
            if not block:  # rewritten in place while sent: end the connection, not the promise
                raise ConnectionResetError(f"{path.name} shrank while it was being sent")
            await response.write(block)
            count -= len(block)
    await response.write_eof()
    return response
