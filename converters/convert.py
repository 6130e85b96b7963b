"""Keras files and SavedModels -> TF.js graph or layers models, in-process.

Two TF.js formats exist. A *layers* model (tf.loadLayersModel) is the Keras architecture
as JSON plus weights: readable, fine-tunable in the browser, but TF.js 4.22 can only load
it when the model was built with Keras 2 (`tf_keras`); Keras 3 writes a config TF.js does
not understand ("An InputLayer should be passed either a batchInputShape or an
inputShape"). A *graph* model (tf.loadGraphModel) is a frozen, optimised TensorFlow
graph: any SavedModel can become one, including a Keras 3 model after `model.export()`.

So the rule here: Keras 2 files default to layers, Keras 3 files and SavedModels to
graph. Asking for `--to layers` on a Keras 3 model is an error rather than a silent
switch: code written for tf.loadLayersModel cannot load a graph model, so the user must
know. We call tensorflowjs's Python API (convert_tf_saved_model, save_keras_model)
directly: the tensorflowjs_converter CLI would start TensorFlow again for every call.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from converters import tf_imports
from converters.console import ConverterError, step

QUANTIZATION_MAPS = {None: None, "float16": {"float16": "*"}, "uint8": {"uint8": "*"}}
KERAS_SUFFIXES = (".h5", ".hdf5", ".keras")
# The errors TensorFlow, Keras and tensorflowjs raise for a file they cannot use; anything
# else is a bug in this package and keeps its traceback.
LOAD_ERRORS = (ValueError, TypeError, KeyError, OSError, NotImplementedError, AttributeError, zipfile.BadZipFile)


@dataclasses.dataclass
class Tensor:
    shape: list[int]  # -1 for free dimensions, as in the manifest
    dtype: str
    name: str | None = None  # graph node or Keras layer name


@dataclasses.dataclass
class Conversion:
    """What a conversion learned about the model, for its manifest."""

    format: str
    input: Tensor
    output: Tensor
    activation: str | None = None  # "softmax" when a Keras model ends in one
    labels: list[str] | None = None  # class names the build knows (a model trained here)
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)  # more manifest keys ("training")


# ----------------------------------------------------------------------------- inputs


def describe_source(path: Path) -> dict[str, Any]:
    """The manifest's `source` for a user's file: its path and a hash of its bytes, so
    converting the same file again is a no-op and a changed file is converted again."""
    files = sorted(p for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.relative_to(path) if path.is_dir() else file.name}\n".encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return {"kind": "path", "path": str(path), "sha256": digest.hexdigest()}


def kind_of(path: Path) -> str:
    """'savedmodel', 'tf_keras' or 'keras3'; raises ConverterError for anything else."""
    if not path.exists():
        raise ConverterError(f"no such file or folder: {path}")
    if path.is_dir():
        if (path / "saved_model.pb").is_file() or (path / "saved_model.pbtxt").is_file():
            return "savedmodel"
        raise ConverterError(f"{path} is a folder but not a SavedModel (no saved_model.pb in it)")
    if path.suffix.lower() not in KERAS_SUFFIXES:
        raise ConverterError(
            f"{path} is not a model this tool reads: expected a Keras file (.h5, .keras) or a SavedModel folder"
        )
    version = _keras_version(path)
    return "keras3" if version.startswith("3") else "tf_keras"


def _keras_version(path: Path) -> str:
    """The Keras version that wrote the file, from its own metadata (no TF import)."""
    try:
        if path.suffix.lower() == ".keras":
            with zipfile.ZipFile(path) as archive:
                return json.loads(archive.read("metadata.json"))["keras_version"]
        import h5py

        with h5py.File(path, "r") as h5:
            if "model_config" not in h5.attrs:
                raise ConverterError(
                    f"{path} is an HDF5 file without a Keras model in it (weights only?); save the whole model"
                )
            version = h5.attrs.get("keras_version", "2")
            return version.decode() if isinstance(version, bytes) else str(version)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ConverterError(f"{path} is not a Keras model file ({error})") from None


def target_format(kind: str, to: str | None) -> str:
    """The TF.js format a file becomes: --to if given, else layers for Keras 2, graph otherwise."""
    return to or ("layers" if kind == "tf_keras" else "graph")


def load_keras(path: Path, kind: str):
    """Load with the Keras that wrote the file. compile=False: we only need inference."""
    keras = tf_imports.keras3() if kind == "keras3" else tf_imports.tf_keras()
    try:
        with tf_imports.silenced(replay_on_error=False):
            return keras.models.load_model(path, compile=False)
    except LOAD_ERRORS as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ConverterError(
            f"cannot load {path} as a Keras model: {message}. Custom layers and Lambda "
            "layers cannot be converted; rebuild the model from built-in layers"
        ) from None


# ----------------------------------------------------------------------------- writers


def keras_to_layers(model, out_dir: Path, quantization: str | None) -> Conversion:
    """A tf_keras model -> TF.js layers model (model.json + group1-shard*.bin)."""
    tfjs = tf_imports.tensorflowjs()
    step(f"writing TF.js layers model ({quantization or 'float32'} weights)")
    try:
        with tf_imports.silenced(replay_on_error=False):
            tfjs.converters.save_keras_model(
                model, str(out_dir), quantization_dtype_map=QUANTIZATION_MAPS[quantization]
            )
    except LOAD_ERRORS as error:
        raise ConverterError(f"tensorflowjs could not convert the model: {error}") from None
    _unfold_keepdims_pooling(model, out_dir / "model.json")
    output = _keras_tensor(model.outputs)
    output.name = model.output_names[0]  # a layers model names its output by layer
    return Conversion("layers", _keras_tensor(model.inputs), output, _final_activation(model))


def _unfold_keepdims_pooling(model, model_json: Path) -> None:
    """Make global pooling with keepdims=True loadable by TF.js 4.22.

    Keras MobileNet (and others) pool with keepdims=True before a 1x1 conv classifier;
    TF.js's GlobalAveragePooling2D ignores keepdims, and the conv then rejects a 2-D
    input. Each such layer L becomes L_flat (plain pooling) followed by a Reshape named L
    to [1, 1, C]: same maths, no weights involved, and later layers still find L by name.
    """
    document = json.loads(model_json.read_text())
    config = document["modelTopology"]["model_config"]
    layers, functional = config["config"]["layers"], config["class_name"] != "Sequential"
    rewritten = []
    for layer in layers:
        settings = layer["config"]
        if not (
            layer["class_name"].startswith("GlobalAveragePooling") or layer["class_name"].startswith("GlobalMaxPooling")
        ) or not settings.get("keepdims"):
            rewritten.append(layer)
            continue
        name = settings["name"]
        kept_shape = [int(d) for d in model.get_layer(name).output_shape[1:]]
        pooled = {**layer, "config": {**settings, "name": f"{name}_flat", "keepdims": False}}
        reshape = {
            "class_name": "Reshape",
            "config": {
                "name": name,
                "trainable": False,
                "dtype": settings.get("dtype", "float32"),
                "target_shape": kept_shape,
            },
        }
        if functional:
            pooled["name"] = f"{name}_flat"
            reshape["name"] = name
            reshape["inbound_nodes"] = [[[f"{name}_flat", 0, 0, {}]]]
        rewritten += [pooled, reshape]
    if len(rewritten) != len(layers):
        config["config"]["layers"] = rewritten
        model_json.write_text(json.dumps(document))


def keras_to_graph(model, kind: str, out_dir: Path, quantization: str | None) -> Conversion:
    """A Keras model -> SavedModel (temporary) -> TF.js graph model."""
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved_model"
        step("exporting the Keras model as a SavedModel")
        with tf_imports.silenced(replay_on_error=False):
            if kind == "keras3":
                model.export(str(saved), format="tf_saved_model", verbose=False)
            else:
                model.save(str(saved), save_format="tf")
        conversion = saved_model_to_graph(saved, out_dir, quantization)
    conversion.activation = _final_activation(model)
    return conversion


def saved_model_to_graph(
    saved_model: Path, out_dir: Path, quantization: str | None, fallback_input: dict[str, Any] | None = None
) -> Conversion:
    """A SavedModel -> TF.js graph model, through its serving signature.

    tensorflowjs freezes one signature. Ordinary SavedModels call it `serving_default`,
    TF1 Hub modules `default`. Some TF2 Hub modules have no signature, only a callable;
    given `fallback_input` (the catalog's input spec) we trace one for them.
    """
    tf = tf_imports.tensorflow()
    tfjs = tf_imports.tensorflowjs()
    try:
        loaded = tf.saved_model.load(str(saved_model))
    except LOAD_ERRORS as error:
        raise ConverterError(f"cannot load the SavedModel in {saved_model}: {error}") from None
    name = next((n for n in ("serving_default", "default") if n in loaded.signatures), None)
    if name is None:
        if fallback_input is None or not callable(loaded):
            raise ConverterError(
                f"the SavedModel in {saved_model} has no serving signature "
                f"(found: {sorted(loaded.signatures) or 'none'}); export it with one"
            )
        with tempfile.TemporaryDirectory() as tmp:
            step("the SavedModel has no signature: tracing serving_default from the catalog's input spec")
            resaved = _with_signature(loaded, fallback_input, Path(tmp) / "saved_model")
            return saved_model_to_graph(resaved, out_dir, quantization)

    signature = loaded.signatures[name]
    inputs = signature.structured_input_signature[1]
    if len(inputs) != 1:
        raise ConverterError(f"the model has {len(inputs)} inputs; the gallery handles one image input")
    (input_spec,) = inputs.values()

    step(f"converting to a TF.js graph model (signature {name}, {quantization or 'float32'} weights)")
    try:
        with tf_imports.silenced(replay_on_error=False):
            tfjs.converters.convert_tf_saved_model(
                str(saved_model),
                str(out_dir),
                signature_def=name,
                quantization_dtype_map=QUANTIZATION_MAPS[quantization],
            )
    except LOAD_ERRORS as error:
        message = " ".join(str(error).split())
        if "Unsupported Ops" in message:
            raise ConverterError(f"TF.js cannot run this model: {message}") from None
        raise ConverterError(f"tensorflowjs could not convert the model: {message}") from None

    output = graph_output(out_dir / "model.json")
    return Conversion("graph", Tensor(_dims(input_spec.shape), input_spec.dtype.name), output)


def _with_signature(module, input_spec: dict[str, Any], target: Path) -> Path:
    tf = tf_imports.tensorflow()
    spec = tf.TensorSpec(
        [None if d == -1 else d for d in input_spec["shape"]], getattr(tf, input_spec["dtype"]), name="inputs"
    )
    serve = tf.function(lambda inputs: {"outputs": module(inputs)}, input_signature=[spec])
    tf.saved_model.save(module, str(target), signatures={"serving_default": serve})
    return target


def convert_path(path: Path, to: str | None, quantization: str | None, out_dir: Path) -> Conversion:
    """`python -m converters convert`: a user's Keras file or SavedModel folder -> out_dir."""
    kind = kind_of(path)
    if kind == "keras3" and to == "layers":
        raise ConverterError(
            f"{path} was saved by Keras 3. TF.js 4.22 cannot load layers models made from "
            "Keras 3 models, so --to layers would produce a model.json no browser loads. "
            "Use --to graph (the default for Keras 3 files, load it with tf.loadGraphModel), "
            "or rebuild and save the model with tf_keras (Keras 2) to get a layers model."
        )
    if kind == "savedmodel":
        if to == "layers":
            if not (path / "keras_metadata.pb").is_file():
                raise ConverterError(f"{path} is a plain SavedModel with no Keras layers in it; use --to graph")
            return keras_to_layers(load_keras(path, "tf_keras"), out_dir, quantization)
        return saved_model_to_graph(path, out_dir, quantization)

    to = target_format(kind, to)
    step(f"loading {path} ({'Keras 3' if kind == 'keras3' else 'Keras 2 / tf_keras'})")
    model = load_keras(path, kind)
    if to == "layers":
        return keras_to_layers(model, out_dir, quantization)
    return keras_to_graph(model, kind, out_dir, quantization)


def load_original(path: Path) -> Callable[[np.ndarray], list[np.ndarray]]:
    """The user's model as a function, for `verify` to compare against its TF.js copy."""
    kind = kind_of(path)
    if kind == "savedmodel":
        return signature_function(tf_imports.tensorflow().saved_model.load(str(path)))
    model = load_keras(path, kind)
    return lambda x: [np.asarray(y) for y in _as_list(model(x, training=False))]


def signature_function(loaded) -> Callable[[np.ndarray], list[np.ndarray]]:
    """Call a loaded SavedModel's serving signature; outputs sorted by key, as TF.js names them."""
    tf = tf_imports.tensorflow()
    name = next(n for n in ("serving_default", "default") if n in loaded.signatures)
    signature = loaded.signatures[name]
    (input_name,) = signature.structured_input_signature[1]

    def run(x):
        outputs = signature(**{input_name: tf.constant(x)})
        return [outputs[key].numpy() for key in sorted(outputs)]

    return run


# ----------------------------------------------------------------------------- helpers


def _dims(shape) -> list[int]:
    return [-1 if d is None else int(d) for d in shape]


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _keras_tensor(tensors) -> Tensor:
    if len(tensors) != 1:
        raise ConverterError(
            f"the model has {len(tensors)} inputs or outputs; the gallery handles one image input and one output"
        )
    dtype = tensors[0].dtype
    return Tensor(_dims(tensors[0].shape), getattr(dtype, "name", str(dtype)))


def _final_activation(model) -> str | None:
    activation = model.layers[-1].get_config().get("activation")
    return "softmax" if activation == "softmax" else None


_TF_DTYPES = {"DT_FLOAT": "float32", "DT_INT32": "int32", "DT_HALF": "float16"}


def graph_output(model_json: Path) -> Tensor:
    """The first output of a TF.js graph model, named as the manifest wants ('Identity')."""
    signature = json.loads(model_json.read_text()).get("signature", {})
    outputs = list(signature.get("outputs", {}).values())
    if not outputs:
        return Tensor([], "float32")
    first = outputs[0]
    dims = [int(d.get("size", -1)) for d in first.get("tensorShape", {}).get("dim", [])]
    return Tensor(dims, _TF_DTYPES.get(first.get("dtype"), "float32"), first["name"].split(":")[0])
