"""Teach a classifier, pose mode, in headless Chromium, from real photos: two postures (the
seated astronaut, Grace Hopper's portrait), trained and measured on held-out examples; the
export loaded by the unmodified @teachablemachine/pose library gives the same top-1; a reload
keeps the pose project; `python -m converters import` installs the pose zip; and the bad
inputs: a picture with nobody in it, changing the mode of a project that has examples."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path
from urllib.request import urlopen

import numpy as np
import pytest
from PIL import Image

from converters import install
from converters.cli import main as converters_main
from tests.browser import launch, record, wait_ready
from tests.conftest import ARTIFACTS, REPO
from tests.fake_camera import write_y4m
from tests.photos import crops, photo

pytestmark = pytest.mark.browser

DEMO = "/demos/teach/"
POSTURES = {"seated": "astronaut", "portrait": "grace_hopper"}
PER_CLASS = 10  # every 5th is held out: 8 to train on, 2 held out per class
TM_POSE = REPO / "node_modules" / "@teachablemachine" / "pose" / "dist" / "teachablemachine-pose.min.js"
# @teachablemachine/pose 0.8.6 bundles its own TensorFlow.js 1.3.1 core, which shares the
# page's global engine: the page must load the TF.js it was built for (its peer dependency,
# installed under another name as a test-only devDependency). Tried with the gallery's 4.22
# instead: estimatePose() dies in posenet's padAndResizeTo ("fromPixels is not a function").
TFJS_FOR_TM_POSE = REPO / "node_modules" / "tfjs-for-teachablemachine-pose" / "dist" / "tf.min.js"
# Where @tensorflow-models/posenet 2.2 (inside tmPose) fetches PoseNet MobileNetV1 0.75,
# stride 16: its own hosted files (tmPose passes it no modelUrl). The test answers those
# requests with the gallery's copy of the same weights (legacy_posenet below).
POSENET_HOSTED = "**/tfjs-models/savedmodel/posenet/mobilenet/float/075/*"


@pytest.fixture(scope="module")
def pose_files(tmp_path_factory) -> dict[str, list[str]]:
    folder = tmp_path_factory.mktemp("teach-pose-photos")
    files = {}
    for seed, (name, source) in enumerate(POSTURES.items()):
        files[name] = []
        for i, picture in enumerate(crops(photo(source), PER_CLASS, seed + 10, sides=(0.8, 0.97))):
            path = folder / f"{name}-{i}.jpg"
            picture.save(path, quality=90)
            files[name].append(str(path))
    return files


@pytest.fixture(scope="module")
def nobody(tmp_path_factory) -> dict[str, Path]:
    """Real photos with no person in them."""
    folder = tmp_path_factory.mktemp("teach-nobody")
    out = {}
    for name in ("coffee", "rocket", "chelsea"):
        out[name] = folder / f"{name}.jpg"
        Image.fromarray(photo(name)).save(out[name], quality=90)
    return out


@pytest.fixture(scope="module")
def pose_models(models_dir) -> Path:
    install.pull("efficientnet-lite0", models_dir)
    install.pull("posenet", models_dir)
    return models_dir


def legacy_posenet(model_json: dict) -> dict:
    """The gallery's PoseNet graph in the ops of TF.js 1.3's converter, which tmPose bundles.

    The gallery's copy was converted with fused ops (`_FusedConv2D` and
    `FusedDepthwiseConv2dNative`, each a convolution, its bias and maybe a ReLU6 in one); TF.js
    1.3 knows `_FusedConv2D` but not the fused depthwise op. Each fused node becomes its three
    plain ops (the last keeps the node's name, so its consumers are untouched); the weights do
    not change. TF.js 1.3 also ignores the signature: a graph's outputs are its nodes that
    nothing consumes, in the order listed, and posenet 2.2 reads them as offsets, heatmaps,
    forward and backward displacements, so the four output nodes go last in that order.
    """
    plain = {"_FusedConv2D": "Conv2D", "FusedDepthwiseConv2dNative": "DepthwiseConv2dNative"}
    conv_attrs = ("strides", "padding", "dilations", "data_format", "T")
    nodes = []
    for node in model_json["modelTopology"]["node"]:
        if node["op"] not in plain:
            nodes.append(node)
            continue
        fused = [base64.b64decode(x).decode() for x in node["attr"]["fused_ops"]["list"]["s"]]
        assert fused in (["BiasAdd"], ["BiasAdd", "Relu6"]), fused
        x, kernel, bias = node["input"]
        name = node["name"]
        conv = {
            "name": f"{name}/plain_conv",
            "op": plain[node["op"]],
            "input": [x, kernel],
            "attr": {k: v for k, v in node["attr"].items() if k in conv_attrs},
        }
        add_name = name if fused == ["BiasAdd"] else f"{name}/plain_bias"
        add = {
            "name": add_name,
            "op": "BiasAdd",
            "input": [conv["name"], bias],
            "attr": {"T": node["attr"]["T"], "data_format": node["attr"]["data_format"]},
        }
        nodes += [conv, add]
        if fused == ["BiasAdd", "Relu6"]:
            nodes.append({"name": name, "op": "Relu6", "input": [add_name], "attr": {"T": node["attr"]["T"]}})
    order = ["offset_2", "heatmap_2", "displacement_fwd_2", "displacement_bwd_2"]
    outputs = [f"MobilenetV1/{o}/BiasAdd" for o in order]
    nodes = [n for n in nodes if n["name"] not in outputs] + sorted(
        (n for n in nodes if n["name"] in outputs), key=lambda n: outputs.index(n["name"])
    )
    return {**model_json, "modelTopology": {**model_json["modelTopology"], "node": nodes}}


def open_pose_project(page, live_server):
    page.goto(f"{live_server.url}{DEMO}?backend=wasm")
    wait_ready(page)
    page.select_option("[data-testid=mode]", "pose")
    page.wait_for_function(
        "() => window.__demo.teach.mode === 'pose' && window.__demo.model === 'posenet'", timeout=60_000
    )


def message(page) -> str:
    return page.locator("[data-testid=message]").inner_text()


def pose_of_still(page, picture: Path) -> dict:
    """The pose (and, once trained, the prediction) the page shows for one picture."""
    page.evaluate("() => { window.__demo.teach.pose = null; window.__demo.result = null; }")
    page.set_input_files("[data-testid=file]", str(picture))
    page.wait_for_function(
        "() => window.__demo.teach.pose && window.__demo.teach.pose.source === 'image'"
        " && (!window.__demo.teach.trained || (window.__demo.result && window.__demo.result.source === 'image'))",
        timeout=60_000,
    )
    return page.evaluate("() => ({pose: window.__demo.teach.pose, result: window.__demo.result})")


def teach_postures(page, pose_files, epochs: int = 30) -> dict:
    names = page.locator("[data-testid=class-name]")
    for i, name in enumerate(POSTURES):
        names.nth(i).fill(name)
        names.nth(i).dispatch_event("change")
    for i, name in enumerate(POSTURES):
        page.locator("[data-testid=upload]").nth(i).set_input_files(pose_files[name])
        page.wait_for_function(f"() => window.__demo.teach.classes[{i}].count === {PER_CLASS}", timeout=120_000)
    page.fill("[data-testid=epochs]", str(epochs))
    page.click("[data-testid=train]")
    page.wait_for_function(
        "() => (window.__demo.teach.evaluation && !window.__demo.teach.training) || window.__demo.error",
        timeout=120_000,
    )
    return page.evaluate("() => window.__demo.teach")


@pytest.fixture(scope="module")
def probes(tmp_path_factory) -> dict[str, Path]:
    """Each posture's whole photo: in no class (the examples are crops of it)."""
    folder = tmp_path_factory.mktemp("teach-pose-probe")
    out = {}
    for name, source in POSTURES.items():
        out[name] = folder / f"{name}-probe.png"
        Image.fromarray(photo(source)).save(out[name])
    return out


@pytest.fixture(scope="module")
def trained(browser, live_server, pose_models, pose_files, probes, tmp_path_factory):
    """One pose project taught for real, kept open: several tests read it."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    rec = record(context.new_page())
    page = rec.page
    open_pose_project(page, live_server)
    state = teach_postures(page, pose_files)
    folder = tmp_path_factory.mktemp("teach-pose-export")
    with page.expect_download() as download:
        page.click("[data-testid=export-model]")
    model_zip = folder / download.value.suggested_filename
    download.value.save_as(model_zip)
    seen = {name: pose_of_still(page, probe) for name, probe in probes.items()}
    page.screenshot(path=ARTIFACTS / "teach_pose_trained.png", full_page=True)
    # The features the page computed for each class's first example, as kept in IndexedDB.
    features = page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('teach-classifier');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const all = open.result.transaction('examples').objectStore('examples').getAll();
            all.onsuccess = () => {
                const first = {};
                for (const e of all.result.sort((a, b) => a.id - b.id)) {
                    if (!(e.classId in first)) first[e.classId] = Array.from(e.embedding);
                }
                resolve(Object.values(first));
            };
        };
    })""")
    yield {
        "context": context,
        "rec": rec,
        "page": page,
        "state": state,
        "zip": model_zip,
        "seen": seen,
        "features": dict(zip(POSTURES, features, strict=True)),
    }
    context.close()


def test_two_postures_from_real_photos_score_on_held_out(trained):
    state = trained["state"]
    page = trained["page"]
    assert page.evaluate("() => window.__demo.inference") == "worker"
    assert "14739 features per pose" in page.locator("[data-testid=model-info]").inner_text()
    evaluation = state["evaluation"]
    assert evaluation["heldOut"] == 4  # 2 of 10 per class
    assert evaluation["accuracy"] == 1, evaluation
    first, last = state["history"][0], state["history"][-1]
    assert last["loss"] < first["loss"]
    assert last["valLoss"] is not None
    for name, seen in trained["seen"].items():
        assert seen["result"]["top"][0]["label"] == name, seen["result"]
        # The skeleton drawn: at least the head and shoulders of the person, inside the photo.
        names = {k["name"] for k in seen["pose"]["keypoints"]}
        assert {"nose", "left_shoulder", "right_shoulder"} <= names, names
    # Grace Hopper's nose tip in the photo's pixels (512 x 600), read on a 20-pixel grid drawn
    # over a zoomed crop: (265, 242).
    nose = next(k for k in trained["seen"]["portrait"]["pose"]["keypoints"] if k["name"] == "nose")
    assert abs(nose["x"] - 265) < 20 and abs(nose["y"] - 242) < 20, nose
    print("embed ms per pose example:", state["measured"]["embedMs"])
    trained["rec"].assert_clean(page.url.split("/demos/")[0])


def test_export_has_teachable_machine_pose_files(trained):
    assert trained["zip"].name == "my-pose-model.zip"
    with zipfile.ZipFile(trained["zip"]) as z:
        assert sorted(z.namelist()) == ["metadata.json", "model.json", "weights.bin"]
        meta = json.loads(z.read("metadata.json"))
        model = json.loads(z.read("model.json"))
    assert meta["labels"] == list(POSTURES)
    assert meta["packageName"] == "@teachablemachine/pose"
    assert meta["modelSettings"] == {
        "posenet": {"architecture": "MobileNetV1", "outputStride": 16, "inputResolution": 257, "multiplier": 0.75}
    }
    assert model["format"] == "layers-model"
    first = model["modelTopology"]["config"]["layers"][0]["config"]
    assert first["batch_input_shape"] == [None, 14739]


def test_unmodified_teachable_machine_pose_library_gives_the_same_top1(
    trained, browser, live_server, probes, pose_files, pose_models, tmp_path
):
    """A page loads TF.js 1.3.1 and @teachablemachine/pose 0.8.6 as published, then
    tmPose.load(model.json, metadata.json), estimatePose() and predict() on each probe photo,
    as Teachable Machine's own example code does. PoseNet comes from the gallery's files, in
    place of the hosted copy the library asks for."""
    folder = tmp_path / "tm"
    with zipfile.ZipFile(trained["zip"]) as z:
        z.extractall(folder)
    for name, probe in probes.items():
        (folder / f"{name}.png").write_bytes(probe.read_bytes())
        (folder / f"{name}-example.jpg").write_bytes(Path(pose_files[name][0]).read_bytes())
    images = "".join(
        f"<img id='{name}' src='/tm-test/{name}.png'><img id='{name}-example' src='/tm-test/{name}-example.jpg'>"
        for name in probes
    )
    (folder / "index.html").write_text(
        "<!doctype html><script src='/tm-test/tf.min.js'></script>"
        f"<script src='/tm-test/teachablemachine-pose.min.js'></script>{images}"
    )
    posenet = pose_models / "posenet"
    (folder / "posenet-1.3.json").write_text(
        json.dumps(legacy_posenet(json.loads((posenet / "model.json").read_text())))
    )
    context = browser.new_context(service_workers="block")
    rec = record(context.new_page())
    page = rec.page
    asked = []

    def serve(route):
        name = route.request.url.split("/tm-test/", 1)[1]
        libraries = {"teachablemachine-pose.min.js": TM_POSE, "tf.min.js": TFJS_FOR_TM_POSE}
        route.fulfill(path=str(libraries.get(name, folder / name)))

    def serve_posenet(route):
        name = route.request.url.rsplit("/", 1)[1]
        asked.append(name)
        path = folder / "posenet-1.3.json" if name == "model-stride16.json" else posenet / name
        route.fulfill(path=str(path), headers={"Access-Control-Allow-Origin": "*"})

    page.route("**/tm-test/**", serve)
    page.route(POSENET_HOSTED, serve_posenet)
    page.goto(f"{live_server.url}/tm-test/index.html")
    result = page.evaluate(
        """async (names) => {
        await tf.setBackend('cpu');
        const model = await tmPose.load('/tm-test/model.json', '/tm-test/metadata.json');
        const out = {labels: model.getClassLabels(), classes: model.getTotalClasses(), tfjs: tf.version.tfjs, backend: tf.getBackend()};
        const estimate = async (id) => {
            const img = document.getElementById(id);
            await img.decode();
            const canvas = Object.assign(document.createElement('canvas'), {width: img.naturalWidth, height: img.naturalHeight});
            canvas.getContext('2d').drawImage(img, 0, 0);
            return model.estimatePose(canvas);
        };
        for (const name of names) {
            const {pose, posenetOutput} = await estimate(name);
            const predictions = await model.predict(posenetOutput);
            out[name] = {features: posenetOutput.length, predictions: predictions.map(p => [p.className, p.probability]),
                         nose: pose && pose.keypoints[0].position,
                         example: Array.from((await estimate(name + '-example')).posenetOutput)};
        }
        return out;
    }""",
        list(probes),
    )
    assert result["tfjs"] == "1.3.1"
    assert result["labels"] == list(POSTURES) and result["classes"] == 2
    assert asked == ["model-stride16.json", "posenet.bin"]
    for name in probes:
        mine = trained["seen"][name]["result"]["top"]
        theirs = sorted(result[name]["predictions"], key=lambda p: -p[1])
        assert result[name]["features"] == 14739
        assert theirs[0][0] == mine[0]["label"] == name
        assert abs(theirs[0][1] - mine[0]["probability"]) < 0.05, (theirs, mine)
        # The same numbers, not only the same answer: tmPose's feature vector for the class's
        # first example against the one the page computed and kept for it.
        ours, tm = np.array(trained["features"][name]), np.array(result[name]["example"])
        difference = np.abs(ours - tm)
        print(
            name, "features: max difference", difference.max(), "mean", difference.mean(), "range", tm.min(), tm.max()
        )
        assert difference.max() < 0.01 and difference.mean() < 0.001  # measured: 8e-4 and 3e-5
        # And the same nose (tmPose decodes several people; the first is the strongest).
        nose = next(k for k in trained["seen"][name]["pose"]["keypoints"] if k["name"] == "nose")
        print(name, "nose", nose, result[name]["nose"])
        assert abs(nose["x"] - result[name]["nose"]["x"]) < 0.5 and abs(nose["y"] - result[name]["nose"]["y"]) < 0.5
    assert rec.page_errors == []
    context.close()


def test_reload_keeps_the_pose_project(trained, probes):
    page = trained["page"]
    page.reload()
    wait_ready(page)
    state = page.evaluate("() => window.__demo.teach")
    assert state["mode"] == "pose"
    assert page.evaluate("() => window.__demo.model") == "posenet"
    assert page.locator("[data-testid=mode]").input_value() == "pose"
    assert [c["name"] for c in state["classes"]] == list(POSTURES)
    assert [c["count"] for c in state["classes"]] == [PER_CLASS] * 2
    assert state["trained"] is True
    # The restored head predicts before any new training.
    for name, probe in probes.items():
        assert pose_of_still(page, probe)["result"]["top"][0]["label"] == name
    page.screenshot(path=ARTIFACTS / "teach_pose_reloaded.png", full_page=True)


def test_converters_import_installs_the_pose_zip(trained, models_dir, live_server, tmp_path):
    assert (
        converters_main(
            ["--models-dir", str(models_dir), "import", str(trained["zip"]), "--id", "teach-pose-test", "--force"]
        )
        == 0
    )
    found = json.loads((models_dir / "teach-pose-test" / "manifest.json").read_text())
    assert found["task"] == "pose-classification"
    assert found["format"] == "layers"
    assert found["source"]["origin"] == "trained in the browser"
    assert found["input"]["shape"] == [-1, 14739]
    assert found["output"]["classes"] == 2
    assert found["pose"] == {
        "family": "posenet",
        "architecture": "MobileNetV1",
        "multiplier": 0.75,
        "output_stride": 16,
        "input_resolution": 257,
    }
    assert (models_dir / "teach-pose-test" / "labels.txt").read_text().split() == list(POSTURES)
    assert set(found["files"]) == {"model.json", "weights.bin", "metadata.json", "labels.txt"}
    # A pose classifier is not offered to the image classification demos.
    listed = json.loads(urlopen(f"{live_server.url}/api/models").read())["models"]
    assert {m["id"]: m["task"] for m in listed}["teach-pose-test"] == "pose-classification"

    # The same zip as Teachable Machine's site writes it (no gallery userMetadata).
    with zipfile.ZipFile(trained["zip"]) as z:
        members = {name: z.read(name) for name in z.namelist()}
    meta = json.loads(members["metadata.json"])
    meta["userMetadata"] = {}
    site = tmp_path / "from-the-site.zip"
    with zipfile.ZipFile(site, "w") as z:
        for name, data in {**members, "metadata.json": json.dumps(meta).encode()}.items():
            z.writestr(name, data)
    assert converters_main(["--models-dir", str(models_dir), "import", str(site), "--id", "tm-pose-site"]) == 0
    assert json.loads((models_dir / "tm-pose-site" / "manifest.json").read_text())["source"]["origin"] == (
        "Teachable Machine export"
    )


def test_converters_import_refuses_a_pose_zip_whose_metadata_does_not_fit(trained, models_dir, tmp_path, capsys):
    """metadata.json's PoseNet at input 353 gives 23 x 23 x 51 numbers; this head takes 14,739."""
    with zipfile.ZipFile(trained["zip"]) as z:
        members = {name: z.read(name) for name in z.namelist()}
    meta = json.loads(members["metadata.json"])
    meta["modelSettings"]["posenet"]["inputResolution"] = 353
    bad = tmp_path / "mismatch.zip"
    with zipfile.ZipFile(bad, "w") as z:
        for name, data in {**members, "metadata.json": json.dumps(meta).encode()}.items():
            z.writestr(name, data)
    assert converters_main(["--models-dir", str(models_dir), "import", str(bad), "--id", "pose-mismatch"]) != 0
    said = capsys.readouterr()
    assert "gives 26979 numbers per pose, but the model takes 14739" in said.out + said.err
    assert not (models_dir / "pose-mismatch").exists()


def test_pose_examples_zip_round_trips_into_a_new_project(trained, tmp_path):
    page = trained["page"]
    with page.expect_download() as download:
        page.click("[data-testid=export-examples]")
    examples = tmp_path / "examples.zip"
    download.value.save_as(examples)
    with zipfile.ZipFile(examples) as z:
        names = z.namelist()
    assert sorted({n.split("/")[0] for n in names}) == sorted(POSTURES)
    assert len(names) == 2 * PER_CLASS
    page.click("[data-testid=reset]")
    page.wait_for_function("() => window.__demo.teach.classes.length === 2 && !window.__demo.teach.trained")
    assert page.evaluate("() => window.__demo.teach.mode") == "pose"  # a new project of the same mode
    page.set_input_files("[data-testid=import-examples]", str(examples))
    page.wait_for_function(
        f"() => window.__demo.teach.classes.reduce((n, c) => n + c.count, 0) === {2 * PER_CLASS}", timeout=120_000
    )
    assert [c["name"] for c in page.evaluate("() => window.__demo.teach.classes")] == ["Class 1", "Class 2", *POSTURES]


# ---- bad input ------------------------------------------------------------------------------


@pytest.fixture
def fresh_pose(page, live_server, pose_models):
    open_pose_project(page.page, live_server)
    return page


def test_a_photo_with_nobody_in_it_is_not_an_example(fresh_pose, pose_files, nobody):
    page = fresh_pose.page
    page.locator("[data-testid=upload]").nth(0).set_input_files([*map(str, nobody.values()), pose_files["seated"][0]])
    page.wait_for_function("() => window.__demo.teach.classes[0].count === 1", timeout=60_000)
    said = message(page)
    for name in nobody:
        assert f"{name}.jpg shows no person" in said, said
    assert "Added 1" in said
    page.wait_for_timeout(500)  # nothing else arrives later
    assert page.evaluate("() => window.__demo.teach.classes[0].count") == 1
    assert page.locator("[data-testid=class-card] img").count() == 1


def test_changing_the_mode_of_a_project_is_asked_and_starts_a_new_one(fresh_pose, pose_files):
    page = fresh_pose.page
    page.locator("[data-testid=upload]").nth(0).set_input_files(pose_files["seated"][:2])
    page.wait_for_function("() => window.__demo.teach.classes[0].count === 2", timeout=60_000)
    questions = []

    def answer(accept):
        def on_dialog(dialog):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return on_dialog

    # Refused: nothing changes.
    page.once("dialog", answer(False))
    page.select_option("[data-testid=mode]", "image")
    page.wait_for_function("() => document.querySelector('[data-testid=mode]').value === 'pose'")
    assert "Image mode is a new project: the 2 examples" in questions[0]
    assert "Export them first" in questions[0]
    assert page.evaluate("() => [window.__demo.teach.mode, window.__demo.teach.classes[0].count]") == ["pose", 2]
    # Accepted: a new, empty image project, kept across a reload.
    page.once("dialog", answer(True))
    page.select_option("[data-testid=mode]", "image")
    page.wait_for_function(
        "() => window.__demo.teach.mode === 'image' && window.__demo.model === 'efficientnet-lite0'", timeout=60_000
    )
    assert page.evaluate("() => window.__demo.teach.classes.map(c => c.count)") == [0, 0]
    assert "A new image project" in message(page)
    page.reload()
    wait_ready(page)
    assert page.evaluate("() => window.__demo.teach.mode") == "image"
    assert page.locator("[data-testid=mode]").input_value() == "image"


# ---- the camera ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cameras(playwright_instance, tmp_path_factory):
    """Two Chromiums: one whose camera shows the astronaut, one whose camera shows a coffee cup."""
    folder = tmp_path_factory.mktemp("teach-pose-camera")
    browsers = {
        name: launch(playwright_instance, write_y4m(photo(name), folder / f"{name}.y4m"))
        for name in ("astronaut", "coffee")
    }
    yield browsers
    for browser in browsers.values():
        browser.close()


def hold_record(page, seconds: float) -> None:
    page.locator("[data-testid=record]").nth(0).hover()
    page.mouse.down()
    page.wait_for_timeout(seconds * 1000)
    page.mouse.up()


def test_recording_from_the_camera_draws_the_skeleton_and_skips_empty_frames(cameras, live_server, pose_models):
    context = cameras["astronaut"].new_context(viewport={"width": 1280, "height": 1000})
    rec = record(context.new_page())
    page = rec.page
    open_pose_project(page, live_server)
    # Before any example or training, the skeleton follows the camera.
    page.wait_for_function(
        "() => window.__demo.teach.pose && window.__demo.teach.pose.source === 'camera'", timeout=60_000
    )
    pose = page.evaluate("() => window.__demo.teach.pose")
    assert pose["score"] > 0.25
    assert {"nose", "left_shoulder", "right_shoulder"} <= {k["name"] for k in pose["keypoints"]}
    hold_record(page, 3)
    page.wait_for_function("() => window.__demo.teach.classes[0].count > 0", timeout=30_000)
    count = page.evaluate("() => window.__demo.teach.classes[0].count")
    assert count >= 3, count
    assert page.locator("[data-testid=class-card]").nth(0).locator("img").count() == count
    page.screenshot(path=ARTIFACTS / "teach_pose_recording.png", full_page=True)
    rec.assert_clean(live_server.url)
    context.close()

    context = cameras["coffee"].new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    open_pose_project(page, live_server)
    page.wait_for_function(
        "() => window.__demo.teach.pose && window.__demo.teach.pose.source === 'camera'", timeout=60_000
    )
    hold_record(page, 2)
    assert "Nobody in view" in message(page)
    assert page.evaluate("() => window.__demo.teach.classes[0].count") == 0
    context.close()


def test_pose_mode_without_posenet_installed_says_so_and_keeps_the_project(
    browser, live_server, pose_models, pose_files
):
    """The pose base missing (its manifest answers 404, as for a model never pulled): the mode
    stays, and so does every example."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.route("**/models/posenet/manifest.json", lambda route: route.fulfill(status=404, body="not installed"))
    page.goto(f"{live_server.url}{DEMO}?backend=wasm")
    wait_ready(page)
    page.locator("[data-testid=upload]").nth(0).set_input_files(pose_files["seated"][:2])
    page.wait_for_function("() => window.__demo.teach.classes[0].count === 2", timeout=60_000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.select_option("[data-testid=mode]", "pose")
    page.wait_for_function("() => window.__demo.error", timeout=30_000)
    assert "python -m converters pull posenet" in page.evaluate("() => window.__demo.error")
    assert page.locator("[data-testid=mode]").input_value() == "image"
    assert page.evaluate("() => [window.__demo.teach.mode, window.__demo.teach.classes[0].count]") == ["image", 2]
    page.reload()
    wait_ready(page)
    assert page.evaluate("() => [window.__demo.teach.mode, window.__demo.teach.classes[0].count]") == ["image", 2]
    context.close()
