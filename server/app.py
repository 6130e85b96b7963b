"""The app factory: `python -m server`, the tests and the static export all build the app here."""

from __future__ import annotations

import aiohttp_jinja2
import jinja2
from aiohttp import web

from server import keys
from server.config import Config
from server.demos import discover_demos
from server.errors import error_pages
from server.prepare import MAX_UPLOAD_BYTES, DecodeSlots
from server.routes import ROUTES
from server.security import add_security_headers, refuse_cross_site


def create_app(config: Config | None = None) -> web.Application:
    config = config or Config()
    # Uploads are capped by /api/prepare itself (with a clear 413), a little under this.
    app = web.Application(middlewares=[error_pages, refuse_cross_site], client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
    app[keys.CONFIG] = config
    app[keys.DECODE_SLOTS] = DecodeSlots()
    app[keys.DEMOS] = discover_demos(config.demos_dir)
    aiohttp_jinja2.setup(
        app,
        # Demo pages include their own index.html fragment, hence the demos folder.
        loader=jinja2.FileSystemLoader([config.templates_dir, config.demos_dir]),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    app.add_routes(ROUTES)
    app.on_response_prepare.append(add_security_headers)
    return app
