"""Headers every response carries, and the error pages.

The Content-Security-Policy allows this origin only: no CDN, no model hub, no inline
script, no eval. The extras exist for TF.js: 'wasm-unsafe-eval' lets the page compile the
wasm backend; the threaded wasm build starts its workers from blob: URLs (`worker-src`),
and each worker loads the backend script from another blob: URL (`script-src blob:`). A
blob: URL can only be made by script already running in this origin.
COOP/COEP make the page cross-origin isolated, which SharedArrayBuffer (wasm threads)
requires.

aiohttp's own low-level 400s (a malformed request line, a header over 8190 bytes, a
Content-Encoding it cannot decode) go out without these headers: aiohttp writes them in its
protocol layer (`RequestHandler.handle_error`) before any routing, and it runs
`on_response_prepare` only for requests that reached the application; there is no public
hook for those answers. They carry Content-Type text/plain, Content-Length, Date and Server
only, over HTTP/1.0 with the connection closed; a browser never renders text/plain as a
page, so there is nothing for CSP or nosniff to guard. tests/test_server.py pins exactly
what they carry, so an aiohttp upgrade that changes it is noticed.
"""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from server.errors import error_response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval' blob:",
        "worker-src 'self' blob:",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare hook: runs for every response, files and errors included."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


# Methods that change nothing; everything else (today only POST /api/prepare) must come
# from this server's own pages or from a client that is not a browser.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_cross_site(request: web.Request) -> bool:
    """Whether a browser says this request comes from a page of another origin.

    Any web page the user visits can make their browser POST to a server on localhost
    (a form needs no CORS preflight). Browsers say who asks: `Sec-Fetch-Site` (every current
    browser), else `Origin`. Only "same-origin" passes; "same-site" does not, because a
    different port of localhost is the same site and may be a different program. A request
    with neither header comes from curl, a script or a test: allowed.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")  # "none": the user typed or bookmarked it
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    try:
        asked_from = URL(origin)
        # The scheme from Origin for both: a TLS-terminating proxy in front changes only ours.
        here = URL.build(scheme=asked_from.scheme, authority=request.host)
    except (ValueError, TypeError):
        return True  # "null" (sandboxed frames, file:// pages) and other unparseable origins
    return not asked_from.host or (asked_from.host, asked_from.port) != (here.host, here.port)


@web.middleware
async def refuse_cross_site(request: web.Request, handler):
    if request.method not in SAFE_METHODS and is_cross_site(request):
        return error_response(
            request,
            403,
            "Forbidden",
            f"Cross-site request refused: {request.method} {request.path} is answered only "
            "for this server's own pages, not for pages of another site.",
        )
    return await handler(request)
