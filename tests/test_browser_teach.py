"""Teach a classifier, in headless Chromium, from real photos: train three classes, measure on
the held-out examples, reload and find the project, export the model and load it with the
unmodified @teachablemachine/image library, import it with `python -m converters import` and
get the same answer from the webcam classification demo; and every bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from skimage import data as photos

from converters import install
from converters.cli import main as converters_main
from tests.browser import record, wait_ready
from tests.conftest import ARTIFACTS, REPO
from tests.photos import crops

pytestmark = pytest.mark.browser

DEMO = "/demos/teach/"
CLASSES = {"cat": photos.chelsea, "coffee": photos.coffee, "rocket": photos.rocket}
PER_CLASS = 10  # every 5th is held out: 8 to train on, 2 held out per class
TM_LIBRARY = REPO / "node_modules" / "@teachablemachine" / "image" / "dist" / "teachablemachine-image.min.js"


@pytest.fixture(scope="module")
def example_files(tmp_path_factory) -> dict[str, list[str]]:
    folder = tmp_path_factory.mktemp("teach-photos")
    files = {}
    for seed, (name, load) in enumerate(CLASSES.items()):
        files[name] = []
        for i, picture in enumerate(crops(load(), PER_CLASS, seed, sides=(0.6, 0.95))):
            path = folder / f"{name}-{i}.jpg"
            picture.save(path, quality=90)
            files[name].append(str(path))
    return files


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> Path:
    """A view of the coffee photo that is in no class: what every classifier is asked about."""
    path = tmp_path_factory.mktemp("teach-probe") / "coffee-probe.png"
    Image.fromarray(photos.coffee()[40:360, 100:520]).save(path)
    return path


@pytest.fixture(scope="module")
def base_model(models_dir) -> str:
    install.pull("efficientnet-lite0", models_dir)
    return "efficientnet-lite0"


def open_teach(page, live_server, query: str = ""):
    page.goto(f"{live_server.url}{DEMO}?backend=wasm&{query}")
    return wait_ready(page)


def name_classes(page) -> None:
    """A third class beside the two a new project has, and the three named after CLASSES."""
    page.fill("[data-testid=new-class]", "third")
    page.click("[data-testid=add-class]")
    names = page.locator("[data-testid=class-name]")
    for i, name in enumerate(CLASSES):
        names.nth(i).fill(name)
        names.nth(i).dispatch_event("change")


def teach(page, example_files, epochs: int = 25) -> dict:
    """Name three classes, upload their photos, train; returns window.__demo.teach."""
    name_classes(page)
    for i, name in enumerate(CLASSES):
        page.locator("[data-testid=upload]").nth(i).set_input_files(example_files[name])
        page.wait_for_function(f"() => window.__demo.teach.classes[{i}].count === {PER_CLASS}", timeout=120_000)
    page.fill("[data-testid=epochs]", str(epochs))
    page.click("[data-testid=train]")
    page.wait_for_function(
        "() => (window.__demo.teach.evaluation && !window.__demo.teach.training) || window.__demo.error",
        timeout=120_000,
    )
    return page.evaluate("() => window.__demo.teach")


def top1_of_still(page, picture: Path) -> dict:
    page.evaluate("() => { window.__demo.result = null; }")
    page.set_input_files("[data-testid=file]", str(picture))
    page.wait_for_function("() => window.__demo.result && window.__demo.result.source === 'image'", timeout=60_000)
    return page.evaluate("() => window.__demo.result.top[0]")


@pytest.fixture(scope="module")
def trained(browser, live_server, base_model, example_files, probe, tmp_path_factory):
    """One project taught for real, kept open: several tests read it."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    rec = record(context.new_page())
    page = rec.page
    open_teach(page, live_server)
    state = teach(page, example_files)
    folder = tmp_path_factory.mktemp("teach-export")
    with page.expect_download() as download:
        page.click("[data-testid=export-model]")
    model_zip = folder / "my-model.zip"
    download.value.save_as(model_zip)
    top = top1_of_still(page, probe)
    page.screenshot(path=ARTIFACTS / "teach_trained.png", full_page=True)
    yield {"context": context, "rec": rec, "page": page, "state": state, "zip": model_zip, "top": top}
    context.close()


def test_three_classes_from_real_photos_score_on_held_out(trained):
    state = trained["state"]
    assert trained["rec"].page.evaluate("() => window.__demo.inference") == "worker"
    evaluation = state["evaluation"]
    assert evaluation["heldOut"] == 6  # 2 of 10 per class
    assert evaluation["accuracy"] >= 5 / 6, evaluation
    assert len(state["history"]) == 25
    first, last = state["history"][0], state["history"][-1]
    assert last["loss"] < first["loss"]
    assert last["valLoss"] is not None
    # The probe is the coffee photo, in a crop no class has seen.
    assert trained["top"]["label"] == "coffee"
    trained["rec"].assert_clean(trained["page"].url.split("/demos/")[0])


def test_reload_finds_the_project_and_trains_further(trained, probe):
    page = trained["page"]
    page.reload()
    wait_ready(page)
    state = page.evaluate("() => window.__demo.teach")
    assert [c["name"] for c in state["classes"]] == list(CLASSES)
    assert [c["count"] for c in state["classes"]] == [PER_CLASS] * 3
    assert state["trained"] is True
    assert page.locator("[data-testid=class-card] img").count() == 3 * PER_CLASS
    # The restored head predicts before any new training...
    assert top1_of_still(page, probe)["label"] == "coffee"
    # ...and trains further from where it was (same held-out split).
    page.fill("[data-testid=epochs]", "3")
    page.click("[data-testid=train]")
    page.wait_for_function(
        "() => window.__demo.teach.history.length === 3 && !window.__demo.teach.training", timeout=60_000
    )
    again = page.evaluate("() => window.__demo.teach")
    assert again["history"][0]["loss"] < trained["state"]["history"][0]["loss"]
    assert again["evaluation"]["heldOut"] == 6
    page.screenshot(path=ARTIFACTS / "teach_reloaded.png", full_page=True)


def test_export_has_teachable_machine_files(trained):
    with zipfile.ZipFile(trained["zip"]) as z:
        assert sorted(z.namelist()) == ["metadata.json", "model.json", "weights.bin"]
        meta = json.loads(z.read("metadata.json"))
        model = json.loads(z.read("model.json"))
    assert meta["labels"] == list(CLASSES)
    assert meta["imageSize"] == 224
    assert meta["packageName"] == "@teachablemachine/image"
    assert model["format"] == "layers-model"
    assert model["weightsManifest"][0]["paths"] == ["weights.bin"]


def test_unmodified_teachable_machine_library_gives_the_same_top1(trained, browser, live_server, probe, tmp_path):
    """A page served from a temp folder loads TF.js (the gallery's) and @teachablemachine/image as
    published, then tmImage.load(model.json, metadata.json) and predict() on the probe photo.
    (A context without the gallery's service worker, which would answer before the test's route.)"""
    folder = tmp_path / "tm"
    with zipfile.ZipFile(trained["zip"]) as z:
        z.extractall(folder)
    (folder / "probe.png").write_bytes(probe.read_bytes())
    (folder / "index.html").write_text(
        "<!doctype html><script src='/vendor/tfjs/tf.es2017.min.js'></script>"
        "<script src='/tm-test/teachablemachine-image.min.js'></script><img id='probe' src='/tm-test/probe.png'>"
    )
    context = browser.new_context(service_workers="block")
    rec = record(context.new_page())
    page = rec.page

    def serve(route):
        name = route.request.url.split("/tm-test/", 1)[1]
        path = TM_LIBRARY if name == "teachablemachine-image.min.js" else folder / name
        route.fulfill(path=str(path))

    page.route("**/tm-test/**", serve)
    page.goto(f"{live_server.url}/tm-test/index.html")
    result = page.evaluate("""async () => {
        await tf.setBackend('wasm').catch(() => tf.setBackend('cpu'));
        const model = await tmImage.load('/tm-test/model.json', '/tm-test/metadata.json');
        const img = document.getElementById('probe');
        await img.decode();
        const all = await model.predict(img);
        return {labels: model.getClassLabels(), predictions: all.map(p => [p.className, p.probability]), classes: model.getTotalClasses()};
    }""")
    assert result["labels"] == list(CLASSES)
    assert result["classes"] == 3
    best = max(result["predictions"], key=lambda p: p[1])
    assert best[0] == trained["top"]["label"] == "coffee"
    assert abs(best[1] - trained["top"]["probability"]) < 0.1, (best, trained["top"])
    assert rec.page_errors == []
    context.close()


def test_converters_import_then_the_webcam_demo_agrees(trained, live_server, models_dir, probe, browser, capsys):
    assert (
        converters_main(
            ["--models-dir", str(models_dir), "import", str(trained["zip"]), "--id", "teach-test", "--force"]
        )
        == 0
    )
    found = json.loads((models_dir / "teach-test" / "manifest.json").read_text())
    assert found["task"] == "image-classification"
    assert found["source"]["origin"] == "trained in the browser"
    assert found["input"]["mean"] == 127 and found["input"]["std"] == 127 and found["input"]["crop_fraction"] == 1
    assert (models_dir / "teach-test" / "labels.txt").read_text().split() == list(CLASSES)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    rec = record(context.new_page())
    page = rec.page
    page.goto(f"{live_server.url}/demos/mobilenet_webcam/?backend=wasm&source=file&model=teach-test")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#model option')].some(o => o.value === 'teach-test')", timeout=60_000
    )
    page.set_input_files("[data-testid=file]", str(probe))
    page.wait_for_function(
        "() => (window.__demo.model === 'teach-test' && window.__demo.result && window.__demo.result.source === 'image')"
        " || window.__demo.error",
        timeout=120_000,
    )
    assert page.evaluate("() => window.__demo.error") is None
    top = page.evaluate("() => window.__demo.result.top[0]")
    page.screenshot(path=ARTIFACTS / "teach_imported_in_webcam_demo.png", full_page=True)
    assert top["label"] == trained["top"]["label"] == "coffee"
    assert abs(top["probability"] - trained["top"]["probability"]) < 0.1
    rec.assert_clean(live_server.url)
    context.close()


def test_examples_zip_round_trips_into_a_new_project(trained, tmp_path):
    page = trained["page"]
    with page.expect_download() as download:
        page.click("[data-testid=export-examples]")
    examples = tmp_path / "examples.zip"
    download.value.save_as(examples)
    with zipfile.ZipFile(examples) as z:
        names = z.namelist()
    assert sorted({n.split("/")[0] for n in names}) == sorted(CLASSES)
    assert len(names) == 3 * PER_CLASS
    page.click("[data-testid=reset]")
    page.wait_for_function("() => window.__demo.teach.classes.length === 2 && !window.__demo.teach.trained")
    page.set_input_files("[data-testid=import-examples]", str(examples))
    page.wait_for_function("() => window.__demo.teach.classes.reduce((n, c) => n + c.count, 0) === 30", timeout=120_000)
    names_now = [c["name"] for c in page.evaluate("() => window.__demo.teach.classes")]
    assert names_now == ["Class 1", "Class 2", *CLASSES]


# ---- bad input ------------------------------------------------------------------------------


@pytest.fixture
def fresh(page, live_server, base_model):
    open_teach(page.page, live_server)
    return page


def message(page) -> str:
    return page.locator("[data-testid=message]").inner_text()


def test_one_class_or_an_empty_class_refuses_to_train(fresh, example_files):
    page = fresh.page
    page.click("[data-testid=train]")
    assert "every class needs examples" in message(page)
    page.locator("[data-testid=upload]").nth(0).set_input_files(example_files["cat"][:3])
    page.wait_for_function("() => window.__demo.teach.classes[0].count === 3", timeout=60_000)
    page.locator("[data-testid=delete-class]").nth(1).click()
    page.click("[data-testid=train]")
    assert "two classes or more" in message(page)
    assert page.evaluate("() => window.__demo.teach.trained") is False


def test_unbalanced_classes_warn_and_a_non_image_is_refused(fresh, example_files, tmp_path):
    page = fresh.page
    page.locator("[data-testid=upload]").nth(0).set_input_files(example_files["cat"])
    page.wait_for_function("() => window.__demo.teach.classes[0].count === 10", timeout=60_000)
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    page.locator("[data-testid=upload]").nth(1).set_input_files([str(text), example_files["coffee"][0]])
    page.wait_for_function("() => window.__demo.teach.classes[1].count === 1", timeout=60_000)
    assert "notes.txt is not a picture" in message(page)
    page.fill("[data-testid=epochs]", "2")
    page.click("[data-testid=train]")
    page.wait_for_function("() => window.__demo.teach.trained && !window.__demo.teach.training", timeout=60_000)
    assert "Unbalanced classes: 10 examples against 1" in message(page)


def test_the_example_cap_is_said_on_the_page(fresh):
    page = fresh.page
    assert "of at most 1000 examples" in page.locator("[data-testid=cap]").inner_text()


def test_deleting_an_example(fresh, example_files):
    page = fresh.page
    page.locator("[data-testid=upload]").nth(0).set_input_files(example_files["cat"][:3])
    page.wait_for_function("() => window.__demo.teach.classes[0].count === 3", timeout=60_000)
    page.locator("[data-testid=delete-example]").first.click()
    assert page.evaluate("() => window.__demo.teach.classes[0].count") == 2
    page.reload()
    wait_ready(page)
    assert page.evaluate("() => window.__demo.teach.classes[0].count") == 2
