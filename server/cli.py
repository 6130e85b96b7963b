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
    parser.add_argument(
        "--host", default=defaults.host, help="interface to bind (default %(default)s: this machine only)"
    )
    parser.add_argument("--port", type=int, default=defaults.port, help="default %(default)s")
    parser.add_argument(
        "--models-dir", type=Path, default=defaults.models_dir, help="folder of installed models (default %(default)s)"
    )
    parser.add_argument(
        "--https",
        action="store_true",
        help="serve over TLS; browsers give the camera to other machines only over https",
    )
    parser.add_argument("--cert", type=Path, help="TLS certificate (PEM); without it --https makes a self-signed one")
    parser.add_argument("--key", type=Path, help="private key of --cert (PEM)")
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log every request to stderr (Apache's combined format, with the time taken)",
    )
    args = parser.parse_args(argv)
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together")
    if args.cert and not args.https:
        parser.error("--cert and --key need --https")
    return args


def self_signed_certificate(host: str) -> tuple[Path, Path]:
    """A self-signed certificate for `host`, made once with openssl and kept in .cache/https/."""
    import shutil
    import subprocess

    from server.config import REPO_ROOT

    folder = REPO_ROOT / ".cache" / "https"
    cert, key = folder / f"{host}.crt", folder / f"{host}.key"
    if cert.exists() and key.exists():
        return cert, key
    if shutil.which("openssl") is None:
        sys.exit(
            "--https without --cert needs the openssl command to make a certificate; "
            "install it, or pass --cert and --key."
        )
    folder.mkdir(parents=True, exist_ok=True)
    san = f"IP:{host}" if host.replace(".", "").isdigit() or ":" in host else f"DNS:{host}"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "365",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            f"/CN={host}",
            "-addext",
            f"subjectAltName={san},DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    key.chmod(0o600)
    print(
        f"Made a self-signed certificate for {host} in {folder}. Browsers will warn about it once;\n"
        "accept it only on a network you trust, or pass your own with --cert/--key.",
        file=sys.stderr,
    )
    return cert, key


def ssl_context(args: argparse.Namespace):
    import ssl

    cert, key = (args.cert, args.key) if args.cert else self_signed_certificate(args.host)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        sys.exit(f"Cannot use the certificate {cert} with the key {key}: {exc}")
    return context


def export_main(argv: list[str]) -> None:
    import asyncio

    from server.export import ExportError, export_site

    parser = argparse.ArgumentParser(
        prog="python -m server export", description="Write the gallery as static files for any static host."
    )
    parser.add_argument("dir", type=Path, help="where to write the site (created or replaced)")
    parser.add_argument("--models-dir", type=Path, default=Config().models_dir)
    parser.add_argument(
        "--base-url",
        default="/",
        help="the path the site will be served under, e.g. /gallery/ for "
        "https://example.org/gallery/ (default %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(
            export_site(Config(models_dir=args.models_dir.resolve()), args.dir, base_url=args.base_url)
        )
    except ExportError as exc:
        sys.exit(f"export failed: {exc}")
    print(
        f"Exported {result['files']} files ({result['bytes'] / 1e6:.1f} MB, {result['models']} models) "
        f"to {result['path']}."
    )
    if result["base_url"] == "/":
        print(f"Try it: python -m http.server --directory {args.dir} 8080")
    else:
        print(
            f"Serve the folder's contents at {result['base_url']} on your host (to try it locally, "
            f"put them in a folder at that path under a root you serve with python -m http.server)."
        )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["export"]:
        return export_main(argv[1:])
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"WARNING: serving on {args.host}, so other machines can reach this gallery.\n"
            "Browsers only give the camera to https:// or localhost pages"
            + ("." if args.https else ": add --https for the camera demos."),
            file=sys.stderr,
        )
    config = Config(host=args.host, port=args.port, models_dir=args.models_dir.resolve())
    app = create_app(config)
    context = ssl_context(args) if args.https else None
    scheme = "https" if context else "http"
    print(f"Gallery on {scheme}://{args.host}:{args.port}/  (Ctrl+C to stop)", file=sys.stderr)
    # %Tf: seconds taken; the rest is the combined log format that log analysers read.
    access_log = logging.getLogger("aiohttp.access") if args.access_log else None
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        ssl_context=context,
        print=None,
        access_log=access_log,
        access_log_format='%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i" %Tf',
    )
