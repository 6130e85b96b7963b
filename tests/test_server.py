"""Unit tests of the server: routes, demo and model manifests, headers, 404s and traversal."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from server import Config, create_app
from server.demos import DemoError, discover_demos, load_demo
from server.files import resolve_inside

REPO = Path(__file__).resolve().parent.parent


def write_model(models_dir: Path, model_id: str, manifest: dict | None = None) -> Path:
    folder = models_dir / model_id
    folder.mkdir(parents=True)
    (folder / "model.json").write_text('{"format": "graph-model"}')
    (folder / "group1-shard1of1.bin").write_bytes(b"\x00" * 64)
    if manifest is not False:
        base = {"id": model_id, "title": model_id, "task": "image-classification", "format": "graph",
                "sha256": "ab" * 32, "bytes": 90}
        (folder / "manifest.json").write_text(json.dumps({**base, **(manifest or {})}))
    return folder


@pytest.fixture
def models(tmp_path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    return folder


@pytest.fixture
async def client(aiohttp_client, models):
    return await aiohttp_client(create_app(Config(models_dir=models)))


async def test_gallery_lists_demos_with_their_models(client):
    response = await client.get("/")
    assert response.status == 200
    html = await response.text()
    for name in discover_demos(REPO / "demos"):
        assert f'data-demo="{name}"' in html
        assert f'href="/demos/{name}/"' in html


async def test_demo_page_includes_tfjs_from_this_server(client):
    response = await client.get("/demos/core_api/")
    assert response.status == 200
    html = await response.text()
    assert '<script src="/vendor/tfjs/tf.es2017.min.js">' in html
    assert 'src="/demos/core_api/main.js"' in html
    assert "http://" not in html and "https://" not in html  # no CDN, nothing external


async def test_demo_without_slash_redirects(client):
    response = await client.get("/demos/core_api", allow_redirects=False)
    assert response.status == 308
    assert response.headers["Location"] == "/demos/core_api/"


@pytest.mark.parametrize("path", [
    "/vendor/tfjs/tf.es2017.min.js",
    "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm",
    "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-threaded-simd.wasm",
    "/vendor/tfjs-backend-wasm/tfjs-backend-wasm.wasm",
    "/vendor/pose-detection/pose-detection.min.js",
    "/vendor/fflate/browser.js",  # served from fflate's esm/ folder (server/vendor.py VENDOR_FOLDERS)
])
async def test_browser_libraries_are_served_locally(client, path):
    response = await client.get(path)
    assert response.status == 200
    expected = "application/wasm" if path.endswith(".wasm") else "text/javascript"
    assert response.headers["Content-Type"].startswith(expected)


async def test_security_headers_on_every_kind_of_response(client):
    for path in ["/", "/demos/core_api/", "/static/backend.js", "/api/models", "/nowhere",
                 "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm"]:
        response = await client.get(path)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert headers["X-Content-Type-Options"] == "nosniff"


async def test_unknown_paths_get_a_real_404_page(client):
    for path in ["/nowhere", "/demos/nope/", "/demos/core_api/nope.js", "/static/nope.js",
                 "/vendor/nope/x.js", "/models/nope/model.json"]:
        response = await client.get(path)
        assert response.status == 404, path
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Back to the gallery" in await response.text()


async def test_api_404_is_json(client):
    response = await client.get("/api/nothing")
    assert response.status == 404
    assert (await response.json())["status"] == 404


TRAVERSALS = [
    "/static/../server/app.py",
    "/static/%2e%2e/app.py",
    "/static/%2e%2e%2fapp.py",
    "/static/%252e%252e/%252e%252e/pyproject.toml",
    "/static/..%5capp.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/demos/core_api/../../pyproject.toml",
    "/demos/core_api/%2e%2e/%2e%2e/pyproject.toml",
    "/demos/core_api/demo.toml%00.js",
    "/vendor/tfjs/..%2fpackage.json",
    "/vendor/tfjs/%2e%2e/package.json",
    "/models/m/..%2f..%2fsecret.txt",
    "/models/m/%2e%2e/secret.txt",
    "/models/..%2fsecret.txt/x",
    "/models/m/.hidden",
]


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_traversal_never_reads_outside(client, models, path):
    write_model(models, "m")
    (models.parent / "secret.txt").write_text("CONTENT-OUTSIDE")
    (models / "m" / ".hidden").write_text("CONTENT-OUTSIDE")
    response = await client.get(path)
    assert response.status in (400, 404), path
    body = await response.text()
    assert "CONTENT-OUTSIDE" not in body and "[project]" not in body and "root:" not in body


async def test_symlink_out_of_a_model_folder_is_refused(client, models, tmp_path):
    folder = write_model(models, "m")
    (tmp_path / "outside.txt").write_text("CONTENT-OUTSIDE")
    os.symlink(tmp_path / "outside.txt", folder / "link.txt")
    response = await client.get("/models/m/link.txt")
    assert response.status == 404


def test_resolve_inside_refuses_every_escape(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "ok.txt").write_text("ok")
    (tmp_path / "out.txt").write_text("no")
    os.symlink(tmp_path / "out.txt", root / "escape.txt")
    assert resolve_inside(root, "sub/ok.txt") == (root / "sub" / "ok.txt").resolve()
    for bad in ["../out.txt", "sub/../../out.txt", "/etc/passwd", "sub\\ok.txt", "sub/ok.txt\x00",
                "escape.txt", "sub", "", ".", "sub//ok.txt", ".git/config"]:
        assert resolve_inside(root, bad) is None, bad


async def test_models_are_listed_from_their_manifests(client, models):
    write_model(models, "alpha", {"title": "Alpha", "licence": "Apache-2.0"})
    write_model(models, "half-written", manifest=False)  # an interrupted install
    (models / ".tmp-beta-123").mkdir()
    response = await client.get("/api/models")
    listed = (await response.json())["models"]
    assert [m["id"] for m in listed] == ["alpha"]
    assert listed[0]["title"] == "Alpha" and listed[0]["url"] == "/models/alpha/"
    assert (await client.get("/models/half-written/model.json")).status == 404


async def test_model_files_have_etags_and_revalidate(client, models):
    write_model(models, "alpha")
    response = await client.get("/models/alpha/group1-shard1of1.bin")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    etag = response.headers["ETag"]
    again = await client.get("/models/alpha/group1-shard1of1.bin", headers={"If-None-Match": etag})
    assert again.status == 304


async def test_manifest_with_a_wrong_id_is_ignored(client, models):
    write_model(models, "alpha", {"id": "other"})
    assert (await (await client.get("/api/models")).json())["models"] == []


async def test_gallery_shows_whether_models_are_installed(aiohttp_client, models, tmp_path):
    demos = tmp_path / "demos"
    (demos / "needs_model").mkdir(parents=True)
    (demos / "needs_model" / "demo.toml").write_text(
        'title = "T"\nsummary = "S"\nmodels = ["alpha", "beta"]\n')
    write_model(models, "alpha")
    client = await aiohttp_client(create_app(Config(models_dir=models, demos_dir=demos)))
    html = await (await client.get("/")).text()
    assert "alpha" in html and "beta (not installed)" in html


def test_demo_manifest_errors_are_clear(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "demo.toml").write_text('title = "only a title"\n')
    with pytest.raises(DemoError, match="'summary' is required"):
        load_demo(tmp_path / "bad")
    (tmp_path / "Bad-Name").mkdir()
    with pytest.raises(DemoError, match="lower_snake_case"):
        load_demo(tmp_path / "Bad-Name")


def test_every_demo_has_a_manifest_a_lesson_a_picture_and_a_browser_test():
    demos = discover_demos(REPO / "demos")
    assert demos, "no demos found"
    browser_tests = " ".join(p.read_text() for p in (REPO / "tests").glob("test_browser_*.py"))
    for name, demo in demos.items():
        assert (demo.folder / "README.md").exists(), f"{name} has no README lesson"
        assert "window.__demo.result" in (demo.folder / "README.md").read_text(), f"{name}'s README does not document its result"
        assert (demo.folder / demo.thumbnail).exists(), f"{name} has no picture"
        assert (demo.folder / "main.js").exists(), f"{name} has no main.js"
        assert f"/demos/{name}/" in browser_tests, f"{name} has no browser test"


def test_cli_defaults_to_loopback():
    from server.cli import parse_args

    args = parse_args([])
    assert args.host == "127.0.0.1" and args.port == 8000


async def test_a_405_says_which_methods_are_allowed(client):
    for method, path, allowed in [("GET", "/api/prepare", {"POST"}), ("POST", "/static/backend.js", {"GET", "HEAD"}),
                                  ("DELETE", "/", {"GET", "HEAD"})]:
        response = await client.request(method, path)
        assert response.status == 405, path
        assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed, path


async def test_every_post_from_another_site_is_refused(client):
    # Not only /api/prepare: the rule is a middleware, so a future POST route has it too.
    response = await client.post("/", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status == 403 and "Cross-site request refused" in await response.text()
    assert (await client.post("/")).status == 405


async def test_etags_come_from_the_content(client, models):
    """Two replicas with copies made at different times agree; changed bytes change the tag."""
    first, second = write_model(models, "alpha"), write_model(models, "beta")
    os.utime(first / "model.json", ns=(1_000_000_000, 1_000_000_000))
    os.utime(second / "model.json", ns=(2_000_000_000, 2_000_000_000))
    tags = [(await client.get(f"/models/{m}/model.json")).headers["ETag"] for m in ("alpha", "beta")]
    assert tags[0] == tags[1]
    (second / "model.json").write_text('{"format": "graph-modeL"}')  # same size
    os.utime(second / "model.json", ns=(2_000_000_000, 2_000_000_000))  # same mtime
    assert (await client.get("/models/beta/model.json")).headers["ETag"] != tags[0]


async def test_a_range_is_honoured_only_for_the_current_etag(client, models):
    folder = write_model(models, "alpha")
    (folder / "group1-shard1of1.bin").write_bytes(bytes(range(200)))
    url = "/models/alpha/group1-shard1of1.bin"
    etag = (await client.get(url)).headers["ETag"]
    resumed = await client.get(url, headers={"Range": "bytes=100-", "If-Range": etag})
    assert resumed.status == 206 and await resumed.read() == bytes(range(100, 200))
    assert resumed.headers["Content-Range"] == "bytes 100-199/200" and resumed.headers["ETag"] == etag
    # The file changed since the first part was fetched: a stale tag gets the whole new file.
    for stale in ['"sha256-0000"', f"W/{etag}", "Tue, 01 Dec 2026 00:00:00 GMT"]:
        whole = await client.get(url, headers={"Range": "bytes=100-", "If-Range": stale})
        assert whole.status == 200 and await whole.read() == bytes(range(200)), stale
    plain = await client.get(url, headers={"Range": "bytes=-10"})
    assert plain.status == 206 and await plain.read() == bytes(range(190, 200))
    assert (await client.get(url, headers={"Range": "bytes=500-"})).status == 416
    head = await client.head(url)
    assert head.status == 200 and head.headers["Content-Length"] == "200" and await head.read() == b""


def test_aiohttps_own_400s_carry_exactly_these_headers(tmp_path):
    """aiohttp answers a malformed request line or an over-long header in its protocol layer,
    before routing, where no application hook runs (server/security.py says why): the answer
    is plain text with these headers and no others. If an aiohttp upgrade changes this, look
    again at whether the security headers can be added."""
    from tests.live_server import LiveServer

    with LiveServer(Config(models_dir=tmp_path)) as server:
        port = int(server.url.rsplit(":", 1)[1])
        for request in [b"GET /<script> HTTP/1.1 extra\r\n\r\n", b"G<T / HTTP/1.1\r\nHost: x\r\n\r\n",
                        b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 10_000 + b"\r\n\r\n"]:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
                connection.sendall(request)
                answer = b""
                while chunk := connection.recv(65536):
                    answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            status, *lines = head.decode().split("\r\n")
            assert status == "HTTP/1.0 400 Bad Request", request
            headers = dict(line.split(": ", 1) for line in lines)
            assert set(headers) == {"Content-Type", "Content-Length", "Date", "Server"}, headers
            assert headers["Content-Type"] == "text/plain; charset=utf-8" and int(headers["Content-Length"]) == len(body)
