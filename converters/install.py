"""pull, defaults and convert: build a model into a staging folder, then install it.

Every model takes the same path, whatever its source (converters/sources/): the source's
build writes model.json and shards, labels.txt is added for classifiers (and must name
as many classes as the model outputs), TF.js itself loads the result (Node), and only
then is the manifest written (server/manifest.py) and the folder swapped into
models/<id> (staging.py). A model trained here is pulled like a downloaded one.

"Already installed" means: models/<id> holds a manifest from the same recipe (every field
the catalog entry decides: source, format, quantization, but also input, output, labels, the
decoder's settings) and every file still matches its sha256. Then nothing is fetched,
trained, converted or even imported, so `defaults` is instant the second time; and when a
new version of the gallery changes an entry (say, a new field a demo needs), the model is
built again instead of keeping a manifest that no longer says what the demo expects.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from converters import catalog, convert, labels, sources, staging, tfjs_node
from converters.catalog import Entry
from converters.console import ConverterError, step
from converters.sources import keras_file
from server import manifest

Build = Callable[[Path], "convert.Conversion | None"]


def recipe(entry: Entry) -> str:
    """A fingerprint of what the catalog entry decides, stored in the manifest it builds."""
    fields = json.dumps(entry.manifest_fields(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(fields.encode()).hexdigest()


def is_installed(models_dir: Path, entry: Entry) -> bool:
    """True when models/<id> was built from the same recipe and its files are intact."""
    folder = models_dir / entry.id
    found = manifest.read(folder)
    return found is not None and found.get("recipe") == recipe(entry) and not manifest.check_files(folder, found)


def build_into(entry: Entry, folder: Path, build: Build, check_in_tfjs: bool = True) -> dict[str, Any]:
    """Build into the empty `folder`, add labels.txt, check it in TF.js, write the manifest.

    The one way a model folder gets made: `install` runs it in a staging folder, a
    training run asked for a folder of its own (train_mnist.write_model_folder) directly.
    """
    built_from = recipe(entry)  # before the conversion fills in what only it knows
    conversion = build(folder)
    entry = _complete(entry, conversion, folder)
    names = _labels(entry, conversion)
    if names is not None:
        _check_label_count(entry, conversion, folder, len(names))
        (folder / "labels.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    if check_in_tfjs:
        step(f"{entry.id}: checking that TF.js (Node) loads it")
        tfjs_node.check_loads(folder, entry.format)
    try:
        fields = {**entry.manifest_fields(), **(conversion.fields if conversion else {}), "recipe": built_from}
        return manifest.write(folder, fields)
    except manifest.ManifestError as error:
        raise ConverterError(f"{entry.id}: {error}") from None


def install(entry: Entry, models_dir: Path, build: Build, force: bool = False) -> dict[str, Any] | None:
    """Build with `build(staging_folder)` and install as models/<entry.id>.

    Returns the new manifest, or None when the model was already installed.
    """
    if not manifest.valid_id(entry.id):
        raise ConverterError(f"invalid model id {entry.id!r}: use {manifest.ID_RULE}")
    if not force and is_installed(models_dir, entry):
        print(f"{entry.id}: already installed (files match manifest sha256)")
        return None
    with staging.staged_install(models_dir, entry.id) as folder:
        step(f"{entry.id}: building in {folder}")
        written = build_into(entry, folder, build)
    summary = f"{written['weight_bytes'] / 1e6:.1f} MB of weights, sha256 {written['sha256'][:12]}"
    if "training" in written:
        summary = f"held-out accuracy {written['training']['test_accuracy']:.4f}, " + summary
    print(f"{entry.id}: installed in {models_dir / entry.id} ({summary})")
    return written


def _labels(entry: Entry, conversion: convert.Conversion | None) -> list[str] | None:
    if conversion is not None and conversion.labels is not None:
        return conversion.labels
    if entry.labels == catalog.LABELS_FROM_BUILD:
        raise ConverterError(f"internal error: the build of {entry.id} gave no class names")
    return labels.load(entry.labels) if entry.labels else None


def _check_label_count(entry: Entry, conversion: convert.Conversion | None, folder: Path, count: int) -> None:
    """A label per class: refuse a labels file that would shift or leave out class names."""
    shape = (conversion.output if conversion else convert.graph_output(folder / "model.json")).shape
    outputs = shape[-1] if shape else -1
    if outputs <= 0:
        return  # a free last dimension: nothing to compare with
    background = bool(entry.output.get("background_class"))
    if count != outputs - background:
        extra = " (one of them the background class)" if background else ""
        raise ConverterError(
            f"{entry.id}: the labels name {count} classes but the model outputs {outputs} "
            f"values{extra}: give one label per class, in output order"
        )


def _complete(entry: Entry, conversion: convert.Conversion | None, folder: Path) -> Entry:
    """Fill in what only the converted model knows: the output node name, and for
    uncatalogued models their input and output shapes."""
    output = dict(entry.output)
    if conversion is None:
        output["name"] = convert.graph_output(folder / "model.json").name
        return dataclasses.replace(entry, output=output)
    if conversion.format != entry.format:
        raise ConverterError(f"internal error: {entry.id} became a {conversion.format} model")
    output["name"] = conversion.output.name
    if output.get("shape") is None:
        output["shape"] = conversion.output.shape
    if output.get("activation") is None:
        output["activation"] = conversion.activation or "none"
    input_ = dict(entry.input)
    if input_.get("shape") is None:
        input_["shape"] = conversion.input.shape
        input_["dtype"] = conversion.input.dtype
    return dataclasses.replace(entry, input=input_, output=output)


def entry_for(target: str, quantization: str | None = None, new_id: str | None = None) -> Entry:
    """The catalog entry for an id, or the entry a source makes for another target (a TF
    Hub handle)."""
    entry = catalog.get(target)
    for source in sources.registry().values():
        if entry is None and source.entry_for is not None:
            entry = source.entry_for(target)
    if entry is None:
        raise ConverterError(
            f"unknown model id {target!r}. Known ids: {', '.join(catalog.CATALOG)}; "
            "or pass a TF Hub handle (https://...), or use `convert <path>` for your own file"
        )
    if quantization and entry.source["kind"] == "npm":
        raise ConverterError(
            f"{entry.id} is installed as shipped (already a TF.js model with "
            f"{entry.quantization or 'float32'} weights); --quantize does not apply"
        )
    entry = catalog.quantized_variant(entry, quantization)
    if new_id:
        entry = dataclasses.replace(entry, id=new_id, default=False)
    return entry


def pull(
    target: str,
    models_dir: Path,
    quantization: str | None = None,
    new_id: str | None = None,
    force: bool = False,
    **options,
) -> dict[str, Any] | None:
    """Install a catalog model (or a TF Hub handle). `options` go to the source's build:
    models trained here take epochs, limit and seed."""
    entry = entry_for(target, quantization, new_id)
    source = sources.get(entry.source["kind"])
    options = {name: value for name, value in options.items() if value is not None}
    unknown = sorted(set(options) - source.options)
    if unknown:
        trained = [e.id for e in catalog.CATALOG.values() if e.source["kind"] == "trained"]
        raise ConverterError(
            f"{', '.join('--' + name for name in unknown)}: only for the models "
            f"trained here ({', '.join(trained)}), not for {entry.id}"
        )
    return install(entry, models_dir, lambda folder: source.build(entry, folder, **options), force)


def defaults(models_dir: Path, force: bool = False, train: bool = True) -> None:
    """Everything obtainable without a model hub: EfficientNet-Lite0, the pose models and
    (train=True) the digit and sketch classifiers, trained here once if missing."""
    for entry in catalog.CATALOG.values():
        if entry.default and (train or entry.source["kind"] != "trained"):
            pull(entry.id, models_dir, force=force)


def convert_file(
    path: Path,
    models_dir: Path,
    to: str | None = None,
    quantization: str | None = None,
    new_id: str | None = None,
    task: str = "custom",
    title: str | None = None,
    labels_file: Path | None = None,
    mean: float = 0.0,
    std: float = 1.0,
    activation: str | None = None,
    force: bool = False,
) -> dict[str, Any] | None:
    """A user's Keras file or SavedModel folder -> models/<id> (id defaults to the file name).

    The input spec (mean, std) and task come from the user: a file does not record how
    its model wants pixels scaled. Shapes, dtypes and a final softmax are read from it.
    """
    entry = keras_file.entry_for_file(path, to, quantization, new_id, task, title, labels_file, mean, std, activation)
    return install(entry, models_dir, lambda folder: keras_file.build(entry, folder), force)
