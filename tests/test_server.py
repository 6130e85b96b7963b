"""Unit tests of the server: routes, demo and model manifests, headers, 404s and traversal."""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import textwrap
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
        base = {
            "id": model_id,
            "title": model_id,
            "task": "image-classification",
            "format": "graph",
            "sha256": "ab" * 32,
            "bytes": 90,
        }
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


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/tfjs/tf.es2017.min.js",
        "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm",
        "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-threaded-simd.wasm",
        "/vendor/tfjs-backend-wasm/tfjs-backend-wasm.wasm",
        "/vendor/pose-detection/pose-detection.min.js",
        "/vendor/fflate/browser.js",  # served from fflate's esm/ folder (server/vendor.py VENDOR_FOLDERS)
    ],
)
async def test_browser_libraries_are_served_locally(client, path):
    response = await client.get(path)
    assert response.status == 200
    expected = "application/wasm" if path.endswith(".wasm") else "text/javascript"
    assert response.headers["Content-Type"].startswith(expected)


async def test_security_headers_on_every_kind_of_response(client):
    for path in [
        "/",
        "/demos/core_api/",
        "/static/backend.js",
        "/api/models",
        "/nowhere",
        "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm",
    ]:
        response = await client.get(path)
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert headers["X-Content-Type-Options"] == "nosniff"


async def test_unknown_paths_get_a_real_404_page(client):
    for path in [
        "/nowhere",
        "/demos/nope/",
        "/demos/core_api/nope.js",
        "/static/nope.js",
        "/vendor/nope/x.js",
        "/models/nope/model.json",
    ]:
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
    for bad in [
        "../out.txt",
        "sub/../../out.txt",
        "/etc/passwd",
        "sub\\ok.txt",
        "sub/ok.txt\x00",
        "escape.txt",
        "sub",
        "",
        ".",
        "sub//ok.txt",
        ".git/config",
    ]:
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
    (demos / "needs_model" / "demo.toml").write_text('title = "T"\nsummary = "S"\nmodels = ["alpha", "beta"]\n')
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


def demos_opened_by_tests(test_file: Path) -> dict[str, set[str]]:
    """test name -> the demos (/demos/<name>/) it navigates the browser to, read from its code.

    A test opens a demo when a URL naming it reaches a `.goto(...)`: in the test itself, or
    in a helper of the same file that the test calls (open_demo(browser, url), a page
    object's .open()) or a fixture of the same file that it requests, the URL spelled out, held in a module constant (DEMO = "/demos/x/")
    or returned by a helper (demo_url(server)). A path merely mentioned (a comment, a
    `wait_for_url`, a list of names) does not count.
    """
    tree = ast.parse(test_file.read_text())
    constants = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    functions: dict[str, list[ast.FunctionDef]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            functions.setdefault(node.name, []).append(node)

    def callee(call: ast.Call) -> str | None:
        return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)

    def text(expr: ast.AST, seen: frozenset = frozenset()) -> str:
        parts = []
        for node in ast.walk(expr):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                parts.append(node.value)
            elif isinstance(node, ast.Name) and node.id in constants and node.id not in seen:
                parts.append(text(constants[node.id], seen | {node.id}))
            elif isinstance(node, ast.Call) and callee(node) in functions and callee(node) not in seen:
                for helper in functions[callee(node)]:
                    parts += [
                        text(r.value, seen | {callee(node)})
                        for r in ast.walk(helper)
                        if isinstance(r, ast.Return) and r.value is not None
                    ]
        return " ".join(parts)

    def navigates(name: str, seen: frozenset) -> bool:
        return any(
            callee(call) == "goto"
            or (
                callee(call) in functions
                and callee(call) not in seen
                and navigates(callee(call), seen | {callee(call)})
            )
            for helper in functions[name]
            for call in ast.walk(helper)
            if isinstance(call, ast.Call)
        )

    def opened(function: ast.FunctionDef, seen: frozenset) -> set[str]:
        found = set()
        # A fixture of the same file that the test requests by name runs before it.
        for fixture in (a.arg for a in function.args.args if a.arg in functions and a.arg not in seen):
            for helper in functions[fixture]:
                found |= opened(helper, seen | {fixture})
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            name = callee(call)
            if name == "goto" or (name in functions and name not in seen and navigates(name, seen | {name})):
                arguments = " ".join(text(a) for a in [*call.args, *(k.value for k in call.keywords)])
                found |= set(re.findall(r"/demos/([a-z0-9_]+)/", arguments))
            if name in functions and name not in seen:
                for helper in functions[name]:
                    found |= opened(helper, seen | {name})
        return found

    return {
        name: opened(node, frozenset({name}))
        for name, nodes in functions.items()
        if name.startswith("test_")
        for node in nodes
    }


def test_every_demo_has_a_manifest_a_lesson_a_picture_and_a_browser_test():
    demos = discover_demos(REPO / "demos")
    assert demos, "no demos found"
    opened = set().union(
        *(
            demos
            for path in (REPO / "tests").glob("test_browser_*.py")
            for demos in demos_opened_by_tests(path).values()
        )
    )
    for name, demo in demos.items():
        assert (demo.folder / "README.md").exists(), f"{name} has no README lesson"
        assert "window.__demo.result" in (demo.folder / "README.md").read_text(), (
            f"{name}'s README does not document its result"
        )
        assert (demo.folder / demo.thumbnail).exists(), f"{name} has no picture"
        assert (demo.folder / "main.js").exists(), f"{name} has no main.js"
        assert name in opened, f"no browser test opens {name} (/demos/{name}/)"


def test_the_browser_test_check_sees_only_real_navigation(tmp_path):
    sample = tmp_path / "test_browser_sample.py"
    sample.write_text(
        textwrap.dedent("""
        DEMO = "/demos/constant/"

        def open_demo(page, url):
            page.goto(url)

        def url_of(server):
            return f"{server.url}/demos/returned/?backend=wasm"

        class DemoPage:
            def open(self, query):
                self.page.goto(f"{self.url}{DEMO}?{query}")

        def test_direct(page, server):
            page.goto(server.url + "/demos/direct/")

        def test_helpers(page, server, demo_page):
            open_demo(page, url_of(server))
            demo_page(page).open("model=x")

        def looks_at(url):
            return url.endswith("/")

        def test_mentions_only(page, server):
            # /demos/comment/ is only a comment here
            page.wait_for_url("**/demos/waited/")
            names = ["/demos/listed/"]
            looks_at("/demos/not_opened/")
    """)
    )
    assert demos_opened_by_tests(sample) == {
        "test_direct": {"direct"},
        "test_helpers": {"returned", "constant"},
        "test_mentions_only": set(),
    }


def test_every_model_a_demo_names_can_be_pulled():
    """The gallery shows `python -m converters pull <id>` for each missing model a demo lists."""
    from converters import catalog

    for name, demo in discover_demos(REPO / "demos").items():
        for model_id in demo.models:
            assert catalog.get(model_id) is not None, f"{name} lists {model_id}, which `pull` does not know"


def test_cli_defaults_to_loopback():
    from server.cli import parse_args

    args = parse_args([])
    assert args.host == "127.0.0.1" and args.port == 8000


async def test_a_405_says_which_methods_are_allowed(client):
    for method, path, allowed in [
        ("GET", "/api/prepare", {"POST"}),
        ("POST", "/static/backend.js", {"GET", "HEAD"}),
        ("DELETE", "/", {"GET", "HEAD"}),
    ]:
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
        for request in [
            b"GET /<script> HTTP/1.1 extra\r\n\r\n",
            b"G<T / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 10_000 + b"\r\n\r\n",
        ]:
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
            assert headers["Content-Type"] == "text/plain; charset=utf-8" and int(headers["Content-Length"]) == len(
                body
            )
