"""`python -m server`: run the gallery; `python -m server export DIR`: write it as a static site."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from aiohttp import web

from server.app import create_app
from server.config import Config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = Config()
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--host", default=defaults.host,
                        help="interface to bind (default %(default)s: this machine only)")
    parser.add_argument("--port", type=int, default=defaults.port, help="default %(default)s")
    parser.add_argument("--models-dir", type=Path, default=defaults.models_dir,
                        help="folder of installed models (default %(default)s)")
    return parser.parse_args(argv)


def export_main(argv: list[str]) -> None:
    import asyncio

    from server.export import ExportError, export_site

    parser = argparse.ArgumentParser(prog="python -m server export",
                                     description="Write the gallery as static files for any static host.")
    parser.add_argument("dir", type=Path, help="where to write the site (created or replaced)")
    parser.add_argument("--models-dir", type=Path, default=Config().models_dir)
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(export_site(Config(models_dir=args.models_dir.resolve()), args.dir))
    except ExportError as exc:
        sys.exit(f"export failed: {exc}")
    print(f"Exported {result['files']} files ({result['bytes'] / 1e6:.1f} MB, {result['models']} models) "
          f"to {result['path']}.\nTry it: python -m http.server --directory {args.dir} 8080")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export"]:
        return export_main(argv[1:])
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"WARNING: serving on {args.host}, so other machines can reach this gallery.\n"
            "Browsers only give the camera to https:// or localhost pages.",
            file=sys.stderr,
        )
    config = Config(host=args.host, port=args.port, models_dir=args.models_dir.resolve())
    app = create_app(config)
    print(f"Gallery on http://{args.host}:{args.port}/  (Ctrl+C to stop)", file=sys.stderr)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
