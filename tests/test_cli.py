"""`python -m server` as a user runs it: loopback by default, a warning when exposed, HTTPS."""

from __future__ import annotations

import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from server.cli import parse_args
from tests.live_server import free_port, wait_for_port


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "server", *args], stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> str:
    process.terminate()
    _, err = process.communicate(timeout=20)
    return err


def test_defaults_bind_loopback_only():
    args = parse_args([])
    assert (args.host, args.port, args.https) == ("127.0.0.1", 8000, False)


def test_cert_without_https_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--cert", "a.pem", "--key", "b.pem"])
    assert "need --https" in capsys.readouterr().err


def test_exposing_the_server_prints_a_warning():
    port = free_port()
    process = start("--host", "0.0.0.0", "--port", str(port))
    try:
        wait_for_port(port)
    finally:
        err = stop(process)
    assert "WARNING: serving on 0.0.0.0" in err and "--https" in err


def test_https_with_a_user_certificate(tmp_path: Path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    process = start("--port", str(port), "--https", "--cert", str(cert), "--key", str(key))
    try:
        wait_for_port(port)
        context = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/", context=context, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    finally:
        err = stop(process)
    assert f"https://127.0.0.1:{port}/" in err
