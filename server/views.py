"""Request handlers. The URL map that ties them together is routes.py."""

from __future__ import annotations

import asyncio
import base64
from http import HTTPStatus

import aiohttp_jinja2
from aiohttp import MultipartReader, hdrs, web
from aiohttp.http_exceptions import BadHttpMessage

from server import keys
from server.demos import DEMO_NAME, Demo
from server.errors import error_response
from server.files import file_response, resolve_inside
from server.models import MODEL_ID, installed_models, read_manifest, summary
from server.offline import build_id, shell_urls
from server.prepare import IMAGE_TYPES, MAX_UPLOAD_BYTES, PrepareError, prepare
from server.vendor import BASE_SCRIPTS, OPTIONAL_SCRIPTS, vendor_dir

# Shared code and libraries change only with a new checkout: revalidate cheaply by ETag.
# Model files are versioned by the manifest's sha256, which the browser cache keys on.
CACHE_CODE = "no-cache"
CACHE_VENDOR = "public, max-age=3600"
CACHE_MODEL = "no-cache"


def _model_status(demo: Demo, models: dict[str, dict]) -> list[dict]:
    """The models a demo can use, and whether each is installed."""
    wanted = list(demo.models)
    if demo.model_task:
        wanted += [mid for mid, m in models.items() if m.get("task") == demo.model_task and mid not in wanted]
    return [{"id": mid, "installed": mid in models, "title": models.get(mid, {}).get("title", mid)} for mid in wanted]


@aiohttp_jinja2.template("gallery.html")
async def gallery(request: web.Request) -> dict:
    models = installed_models(request.app[keys.CONFIG].models_dir)
    cards = [{"demo": demo, "models": _model_status(demo, models)} for demo in request.app[keys.DEMOS].values()]
    return {"cards": cards, "model_count": len(models)}


def _demo(request: web.Request) -> Demo:
    name = request.match_info["name"]
    demo = request.app[keys.DEMOS].get(name) if DEMO_NAME.match(name) else None
    if demo is None:
        raise web.HTTPNotFound(text=f"There is no demo called '{name}'.")
    return demo


async def demo_redirect(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect(_demo(request).url)


@aiohttp_jinja2.template("demo.html")
async def demo_page(request: web.Request) -> dict:
    demo = _demo(request)
    models = installed_models(request.app[keys.CONFIG].models_dir)
    return {
        "demo": demo,
        "static_export": request.app[keys.CONFIG].static_export,
        "models": _model_status(demo, models),
        "scripts": BASE_SCRIPTS + [OPTIONAL_SCRIPTS[name] for name in demo.scripts],
        "inference_scripts": [OPTIONAL_SCRIPTS[name] for name in demo.inference_scripts],
    }


async def demo_asset(request: web.Request) -> web.StreamResponse:
    demo = _demo(request)
    path = resolve_inside(demo.folder, request.match_info["path"])
    if path is None:
        raise web.HTTPNotFound(text=f"The demo '{demo.name}' has no file '{request.match_info['path']}'.")
    return await file_response(request, path, CACHE_CODE)


async def static_file(request: web.Request) -> web.StreamResponse:
    path = resolve_inside(request.app[keys.CONFIG].static_dir, request.match_info["path"])
    if path is None:
        raise web.HTTPNotFound()
    return await file_response(request, path, CACHE_CODE)


async def vendor_file(request: web.Request) -> web.StreamResponse:
    folder = vendor_dir(request.app[keys.CONFIG].node_modules_dir, request.match_info["package"])
    path = resolve_inside(folder, request.match_info["path"]) if folder else None
    if path is None:
        raise web.HTTPNotFound(text="No such browser library file (did `npm ci` run?).")
    return await file_response(request, path, CACHE_VENDOR)


async def model_file(request: web.Request) -> web.StreamResponse:
    model_id = request.match_info["model_id"]
    models_dir = request.app[keys.CONFIG].models_dir
    # Only folders with a valid manifest are models; a half-written install is invisible.
    if not MODEL_ID.match(model_id) or read_manifest(models_dir / model_id) is None:
        raise web.HTTPNotFound(text=f"The model '{model_id}' is not installed.")
    path = resolve_inside(models_dir / model_id, request.match_info["path"])
    if path is None:
        raise web.HTTPNotFound(text=f"The model '{model_id}' has no file '{request.match_info['path']}'.")
    return await file_response(request, path, CACHE_MODEL)


async def api_models(request: web.Request) -> web.Response:
    models = installed_models(request.app[keys.CONFIG].models_dir)
    return web.json_response({"models": [summary(m) for m in models.values()]})


async def service_worker(request: web.Request) -> web.Response:
    config = request.app[keys.CONFIG]
    demos = request.app[keys.DEMOS]
    models = installed_models(config.models_dir)
    response = aiohttp_jinja2.render_template(
        "sw.js",
        request,
        {
            "build": build_id(config, demos, models),
            "urls": shell_urls(config, demos, models),
        },
    )
    response.content_type = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    return response


async def _read_capped(read_chunk) -> bytes:
    """Read a body chunk by chunk, stopping just past the limit (never more in memory)."""
    data = bytearray()
    while len(data) <= MAX_UPLOAD_BYTES and (chunk := await read_chunk(65536)):
        data += chunk
    return bytes(data)


async def _read_form_file(request: web.Request) -> tuple[bytes, str]:
    """The first file field of a multipart form, with its declared type."""
    try:
        reader = await request.multipart()
    except ValueError:  # aiohttp's words echo the header; ours say what to send
        raise PrepareError(
            400, "The multipart form has no valid boundary: Content-Type needs `boundary=` with 1 to 70 characters."
        ) from None
    try:
        part = await reader.next()
        while part is not None:
            if isinstance(part, MultipartReader):
                raise PrepareError(
                    400, "The form holds a nested multipart part; send the image as a file field of the form itself."
                )
            if part.filename:
                content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
                return await _read_capped(part.read_chunk), content_type.split(";")[0].strip().lower()
            part = await reader.next()
    except ValueError:
        raise PrepareError(
            400, "The multipart form is malformed: its parts do not follow the boundary that Content-Type declares."
        ) from None
    except BadHttpMessage:  # a part's own headers are broken (control characters, ...)
        raise PrepareError(400, "The multipart form is malformed: a part's headers cannot be read.") from None
    raise PrepareError(400, "The form holds no file.")


async def _read_upload(request: web.Request) -> tuple[bytes, str]:
    """The uploaded image: a raw body (fetch(url, {body: file})) or a multipart field."""
    if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES:
        raise PrepareError(413, f"The upload is {request.content_length} bytes; the limit is {MAX_UPLOAD_BYTES}.")
    # Images are compressed already; a gzip layer would only let 10 MB on the wire become
    # far more in memory. aiohttp refuses encodings it cannot decode (br, zstd) itself.
    encoding = request.headers.get(hdrs.CONTENT_ENCODING, "identity").strip().lower()
    if encoding != "identity":
        raise PrepareError(
            415,
            f"Uploads are taken without Content-Encoding (this one says '{encoding[:40]}'); "
            "send the image file as it is.",
        )
    try:
        if request.content_type == "multipart/form-data":
            data, content_type = await _read_form_file(request)
        else:
            content_type = request.content_type
            data = await _read_capped(request.content.read)
    except web.RequestPayloadError:  # broken chunked framing and the like
        raise PrepareError(400, "The request body could not be read (malformed framing).") from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise PrepareError(413, f"The upload is larger than the limit of {MAX_UPLOAD_BYTES} bytes.")
    if content_type not in IMAGE_TYPES:
        raise PrepareError(
            415, f"'{content_type[:60]}' is not an image type this server prepares ({', '.join(sorted(IMAGE_TYPES))})."
        )
    if not data:
        raise PrepareError(400, "The upload is empty.")
    return data, content_type


def _error(request: web.Request, status: int, message: str) -> web.Response:
    response = error_response(request, status, HTTPStatus(status).phrase, message)
    if status == 408:
        response.force_close()  # the rest of a slow body is not worth waiting for
    return response


async def api_prepare(request: web.Request) -> web.Response:
    """Decode and preprocess an uploaded image for ?model=<id>; answer the tensor.

    The body of the answer: {shape, dtype, encoding: "base64", data, timing: {decode_ms,
    preprocess_ms}, source: {width, height}}; `data` holds the values little-endian.
    """
    model_id = request.query.get("model", "")
    if not model_id:
        return _error(request, 400, "The query parameter 'model' is required: POST /api/prepare?model=<id>.")
    manifest = read_manifest(request.app[keys.CONFIG].models_dir / model_id) if MODEL_ID.match(model_id) else None
    if manifest is None:
        return _error(request, 404, f"The model '{model_id[:100]}' is not installed.")
    spec = manifest.get("input", {})
    if len(spec.get("shape", [])) != 4 or min(spec["shape"][1:3]) <= 0:
        return _error(request, 400, f"'{model_id}' does not take fixed-size images.")
    timeout = request.app[keys.CONFIG].upload_timeout
    try:
        try:
            async with asyncio.timeout(timeout):
                data, _ = await _read_upload(request)
        except TimeoutError:
            raise PrepareError(408, f"The upload did not arrive within {timeout:g} seconds.") from None
        # Decoding and resizing take tens of milliseconds: off the event loop, a few at a
        # time, so other requests (other users, model downloads) are served meanwhile.
        prepared = await request.app[keys.DECODE_SLOTS].run(prepare, data, spec)
    except PrepareError as exc:
        return _error(request, exc.status, str(exc))
    tensor = prepared.tensor
    return web.json_response(
        {
            "model": model_id,
            "shape": list(tensor.shape),
            "dtype": str(tensor.dtype),
            "encoding": "base64",
            "data": base64.b64encode(tensor.astype(tensor.dtype.newbyteorder("<")).tobytes()).decode("ascii"),
            "timing": {"decode_ms": prepared.decode_ms, "preprocess_ms": prepared.preprocess_ms},
            "source": {"width": prepared.source_size[0], "height": prepared.source_size[1]},
        }
    )
