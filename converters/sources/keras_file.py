"""Source "path": your own Keras file (.h5, .keras) or SavedModel folder, through `convert`.

The file decides the format (convert.py: Keras 2 -> layers, Keras 3 and SavedModels ->
graph, unless --to says otherwise); you decide what the file cannot say: how pixels are
scaled (mean, std), the task, the labels. The source object records the path and a hash
of the bytes (convert.describe_source), so converting the same file again is a no-op and
a changed file is converted again. The file itself is the original `verify` compares with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from converters import catalog, convert, labels
from converters.catalog import Entry
from converters.console import ConverterError, step
from converters.sources import Source


def entry_for_file(
    path: Path,
    to: str | None = None,
    quantization: str | None = None,
    new_id: str | None = None,
    task: str = "custom",
    title: str | None = None,
    labels_file: Path | None = None,
    mean: float = 0.0,
    std: float = 1.0,
    activation: str | None = None,
) -> Entry:
    """The entry for a user's file; shapes, dtypes and a final softmax are read from the
    model when it is built (install._complete)."""
    path = Path(path).resolve()
    kind = convert.kind_of(path)  # a missing or foreign file fails before TensorFlow loads
    if kind == "keras3" and to is None:
        step(
            "Keras 3 model: converting to a graph model (TF.js 4.22 cannot load Keras 3 "
            "layers models); load it with tf.loadGraphModel"
        )
    classes = len(labels.read_file(labels_file)) if labels_file else None
    spec = catalog.image_input([], mean=mean, std=std)
    spec["shape"] = None
    return Entry(
        id=new_id or catalog.slug(path.stem if path.is_file() else path.name),
        title=title or path.name,
        task=task,
        format=convert.target_format(kind, to),
        source=convert.describe_source(path),
        licence="unknown (your own model)",
        input=spec,
        output={"name": None, "shape": None, "activation": activation, "background_class": False, "classes": classes},
        labels=str(Path(labels_file).resolve()) if labels_file else None,
        quantization=quantization,
    )


def build(entry: Entry, folder: Path) -> convert.Conversion:
    return convert.convert_path(Path(entry.source["path"]), entry.format, entry.quantization, folder)


def original(source: dict[str, Any]):
    path = Path(source["path"])
    if not path.exists():
        raise ConverterError(f"cannot compare with the original: {path} is gone")
    return convert.load_original(path)


SOURCE = Source(
    kind="path",
    describe=lambda source: f"file {Path(source['path']).name}",
    build=build,
    original=original,
)
