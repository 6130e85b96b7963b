"""Offline first: the IndexedDB model cache, the service worker, and the static export."""

from __future__ import annotations

import subprocess
import sys

import pytest
from skimage import data as photos

from server import Config, manifest
from tests.browser import launch, record, wait_ready
from tests.fake_camera import write_y4m
from tests.live_server import LiveServer, free_port, wait_for_port
from tests.models_fixtures import MOBILENET_ID, install_shared_mobilenet

pytestmark = pytest.mark.browser

CAT_CLASSES = {281, 282, 283, 284, 285}
NOTE = '[data-stat="note"]'


@pytest.fixture(scope="module")
def cat_camera(playwright_instance, tmp_path_factory):
    y4m = write_y4m(photos.chelsea(), tmp_path_factory.mktemp("cam") / "chelsea.y4m")
    browser = launch(playwright_instance, y4m)
    yield browser
    browser.close()


@pytest.fixture
def own_server(tmp_path):
    """A server of this test's own, since these tests stop it or change its models."""
    models = tmp_path / "models"
    install_shared_mobilenet(models)
    server = LiveServer(Config(models_dir=models)).start()
    yield server
    server.stop()


def classify(page, url):
    page.goto(url)
    wait_ready(page, timeout_ms=120_000)
    page.wait_for_function("() => window.__demo.result && window.__demo.frames >= 2", timeout=60_000)
    top = page.evaluate("() => window.__demo.result.top")
    assert {t["index"] for t in top} & CAT_CLASSES, top
    return page.locator(NOTE).inner_text()


def demo_url(server):
    return f"{server.url}/demos/mobilenet_webcam/?backend=wasm&model={MOBILENET_ID}"


def test_model_comes_from_the_cache_on_the_second_visit_and_offline(cat_camera, own_server):
    context = cat_camera.new_context()
    rec = record(context.new_page())
    try:
        pg = rec.page
        assert "from the server" in classify(pg, demo_url(own_server))
        # The service worker has cached the app shell once it is active.
        pg.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        pg.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)

        assert "from the browser cache" in classify(pg, demo_url(own_server))
        rec.assert_clean(own_server.url)

        own_server.stop()
        rec.requests.clear()
        note = classify(pg, demo_url(own_server))
        assert "from the browser cache" in note
    finally:
        context.close()


def test_a_new_model_version_replaces_the_cached_one(cat_camera, own_server):
    context = cat_camera.new_context()
    pg = record(context.new_page()).page
    try:
        classify(pg, demo_url(own_server))
        listed = pg.evaluate("() => tf.io.listModels().then(Object.keys)")
        assert len([k for k in listed if MOBILENET_ID in k]) == 1

        # A new version of the model: one file changes, so the manifest's sha256 changes.
        folder = own_server.config.models_dir / MOBILENET_ID
        old = manifest.read(folder)
        labels = folder / "labels.txt"
        labels.write_text(labels.read_text().replace("tabby, tabby cat", "tabby cat"))
        derived = {"files", "bytes", "weight_bytes", "sha256", "tools", "created", "schema"}
        new = manifest.write(folder, {k: v for k, v in old.items() if k not in derived})
        assert new["sha256"] != old["sha256"]

        assert "from the server" in classify(pg, demo_url(own_server))
        keys = [k for k in pg.evaluate("() => tf.io.listModels().then(Object.keys)") if MOBILENET_ID in k]
        assert keys == [f"indexeddb://tfjs-gallery/{MOBILENET_ID}/{new['sha256']}"]
    finally:
        context.close()


def test_a_corrupt_cache_entry_is_dropped_and_fetched_again(cat_camera, own_server):
    context = cat_camera.new_context()
    pg = record(context.new_page()).page
    try:
        classify(pg, demo_url(own_server))
        # Damage the cached weights: save a copy missing its last kilobyte under the same key.
        pg.evaluate("""async () => {
            const key = Object.keys(await tf.io.listModels()).find((k) => k.includes('tfjs-gallery/'));
            const artifacts = await tf.io.getLoadHandlers(key)[0].load();
            const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
            artifacts.weightData = weights.slice(0, weights.byteLength - 1024);
            await tf.io.getSaveHandlers(key)[0].save(artifacts);
        }""")
        note = classify(pg, demo_url(own_server))
        assert "damaged" in note and "from the server" in note
        assert "from the browser cache" in classify(pg, demo_url(own_server))
    finally:
        context.close()


def test_a_truncated_shard_on_the_server_is_reported(cat_camera, own_server):
    shard = own_server.config.models_dir / MOBILENET_ID / "group1-shard1of1.bin"
    shard.write_bytes(shard.read_bytes()[:100_000])
    context = cat_camera.new_context()
    pg = record(context.new_page()).page
    try:
        pg.goto(demo_url(own_server))
        pg.wait_for_function("() => window.__demo.error", timeout=60_000)
        message = pg.locator("#error").inner_text()
        assert "does not match its manifest" in message and "truncated" in message
    finally:
        context.close()


def test_gallery_storage_panel_lists_and_clears_cached_models(cat_camera, own_server):
    context = cat_camera.new_context()
    pg = record(context.new_page()).page
    try:
        classify(pg, demo_url(own_server))
        pg.goto(own_server.url + "/")
        pg.wait_for_selector(f'[data-testid="cached-models"] li[data-model="{MOBILENET_ID}"]')
        assert "1 model cached" in pg.get_by_test_id("storage-summary").inner_text()
        pg.get_by_test_id("clear-cache").click()
        pg.wait_for_function("() => !document.querySelector('[data-testid=\"cached-models\"] li')")
        assert pg.evaluate("() => tf.io.listModels().then((m) => Object.keys(m).length)") == 0
    finally:
        context.close()


@pytest.fixture
def exported_site(tmp_path):
    models = tmp_path / "models"
    install_shared_mobilenet(models)
    site = tmp_path / "site"
    # The real command (in a subprocess: Playwright's event loop owns this thread).
    subprocess.run([sys.executable, "-m", "server", "export", str(site), "--models-dir", str(models)], check=True)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(site), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def test_exported_site_runs_the_demos_from_a_plain_static_server(cat_camera, exported_site):
    context = cat_camera.new_context()
    rec = record(context.new_page())
    try:
        pg = rec.page
        pg.goto(exported_site + "/")
        assert pg.locator(".card").count() >= 3
        pg.goto(exported_site + "/demos/core_api/?backend=wasm")
        state = wait_ready(pg)
        assert state["result"]["add"] == [11, 22, 33, 44]
        assert "from the server" in classify(
            pg, f"{exported_site}/demos/mobilenet_webcam/?backend=wasm&model={MOBILENET_ID}"
        )
        rec.assert_clean(exported_site)
    finally:
        context.close()


@pytest.fixture
def exported_under_prefix(tmp_path):
    """The export with --base-url /gallery/, served from a root that holds nothing else, so a
    URL that escapes the prefix gets a 404."""
    models = tmp_path / "models"
    install_shared_mobilenet(models)
    root = tmp_path / "root"
    root.mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "export",
            str(root / "gallery"),
            "--models-dir",
            str(models),
            "--base-url",
            "/gallery/",
        ],
        check=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(root), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}", process
    process.terminate()
    process.wait(timeout=10)


def test_exported_site_under_a_base_url_runs_and_works_offline(cat_camera, exported_under_prefix):
    origin, server = exported_under_prefix
    site = origin + "/gallery/"
    webcam = f"{site}demos/mobilenet_webcam/?backend=wasm&model={MOBILENET_ID}"
    context = cat_camera.new_context()
    rec = record(context.new_page())
    try:
        pg = rec.page
        pg.goto(site)
        assert pg.locator(".card").count() >= 3
        assert pg.locator(".card img").first.evaluate("(img) => img.complete && img.naturalWidth > 0")
        assert pg.evaluate("() => navigator.serviceWorker.ready.then((r) => r.scope)") == site
        pg.goto(site + "demos/core_api/?backend=wasm")
        assert wait_ready(pg)["result"]["add"] == [11, 22, 33, 44]
        pg.locator("nav.crumbs a").click()  # back to the gallery, inside the prefix
        pg.wait_for_url(site)
        assert "from the server" in classify(pg, webcam)
        rec.assert_clean(origin)
        assert [url for url in rec.requests if not url.startswith(site)] == []
        # With the host gone, the service worker (scope /gallery/) serves the shell, and the
        # model comes from IndexedDB.
        pg.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
        server.terminate()
        server.wait(timeout=10)
        assert "from the browser cache" in classify(pg, webcam)
        pg.goto(site)
        assert pg.locator(".card").count() >= 3
    finally:
        context.close()
