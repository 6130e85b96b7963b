"""python -m converters on small local models: every convert path, TF Hub through its
cache, the atomic install, the manifest, and the error messages.

Offline. Tiny models are built here in a session fixture, so TensorFlow is imported once;
parity is checked through the real TF.js runtime (Node, tfjs_runner.mjs). A few tests run
the CLI as a subprocess to check what a user sees: exit codes and no tracebacks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from converters import catalog, install, labels, tf_imports, verify
from converters.console import ConverterError
from server import manifest

REPO = Path(__file__).resolve().parent.parent

# tensorflowjs saves Keras models through a temporary .h5, which tf_keras calls legacy.
pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
SHARED_LABELS = REPO.parent / "shared" / "testdata" / "imagenet_labels.json"


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "converters", *args],
        cwd=REPO,
        text=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def assert_clean_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict[str, Path]:
    """Small models of every kind the convert command reads, with conv, BatchNorm and
    depthwise layers so the converter's graph rewrites (fused ops) are exercised."""
    folder = tmp_path_factory.mktemp("tiny")
    tf, tfk, k3 = tf_imports.tensorflow(), tf_imports.tf_keras(), tf_imports.keras3()

    def build(keras):
        tfk.utils.set_random_seed(1) if keras is tfk else keras.utils.set_random_seed(1)
        inputs = keras.Input((16, 16, 3))
        x = keras.layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU(6.0)(x)
        x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
        outputs = keras.layers.Dense(5, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        # Non-trivial BatchNorm statistics, so folding them into the conv matters.
        bn = next(layer for layer in model.layers if "batch_normalization" in layer.name)
        gamma, beta, mean, var = bn.get_weights()
        bn.set_weights([gamma * 1.5, beta + 0.1, mean + 0.2, var * 2.0])
        return model

    paths = {
        "tf_keras_h5": folder / "tf_keras_model.h5",
        "tf_keras_keras": folder / "tf_keras_model.keras",
        "keras3_keras": folder / "keras3_model.keras",
        "tf_keras_savedmodel": folder / "tf_keras_savedmodel",
        "savedmodel": folder / "plain_savedmodel",
    }
    legacy = build(tfk)
    legacy.save(paths["tf_keras_h5"])
    legacy.save(paths["tf_keras_keras"])
    legacy.save(paths["tf_keras_savedmodel"], save_format="tf")
    build(k3).save(paths["keras3_keras"])

    class Scale(tf.Module):
        """A non-Keras SavedModel: y = mean over pixels of x @ w (one logit per class)."""

        def __init__(self):
            self.w = tf.Variable(np.random.default_rng(2).normal(size=(3, 4)).astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([None, 16, 16, 3], tf.float32, name="images")])
        def __call__(self, images):
            return {"scores": tf.reduce_mean(tf.tensordot(images, self.w, 1), axis=[1, 2])}

    module = Scale()
    tf.saved_model.save(module, str(paths["savedmodel"]), signatures={"serving_default": module.__call__})
    return paths


@pytest.fixture
def models_dir(tmp_path) -> Path:
    """A fresh models folder per test (the conftest's session `models_dir` is the server's)."""
    return tmp_path / "models"


# ----------------------------------------------------------------------------- catalog, labels


def test_catalog_entries_follow_the_manifest_schema():
    for entry in catalog.CATALOG.values():
        assert manifest.valid_id(entry.id)
        fields = entry.manifest_fields()
        assert fields["format"] in ("graph", "layers")
        assert fields["input"]["dtype"] in ("float32", "int32")
        assert {"shape", "activation", "background_class", "classes"} <= set(fields["output"])
        if entry.task == "pose-detection":
            assert entry.pose["family"] in ("movenet", "posenet", "blazepose")
        if entry.task == "person-segmentation":
            assert fields["segmentation"]["activation"] in ("sigmoid", "softmax")
        if entry.task == "object-detection":
            detection = fields["detection"]
            cells = sum(rows * columns for rows, columns in (h["grid"] for h in detection["heads"]))
            assert entry.labels == "coco" and detection["classes"] == 80 and cells == 3549
            assert all(h["grid"][0] * h["stride"] == fields["input"]["shape"][2] for h in detection["heads"])
    defaults = {e.id for e in catalog.CATALOG.values() if e.default}
    assert defaults == {
        "efficientnet-lite0",
        "efficientnet-lite0-f16",
        "movenet-lightning",
        "movenet-thunder",
        "movenet-multipose",
        "posenet",
        "selfie",
        "nanodet",
        "blazepose-detector",
        "blazepose-lite",
        "blazepose-full",
        "mnist-cnn",
        "quickdraw-cnn",
        "facemesh-detection-short",
        "facemesh-attention",
        "facemesh",
        "handtrack",
        "handlandmark-full",
        "handlandmark-lite",
    }
    # Licences checked and refused (catalog.py, "Bodies and objects"): never offered.
    assert not {"meet", "centernet", "rvm"} & set(catalog.CATALOG)
    hub = [e for e in catalog.CATALOG.values() if e.source["kind"] == "tfhub"]
    assert len(hub) == 5 and all(e.output["background_class"] for e in hub if e.labels)


def test_quantized_variants_reuse_catalog_ids():
    base = catalog.get("efficientnet-lite0")
    assert catalog.quantized_variant(base, "float16").id == "efficientnet-lite0-f16"
    assert catalog.quantized_variant(base, "uint8").id == "efficientnet-lite0-u8"
    assert catalog.quantized_variant(base, None) is base


def test_coco_labels_come_from_the_npm_package():
    names = labels.coco()
    assert len(names) == 80 and names[0] == "person" and names[15] == "cat" and names[41] == "cup"
    assert names[79] == "toothbrush"


def test_imagenet_labels_come_from_the_npm_package():
    names = labels.imagenet()
    assert len(names) == 1000 and names[281] == "tabby, tabby cat" and names[967] == "espresso"
    assert "jack-o'-lantern" in names[607]
    if SHARED_LABELS.is_file():
        # The shared copy was cut at JS string concatenations and kept \' escapes; ours joins them.
        shared = json.loads(SHARED_LABELS.read_text())
        assert all(ours.startswith(theirs.replace("\\'", "'")) for ours, theirs in zip(names, shared, strict=False))


def test_list_shows_every_model_and_honours_the_models_dir_variable(tmp_path):
    done = run_cli("list", env={"GALLERY_MODELS_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    for model_id in catalog.CATALOG:
        assert model_id in done.stdout
    assert "no (defaults)" in done.stdout and "Apache-2.0" in done.stdout
    assert f"models folder: {tmp_path}" in done.stdout


# ----------------------------------------------------------------------------- convert paths

CONVERT_CASES = [
    # (fixture key, --to, --quantize, expected format)
    ("tf_keras_h5", None, None, "layers"),
    ("tf_keras_h5", "graph", None, "graph"),
    ("tf_keras_h5", "layers", "float16", "layers"),
    ("tf_keras_h5", "graph", "uint8", "graph"),
    ("tf_keras_keras", "layers", None, "layers"),
    ("tf_keras_savedmodel", "layers", None, "layers"),
    ("keras3_keras", None, None, "graph"),
    ("keras3_keras", "graph", "float16", "graph"),
    ("savedmodel", None, None, "graph"),
    ("savedmodel", "graph", "float16", "graph"),
]


@pytest.mark.parametrize(
    "key,to,quantize,expected",
    CONVERT_CASES,
    ids=[f"{k}-{t or 'auto'}-{q or 'float32'}" for k, t, q, _ in CONVERT_CASES],
)
def test_convert_paths_match_the_original_in_tfjs(tiny, models_dir, key, to, quantize, expected):
    written = install.convert_file(tiny[key], models_dir, to=to, quantization=quantize, new_id="m")
    assert written["format"] == expected and written["quantization"] == quantize
    assert (models_dir / "m" / "model.json").is_file()
    report = verify.verify(models_dir, "m")
    assert report.ok, report.problems
    tolerance = {None: 1e-4, "float16": 1e-2, "uint8": 0.1}[quantize]
    assert report.relative_diff < tolerance, report.lines
    if quantize != "uint8":
        assert report.top1_agree == report.top1_total


def test_quantization_shrinks_weights(tiny, models_dir):
    sizes = {
        q: install.convert_file(tiny["tf_keras_h5"], models_dir, to="layers", quantization=q, new_id=f"m-{q or 'f32'}")[
            "weight_bytes"
        ]
        for q in (None, "float16", "uint8")
    }
    assert sizes["float16"] == pytest.approx(sizes[None] / 2, rel=0.05)
    assert sizes["uint8"] < sizes["float16"] * 0.75  # a quarter, plus min/scale per tensor


def test_keras3_to_layers_is_refused_with_an_explanation(tiny, models_dir):
    with pytest.raises(ConverterError, match="Keras 3.*--to graph"):
        install.convert_file(tiny["keras3_keras"], models_dir, to="layers")
    assert not models_dir.exists() or not any(models_dir.iterdir())


def test_manifest_describes_a_converted_model(tiny, models_dir, tmp_path):
    names = tmp_path / "classes.txt"
    names.write_text("a\nb\nc\nd\ne\n")
    written = install.convert_file(
        tiny["tf_keras_h5"],
        models_dir,
        new_id="described",
        task="image-classification",
        labels_file=names,
        mean=127.5,
        std=127.5,
    )
    on_disk = json.loads((models_dir / "described" / "manifest.json").read_text())
    assert on_disk == written
    assert on_disk["input"]["shape"] == [-1, 16, 16, 3] and on_disk["input"]["range"] == [-1.0, 1.0]
    assert on_disk["output"] | {"name": None} == {
        "name": None,
        "shape": [-1, 5],
        "activation": "softmax",
        "background_class": False,
        "classes": 5,
    }
    assert on_disk["source"]["kind"] == "path" and on_disk["labels"] == "labels.txt"
    assert on_disk["tools"]["tensorflowjs"] == "4.22.0"
    files = on_disk["files"]
    assert set(files) == {"model.json", "group1-shard1of1.bin", "labels.txt"}
    for name, info in files.items():
        data = (models_dir / "described" / name).read_bytes()
        assert info == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    lines = "".join(f"{n} {files[n]['sha256']}\n" for n in sorted(files))
    assert on_disk["sha256"] == hashlib.sha256(lines.encode()).hexdigest()
    assert on_disk["bytes"] == sum(f["bytes"] for f in files.values())
    assert on_disk["weight_bytes"] == files["group1-shard1of1.bin"]["bytes"]


# ----------------------------------------------------------------------------- TF Hub


def _hub_cache(root: Path, handle: str) -> Path:
    return root / hashlib.sha1(handle.encode()).hexdigest()


def test_pull_hub_handle_from_the_hub_cache(tiny, models_dir, tmp_path, monkeypatch):
    handle = "https://tfhub.dev/example/tiny-scorer/1"
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "hub"))
    shutil.copytree(tiny["savedmodel"], _hub_cache(tmp_path / "hub", handle))
    written = install.pull(handle, models_dir)
    assert written["id"] == "example-tiny-scorer-1"
    assert written["source"] == {"kind": "tfhub", "handle": handle}
    assert written["input"]["shape"] == [-1, 16, 16, 3] and written["output"]["shape"] == [-1, 4]
    report = verify.verify(models_dir, "example-tiny-scorer-1")  # hub.load(handle) is the original
    assert report.ok and report.relative_diff < 1e-5, report.lines


def test_pull_catalog_hub_model_without_signature(models_dir, tmp_path, monkeypatch):
    """Some TF2 Hub modules have only a callable: a signature is traced from the catalog spec."""
    tf = tf_imports.tensorflow()
    entry = catalog.get("movenet-lightning-tfhub")

    class FakeMoveNet(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([1, 192, 192, 3], tf.int32)])
        def __call__(self, x):
            mean = tf.reduce_mean(tf.cast(x, tf.float32), axis=[1, 2]) / 255.0  # [1, 3]
            return tf.reshape(tf.tile(mean, [1, 17]), [1, 1, 17, 3])

    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "hub"))
    tf.saved_model.save(FakeMoveNet(), str(_hub_cache(tmp_path / "hub", entry.source["handle"])))
    written = install.pull("movenet-lightning-tfhub", models_dir)
    assert written["output"]["shape"] == [1, 1, 17, 3] and written["input"]["dtype"] == "int32"


def test_hub_unreachable_says_how_to_use_a_local_copy(tmp_path):
    handle = catalog.get("mobilenet-v1-025-224").source["handle"]
    # A dead proxy makes the hub unreachable even on machines that have internet.
    dead = "http://127.0.0.1:9"
    done = run_cli(
        "--models-dir",
        str(tmp_path / "models"),
        "pull",
        "mobilenet-v1-025-224",
        env={
            "TFHUB_CACHE_DIR": str(tmp_path / "hub"),
            "HTTPS_PROXY": dead,
            "https_proxy": dead,
            "HTTP_PROXY": dead,
            "http_proxy": dead,
        },
    )
    assert_clean_error(
        done, "cannot reach TF Hub", hashlib.sha1(handle.encode()).hexdigest(), "python -m converters convert"
    )
    assert not (tmp_path / "models" / "mobilenet-v1-025-224").exists()


# ----------------------------------------------------------------------------- atomic install


def test_failed_build_leaves_no_folder_and_keeps_the_old_version(models_dir):
    entry = install.entry_for("movenet-lightning")

    def half_written(folder: Path):
        (folder / "model.json").write_text("{}")
        raise RuntimeError("converter crashed midway")

    with pytest.raises(RuntimeError):
        install.install(entry, models_dir, half_written)
    assert list(models_dir.iterdir()) == []

    install.pull("movenet-lightning", models_dir)
    before = manifest.read(models_dir / "movenet-lightning")
    with pytest.raises(RuntimeError):
        install.install(entry, models_dir, half_written, force=True)
    assert manifest.read(models_dir / "movenet-lightning") == before
    assert [p.name for p in models_dir.iterdir()] == ["movenet-lightning"]


def test_pull_again_is_a_no_op_and_force_replaces(models_dir, capsys):
    install.pull("posenet", models_dir)
    shard = models_dir / "posenet" / "posenet.bin"
    stamp = shard.stat().st_mtime_ns
    assert install.pull("posenet", models_dir) is None
    assert "already installed" in capsys.readouterr().out
    assert shard.stat().st_mtime_ns == stamp
    replaced = install.pull("posenet", models_dir, force=True)
    assert replaced["sha256"] == manifest.read(models_dir / "posenet")["sha256"]
    assert sorted(p.name for p in models_dir.iterdir()) == ["posenet"]  # no staging or retired folders


def test_corrupt_shard_is_reported_and_repaired_by_pull(models_dir):
    install.pull("movenet-lightning", models_dir)
    shard = models_dir / "movenet-lightning" / "movenet-lightning.bin"
    data = bytearray(shard.read_bytes())
    data[1000] ^= 0xFF
    shard.write_bytes(bytes(data))
    report = verify.verify(models_dir, "movenet-lightning")
    assert not report.ok and any("movenet-lightning.bin" in p for p in report.problems)
    assert install.pull("movenet-lightning", models_dir) is not None  # not "already installed"
    assert verify.verify(models_dir, "movenet-lightning").ok


def test_posenet_model_json_is_fixed_for_pose_detection(models_dir):
    install.pull("posenet", models_dir)
    model_json = json.loads((models_dir / "posenet" / "model.json").read_text())
    outputs = [spec["name"] for spec in model_json["signature"]["outputs"].values()]
    assert [o.split("/")[1].removesuffix("_2") for o in outputs] == [
        "offset",
        "heatmap",
        "displacement_fwd",
        "displacement_bwd",
    ]
    (spec,) = model_json["signature"]["inputs"].values()
    assert [d["size"] for d in spec["tensorShape"]["dim"]] == ["-1", "-1", "-1", "3"]
    assert model_json["weightsManifest"][0]["paths"] == ["posenet.bin"]


# ----------------------------------------------------------------------------- bad input


def test_unknown_id_is_a_clear_error(tmp_path):
    done = run_cli("--models-dir", str(tmp_path), "pull", "no-such-model")
    assert_clean_error(done, "unknown model id 'no-such-model'", "efficientnet-lite0")
    assert_clean_error(
        run_cli("--models-dir", str(tmp_path), "verify", "no-such-model"), "no-such-model is not installed"
    )


def test_missing_and_foreign_files_are_clear_errors(tmp_path):
    models = ["--models-dir", str(tmp_path / "models")]
    assert_clean_error(run_cli(*models, "convert", str(tmp_path / "nothing.h5")), "no such file")
    (tmp_path / "notes.txt").write_text("hello")
    assert_clean_error(run_cli(*models, "convert", str(tmp_path / "notes.txt")), "not a model")
    (tmp_path / "fake.h5").write_text("not hdf5")
    assert_clean_error(run_cli(*models, "convert", str(tmp_path / "fake.h5")), "not a Keras model file")
    (tmp_path / "fake.keras").write_bytes(b"PK not really a zip")
    assert_clean_error(run_cli(*models, "convert", str(tmp_path / "fake.keras")), "not a Keras model file")
    (tmp_path / "folder").mkdir()
    assert_clean_error(run_cli(*models, "convert", str(tmp_path / "folder")), "not a SavedModel")
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_layer_tfjs_lacks_is_a_clear_error(models_dir, tmp_path):
    tfk = tf_imports.tf_keras()
    inputs = tfk.Input((4,))
    outputs = tfk.layers.Lambda(lambda t: t * 2.0)(inputs)
    path = tmp_path / "lambda.h5"
    tfk.Model(inputs, outputs).save(path)
    with pytest.raises(ConverterError, match="Lambda"):
        install.convert_file(path, models_dir, to="layers")
    assert not models_dir.exists() or not any(models_dir.iterdir())


def test_op_tfjs_lacks_is_a_clear_error(models_dir, tmp_path):
    tf = tf_imports.tensorflow()

    class Decompose(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([3, 3], tf.float32)])
        def __call__(self, x):
            return {"s": tf.linalg.svd(x, compute_uv=False)}

    module = Decompose()
    tf.saved_model.save(module, str(tmp_path / "svd"), signatures={"serving_default": module.__call__})
    with pytest.raises(ConverterError, match="TF.js cannot run this model.*Svd"):
        install.convert_file(tmp_path / "svd", models_dir)
    assert not models_dir.exists() or not any(models_dir.iterdir())


def test_convert_cli_end_to_end(tiny, tmp_path):
    """What a user types: convert, then convert again (no-op), list, verify."""
    models = ["--models-dir", str(tmp_path / "models")]
    done = run_cli(*models, "convert", str(tiny["keras3_keras"]), "--id", "mine")
    assert done.returncode == 0, done.stderr
    assert "Keras 3 model: converting to a graph model" in done.stderr
    assert "already installed" in run_cli(*models, "convert", str(tiny["keras3_keras"]), "--id", "mine").stdout
    assert "mine" in run_cli(*models, "list").stdout
    done = run_cli(*models, "verify", "mine")
    assert done.returncode == 0 and "OK" in done.stdout, done.stdout + done.stderr


def test_labels_must_name_one_class_per_output(tiny, models_dir, tmp_path):
    four = tmp_path / "four.txt"
    four.write_text("a\nb\nc\nd\n")  # the tiny classifier has 5 outputs
    with pytest.raises(ConverterError, match="labels name 4 classes but the model outputs 5 values"):
        install.convert_file(tiny["tf_keras_h5"], models_dir, new_id="short", labels_file=four)
    assert not (models_dir / "short").exists()

    five = tmp_path / "five.txt"
    five.write_text("a\nb\nc\nd\ne\n")
    install.convert_file(tiny["tf_keras_h5"], models_dir, new_id="edited", labels_file=five)
    folder = models_dir / "edited"
    (folder / "labels.txt").write_text("a\nb\nc\nd\n")  # edited afterwards, manifest rewritten to match
    derived = {"files", "bytes", "weight_bytes", "sha256", "tools", "created", "schema"}
    manifest.write(folder, {k: v for k, v in manifest.read(folder).items() if k not in derived})
    report = verify.verify(models_dir, "edited")
    assert not report.ok
    assert "labels.txt names 4 classes but the model outputs 5 values" in report.problems


# ----------------------------------------------------------------------------- sources, command line


def test_every_source_is_registered_once_and_describes_itself():
    from converters import sources

    kinds = sources.registry()
    assert set(kinds) == {"npm", "pypi", "tfhub", "path", "trained"}
    for entry in catalog.CATALOG.values():
        source = sources.get(entry.source["kind"])
        assert callable(source.build) and callable(source.original)
        assert sources.describe(entry.source).split()[0] in ("npm", "pypi", "tfhub", "trained")
    assert sources.get("trained").held_out is not None and sources.get("trained").options
    with pytest.raises(ConverterError, match="unknown model source 'ftp'"):
        sources.get("ftp")


def test_training_options_are_refused_for_models_not_trained_here(tmp_path):
    done = run_cli("pull", "posenet", "--epochs", "3", "--models-dir", str(tmp_path))
    assert_clean_error(done, "--epochs: only for the models trained here (mnist-cnn, quickdraw-cnn)")
    assert not any(tmp_path.iterdir())


def test_models_dir_goes_before_or_after_the_command(tmp_path):
    for args in (["--models-dir", str(tmp_path), "list"], ["list", "--models-dir", str(tmp_path)]):
        done = run_cli(*args)
        assert done.returncode == 0 and f"models folder: {tmp_path}" in done.stdout, done.stderr
    done = run_cli("--models-dir", str(tmp_path / "no"), "list", "--models-dir", str(tmp_path))
    assert f"models folder: {tmp_path}\n" in done.stdout  # the one after the command wins


def test_version_and_the_entry_points_pyproject_declares():
    import tomllib

    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("tfjs-gallery ") and "tensorflowjs 4.22.0" in done.stdout
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"tfjs-gallery": "server.cli:main", "tfjs-gallery-convert": "converters.cli:main"}
    for name, target in scripts.items():
        # What the installed script runs: load the entry point, argv[0] its name.
        code = (
            f"import sys; from importlib.metadata import EntryPoint; sys.argv = [{name!r}, '--help']; "
            f"sys.exit(EntryPoint({name!r}, {target!r}, 'console_scripts').load()())"
        )
        shown = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0 and shown.stdout.startswith("usage: "), shown.stderr
        if name == "tfjs-gallery-convert":
            assert shown.stdout.startswith(f"usage: {name} "), shown.stdout


def test_a_changed_catalog_entry_is_built_again(models_dir, monkeypatch, capsys):
    """A gallery update that changes what an entry says (here, its title) must not keep the
    manifest the previous version wrote: the recipe no longer matches, so pull rebuilds."""
    install.pull("posenet", models_dir)
    assert install.pull("posenet", models_dir) is None  # the same recipe: nothing to do
    changed = dataclasses.replace(catalog.CATALOG["posenet"], title="PoseNet, retitled")
    monkeypatch.setitem(catalog.CATALOG, "posenet", changed)
    written = install.pull("posenet", models_dir)
    assert written is not None and written["title"] == "PoseNet, retitled"
    assert written["recipe"] == install.recipe(changed)
    assert install.pull("posenet", models_dir) is None
