"""Readable error answers: an HTML page for people, JSON for the APIs."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import hdrs, web


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/")


@web.middleware
async def error_pages(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.empty_body:
            raise
        message = exc.text if exc.text and exc.text != f"{exc.status}: {exc.reason}" else None
        response = error_response(request, exc.status, exc.reason, message)
        # What the exception says about the resource stays: a 405's `Allow`, for one.
        for name, value in exc.headers.items():
            if name not in (hdrs.CONTENT_TYPE, hdrs.CONTENT_LENGTH):
                response.headers[name] = value
        return response


def error_response(request: web.Request, status: int, reason: str, message: str | None) -> web.Response:
    if _wants_json(request):
        return web.json_response({"error": message or reason, "status": status}, status=status)
    return aiohttp_jinja2.render_template(
        "error.html",
        request,
        {"status": status, "reason": reason, "message": message, "path": request.path},
        status=status,
    )
