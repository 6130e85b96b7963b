"""Headers every response carries, and the error pages.

The Content-Security-Policy allows this origin only: no CDN, no model hub, no inline
script, no eval. The extras exist for TF.js: 'wasm-unsafe-eval' lets the page compile the
wasm backend; the threaded wasm build starts its workers from blob: URLs (`worker-src`),
and each worker loads the backend script from another blob: URL (`script-src blob:`). A
blob: URL can only be made by script already running in this origin.
COOP/COEP make the page cross-origin isolated, which SharedArrayBuffer (wasm threads)
requires.
"""

from __future__ import annotations

from aiohttp import web

CONTENT_SECURITY_POLICY = "; ".join([
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
])

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
