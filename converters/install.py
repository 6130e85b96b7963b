"""pull, defaults and convert: build a model into a staging folder, then install it.

Every path ends the same way: the source-specific builder writes model.json and shards,
labels.txt is added for classifiers, TF.js itself loads the result (Node), and only then
is the manifest written and the folder swapped into models/<id> (manifest.py).

"Already installed" means: models/<id> holds a manifest from the same recipe (source,
format, quantization) and every file still matches its sha256. Then nothing is fetched,
converted or even imported, so `defaults` is instant the second time.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

from converters import catalog, convert, human_models, labels, manifest, tfjs_node
from converters.catalog import Entry
from converters.console import ConverterError, step


def _build_npm(entry: Entry, folder: Path) -> convert.Conversion | None:
    human_models.build(entry, folder)
    return None  # already TF.js: the catalog entry describes it fully


def _build_tfhub(entry: Entry, folder: Path) -> convert.Conversion:
    from converters import tfhub

    return tfhub.build(entry, folder)


def _build_pypi(entry: Entry, folder: Path) -> convert.Conversion:
    from converters import pypi_efficientnet

    return pypi_efficientnet.build(entry, folder)


BUILDERS: dict[str, Callable[[Entry, Path], convert.Conversion | None]] = {
    "npm": _build_npm, "tfhub": _build_tfhub, "pypi": _build_pypi,
}


def _recipe(fields: dict[str, Any]) -> tuple:
    return fields.get("source"), fields.get("format"), fields.get("quantization")


def is_installed(models_dir: Path, entry: Entry) -> bool:
    """True when models/<id> was built from the same recipe and its files are intact."""
    folder = models_dir / entry.id
    found = manifest.read(folder)
    return (found is not None and _recipe(found) == _recipe(entry.manifest_fields())
            and not manifest.check_files(folder, found))


def _validate_id(model_id: str) -> None:
    if not catalog.ID_PATTERN.match(model_id):
        raise ConverterError(f"invalid model id {model_id!r}: use lower-case letters, digits, '.', '_' and '-'")


def install(entry: Entry, models_dir: Path, build: Callable[[Path], convert.Conversion | None],
            force: bool = False) -> dict[str, Any] | None:
    """Build with `build(staging_folder)` and install as models/<entry.id>.

    Returns the new manifest, or None when the model was already installed.
    """
    _validate_id(entry.id)
    if not force and is_installed(models_dir, entry):
        print(f"{entry.id}: already installed (files match manifest sha256)")
        return None
    step(f"{entry.id}: building into a staging folder in {models_dir}")
    with manifest.staged_install(models_dir, entry.id) as staging:
        conversion = build(staging)
        entry = _complete(entry, conversion, staging)
        if entry.labels:
            labels.write(entry.labels, staging)
        step(f"{entry.id}: checking that TF.js (Node) loads it")
        tfjs_node.check_loads(staging, entry.format)
        written = manifest.write(staging, entry.manifest_fields())
    print(f"{entry.id}: installed in {models_dir / entry.id} "
          f"({written['weight_bytes'] / 1e6:.1f} MB of weights, sha256 {written['sha256'][:12]})")
    return written


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
    """The catalog entry for an id or a TF Hub handle (uncatalogued handles get an ad-hoc one)."""
    if catalog.is_hub_handle(target):
        entry = next((e for e in catalog.CATALOG.values() if e.source.get("handle") == target), None)
        entry = entry or _adhoc_hub_entry(target)
    else:
        entry = catalog.get(target)
        if entry is None:
            raise ConverterError(
                f"unknown model id {target!r}. Known ids: {', '.join(catalog.CATALOG)}; "
                "or pass a TF Hub handle (https://...), or use `convert <path>` for your own file")
    if quantization and entry.source["kind"] == "npm":
        raise ConverterError(f"{entry.id} is installed as shipped (already a TF.js model with "
                             f"{entry.quantization or 'float32'} weights); --quantize does not apply")
    entry = catalog.quantized_variant(entry, quantization)
    if new_id:
        entry = dataclasses.replace(entry, id=new_id, default=False)
    return entry


def _adhoc_hub_entry(handle: str) -> Entry:
    # TF Hub's image models take [0, 1] pixels by convention; shapes come from the model.
    spec = catalog.image_input([], mean=0.0, std=255.0)
    spec["shape"] = None
    return Entry(id=catalog.id_from_handle(handle), title=handle, task="custom", format="graph",
                 source={"kind": "tfhub", "handle": handle}, licence="see the model's page",
                 input=spec, output={"name": None, "shape": None, "activation": None,
                                     "background_class": False, "classes": None})


def pull(target: str, models_dir: Path, quantization: str | None = None,
         new_id: str | None = None, force: bool = False) -> dict[str, Any] | None:
    entry = entry_for(target, quantization, new_id)
    return install(entry, models_dir, lambda folder: BUILDERS[entry.source["kind"]](entry, folder),
                   force)


def defaults(models_dir: Path, force: bool = False, train: bool = True) -> None:
    """Everything obtainable without a model hub: EfficientNet-Lite0 and the pose models,
    then (train=True) the digit and sketch classifiers, trained here once if missing."""
    for entry in catalog.CATALOG.values():
        if entry.default:
            pull(entry.id, models_dir, force=force)
    if train:
        train_model("mnist", models_dir, force)
        train_model("quickdraw", models_dir, force)


def train_model(name: str, models_dir: Path, force: bool = False, **options) -> dict[str, Any] | None:
    """`python -m converters train mnist|quickdraw`: train in Python, install as TF.js."""
    if name == "mnist":
        from converters.train_mnist import install_mnist

        return install_mnist(models_dir, force, **options)
    if name == "quickdraw":
        from converters.train_quickdraw import install_quickdraw

        return install_quickdraw(models_dir, force, **options)
    raise ConverterError(f"unknown training recipe {name!r}: use mnist or quickdraw")


def convert_file(path: Path, models_dir: Path, to: str | None = None,
                 quantization: str | None = None, new_id: str | None = None,
                 task: str = "custom", title: str | None = None, labels_file: Path | None = None,
                 mean: float = 0.0, std: float = 1.0, activation: str | None = None,
                 force: bool = False) -> dict[str, Any] | None:
    """A user's Keras file or SavedModel folder -> models/<id> (id defaults to the file name).

    The input spec (mean, std) and task come from the user: a file does not record how
    its model wants pixels scaled. Shapes, dtypes and a final softmax are read from it.
    """
    path = Path(path).resolve()
    kind = convert.kind_of(path)  # a missing or foreign file fails before TensorFlow loads
    classes = len(labels.read_file(labels_file)) if labels_file else None
    spec = catalog.image_input([], mean=mean, std=std)
    spec["shape"] = None
    entry = Entry(
        id=new_id or catalog.slug(path.stem if path.is_file() else path.name),
        title=title or path.name, task=task, format=convert.target_format(kind, to),
        source=convert.describe_source(path), licence="unknown (your own model)", input=spec,
        output={"name": None, "shape": None, "activation": activation,
                "background_class": False, "classes": classes},
        labels=str(Path(labels_file).resolve()) if labels_file else None,
        quantization=quantization)
    return install(entry, models_dir,
                   lambda folder: convert.convert_path(path, to, quantization, folder), force)
