"""python -m converters import <zip or folder>: a TF.js model someone else made, into the catalog.

What it accepts:
  - a Teachable Machine image export (`model.json`, `weights.bin`, `metadata.json` with the
    labels and image size), from teachablemachine.withgoogle.com or from the gallery's
    "Teach a classifier" demo (its metadata says `userMetadata.trainedIn: "tfjs-gallery"`);
  - a Teachable Machine pose export (the same three files; `metadata.json` says
    `packageName: "@teachablemachine/pose"` and, in `modelSettings.posenet`, the PoseNet whose
    outputs the model classifies). The model is only the classifier: it takes PoseNet's
    heatmaps and offsets flattened (17 x 17 cells x 51 = 14,739 numbers at input 257, stride
    16), so the manifest says which PoseNet (`pose`) and that length (`input.shape`);
  - any TF.js layers or graph model (a zip or a folder) with `model.json`, its weight files
    and a labels file (`labels.txt`, one class per line, or `metadata.json`).

Everything is checked before anything is installed, and installed through the same staged
install and manifest writer as every pulled model (staging.staged_install): a refused or
interrupted import leaves models/ as it was. Refused, each with a message that says why:
  - zip members whose path escapes the folder ("zip slip": `../x`, `/etc/x`, `C:\\x`),
    symlinks, and members or totals over the size limits (a zip bomb stops at the limit);
  - a missing model.json or labels, an unreadable or inconsistent metadata.json;
  - weight files that model.json names but that are missing, or shorter or longer than the
    shapes in model.json need (a truncated download);
  - labels that do not match the number of outputs of the model.

Teachable Machine's library (@teachablemachine/image) crops the largest centred square,
scales it to imageSize and feeds pixel / 127 - 1: the manifest says exactly that (mean 127,
std 127, crop_fraction 1), so the gallery's classification demo prepares frames the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from converters import staging
from converters.console import ConverterError
from server import manifest

MAX_MEMBER_BYTES = 200 * 1024 * 1024  # one file: far above any classifier a browser trains
MAX_TOTAL_BYTES = 400 * 1024 * 1024
MAX_MEMBERS = 1000
LABEL_FILES = ("labels.txt",)
# Bytes per value of each weight dtype, and of each quantised storage dtype.
DTYPE_BYTES = {"float32": 4, "int32": 4, "bool": 1, "uint8": 1, "uint16": 2, "float16": 2, "int8": 1, "string": None}
TM_INPUT = {"mean": 127.0, "std": 127.0, "crop": "center", "crop_fraction": 1.0}
TM_POSE_PACKAGE = "@teachablemachine/pose"
# @teachablemachine/pose 0.8.6 fills a missing modelSettings.posenet field with these (its
# fillConfig), and loads @tensorflow-models/posenet 2.2 with them.
TM_POSENET_DEFAULTS = {"architecture": "MobileNetV1", "outputStride": 16, "inputResolution": 257, "multiplier": 0.75}
POSENET_PARTS = 17  # keypoints; a cell holds 17 heatmap scores and 34 offsets (dy, dx)


# ---- reading the files: a zip or a folder, both as {relative path: read()} ---------------------


def _safe_member(name: str) -> str | None:
    """The member's path inside the folder, or None when it would land outside it."""
    if "\\" in name or "\x00" in name or re.match(r"^[A-Za-z]:", name):
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or any(part == ".." for part in path.parts):
        return None
    return path.as_posix()


def _zip_files(path: Path) -> dict[str, Callable[[], bytes]]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise ConverterError(f"{path.name} is not a readable zip file ({error})") from error
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise ConverterError(f"{path.name} holds {len(infos)} files; the limit is {MAX_MEMBERS}")
    files: dict[str, Callable[[], bytes]] = {}
    total = 0
    for info in infos:
        name = _safe_member(info.filename)
        if name is None:
            raise ConverterError(
                f"{path.name}: the member {info.filename!r} would be written outside the "
                "model's folder (zip slip); nothing was installed"
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ConverterError(f"{path.name}: the member {info.filename!r} is a symbolic link; nothing was installed")
        if info.file_size > MAX_MEMBER_BYTES:
            raise ConverterError(
                f"{path.name}: {info.filename} is {info.file_size / 1e6:.0f} MB; "
                f"the limit is {MAX_MEMBER_BYTES / 1e6:.0f} MB per file"
            )
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise ConverterError(f"{path.name} unpacks to more than {MAX_TOTAL_BYTES / 1e6:.0f} MB")
        files[name] = lambda info=info: _read_member(archive, info, path.name)
    return files


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, zip_name: str) -> bytes:
    # Read at most the declared size plus one byte: a member whose header lies about its size
    # stops here instead of filling the disk; zipfile checks the CRC of what it reads.
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ConverterError(f"{zip_name}: {info.filename} is damaged ({error}); nothing was installed") from error
    if len(data) != info.file_size:
        raise ConverterError(f"{zip_name}: {info.filename} is not the size its header says; nothing was installed")
    return data


def _folder_files(folder: Path) -> dict[str, Callable[[], bytes]]:
    files: dict[str, Callable[[], bytes]] = {}
    root = folder.resolve()
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise ConverterError(f"{path} is a symbolic link out of {folder}; nothing was installed")
        if path.is_file():
            if path.stat().st_size > MAX_MEMBER_BYTES:
                raise ConverterError(f"{path.name} is over {MAX_MEMBER_BYTES / 1e6:.0f} MB")
            files[path.relative_to(folder).as_posix()] = path.read_bytes
    return files


def _strip_common_folder(files: dict[str, Callable[[], bytes]]) -> dict[str, Callable[[], bytes]]:
    """A zip made from a folder holds "my-model/model.json": look inside that folder."""
    if "model.json" in files:
        return files
    candidates = [name[: -len("model.json")] for name in files if name.endswith("/model.json")]
    if len(candidates) != 1:
        raise ConverterError(
            "no model.json found (a TF.js model is a model.json and its weight files)"
            if not candidates
            else f"several model.json files: {sorted(candidates)}"
        )
    prefix = candidates[0]
    return {name[len(prefix) :]: read for name, read in files.items() if name.startswith(prefix)}


# ---- checking ----------------------------------------------------------------------------------


def _json(files: dict[str, Callable[[], bytes]], name: str) -> Any:
    try:
        return json.loads(files[name]())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConverterError(f"{name} is not valid JSON ({error}); nothing was installed") from error


def _weights_expected(model_json: dict) -> dict[str, int]:
    """Bytes each weight file must hold, from the shapes and dtypes in model.json."""
    expected: dict[str, int] = {}
    for group in model_json.get("weightsManifest") or []:
        paths, weights = group.get("paths"), group.get("weights")
        if not isinstance(paths, list) or not isinstance(weights, list) or not paths:
            raise ConverterError("model.json has a malformed weightsManifest entry; nothing was installed")
        size = 0
        for w in weights:
            count = 1
            for d in w.get("shape", []):
                count *= int(d)
            dtype = (w.get("quantization") or {}).get("dtype") or w.get("dtype", "float32")
            per = DTYPE_BYTES.get(dtype)
            if per is None:
                raise ConverterError(
                    f"model.json: weight {w.get('name')} has dtype {dtype!r}, which this import cannot size"
                )
            size += count * per
        # A group's bytes are split across its shard files in order; all but the last are full.
        for p in paths:
            if _safe_member(p) is None:
                raise ConverterError(f"model.json names the weight file {p!r} outside the model's folder")
        expected["\n".join(paths)] = size
    return expected


def _check_weights(files: dict[str, Callable[[], bytes]], model_json: dict) -> dict[str, bytes]:
    contents: dict[str, bytes] = {}
    for joined, size in _weights_expected(model_json).items():
        paths = joined.split("\n")
        missing = [p for p in paths if p not in files]
        if missing:
            raise ConverterError(f"model.json names weight files that are not there: {missing}; nothing was installed")
        got = 0
        for p in paths:
            contents[p] = files[p]()
            got += len(contents[p])
        if got != size:
            raise ConverterError(
                f"the weight file{'s' if len(paths) > 1 else ''} {', '.join(paths)} hold{'' if len(paths) > 1 else 's'} "
                f"{got} bytes but model.json's shapes need {size}: "
                f"{'truncated' if got < size else 'not these weights'}; nothing was installed"
            )
    return contents


def _final_layer(config: dict) -> dict | None:
    """The layer whose output is the model's output, inside nested Sequential/Functional models."""
    layers = config.get("layers") or []
    if not layers:
        return None
    last = layers[-1]
    if isinstance(config.get("output_layers"), list) and config["output_layers"]:
        name = config["output_layers"][0][0]
        last = next(
            (layer for layer in layers if layer.get("config", {}).get("name") == name or layer.get("name") == name),
            last,
        )
    if last.get("class_name") in ("Sequential", "Functional", "Model"):
        return _final_layer(last.get("config", {}))
    return last


def _layers_output(model_json: dict) -> tuple[int | None, str]:
    """(number of outputs, activation) of a layers model, read from its topology."""
    topology = model_json.get("modelTopology") or {}
    config = topology.get("model_config", topology)
    final = _final_layer(config.get("config", {})) if isinstance(config, dict) else None
    if not final:
        return None, "none"
    layer_config = final.get("config", {})
    activation = layer_config.get("activation", "linear")
    if final.get("class_name") == "Softmax":
        activation = "softmax"
    units = layer_config.get("units")
    if units is None:
        units = _last_bias(model_json)
    return units, {"softmax": "softmax", "linear": "logits"}.get(activation, "none")


def _last_bias(model_json: dict) -> int | None:
    biases = [
        w
        for g in model_json.get("weightsManifest") or []
        for w in g.get("weights", [])
        if w.get("name", "").endswith("bias")
    ]
    return int(biases[-1]["shape"][-1]) if biases and biases[-1].get("shape") else None


def _graph_output(model_json: dict) -> int | None:
    outputs = ((model_json.get("signature") or {}).get("outputs") or {}).values()
    for out in outputs:
        dims = (out.get("tensorShape") or {}).get("dim") or []
        if dims and int(dims[-1].get("size", -1)) > 0:
            return int(dims[-1]["size"])
    return None


def _layers_input(model_json: dict) -> list[int] | None:
    topology = model_json.get("modelTopology") or {}
    config = topology.get("model_config", topology)
    for layer in (config.get("config") or {}).get("layers") or []:
        shape = (layer.get("config") or {}).get("batch_input_shape")
        if shape:
            return [-1 if d is None else int(d) for d in shape]
        nested = (layer.get("config") or {}).get("layers")
        if nested:
            found = _layers_input({"modelTopology": {"model_config": layer}})
            if found:
                return found
    return None


def _labels_and_origin(files: dict[str, Callable[[], bytes]], source_name: str) -> tuple[list[str], dict, str]:
    """(labels, metadata or {}, origin) from metadata.json (Teachable Machine) or labels.txt."""
    if "metadata.json" in files:
        meta = _json(files, "metadata.json")
        if not isinstance(meta, dict):
            raise ConverterError("metadata.json is not a JSON object; nothing was installed")
        labels = meta.get("labels")
        if not isinstance(labels, list) or not labels or not all(isinstance(x, str) and x.strip() for x in labels):
            raise ConverterError(
                "metadata.json has no list of labels (Teachable Machine writes "
                '"labels": ["class 1", ...]); nothing was installed'
            )
        size = meta.get("imageSize", 224)
        if not isinstance(size, int) or isinstance(size, bool) or not 16 <= size <= 2048:
            raise ConverterError(f"metadata.json: imageSize {size!r} is not a picture size; nothing was installed")
        if len(set(labels)) != len(labels):
            raise ConverterError("metadata.json lists the same label twice; nothing was installed")
        user = meta.get("userMetadata") if isinstance(meta.get("userMetadata"), dict) else {}
        origin = "trained in the browser" if user.get("trainedIn") == "tfjs-gallery" else "Teachable Machine export"
        return labels, meta, origin
    for name in LABEL_FILES:
        if name in files:
            try:
                text = files[name]().decode("utf-8")
            except UnicodeDecodeError as error:
                raise ConverterError(f"{name} is not UTF-8 text; nothing was installed") from error
            labels = [line.strip() for line in text.splitlines() if line.strip()]
            if labels:
                return labels, {}, "TF.js model"
    raise ConverterError(
        f"{source_name} has neither metadata.json (a Teachable Machine export) nor labels.txt; "
        "the classifier's class names are needed. Nothing was installed."
    )


def _posenet_settings(meta: dict) -> dict | None:
    """modelSettings.posenet of a Teachable Machine pose export, checked, or None for an image one."""
    settings = meta.get("modelSettings")
    if meta.get("packageName") != TM_POSE_PACKAGE and not (isinstance(settings, dict) and "posenet" in settings):
        return None
    posenet = (settings or {}).get("posenet", {}) if isinstance(settings, dict) else None
    if not isinstance(posenet, dict):
        raise ConverterError("metadata.json: modelSettings.posenet is not an object; nothing was installed")
    posenet = {**TM_POSENET_DEFAULTS, **{k: v for k, v in posenet.items() if v is not None}}
    resolution, stride = posenet["inputResolution"], posenet["outputStride"]
    if posenet["architecture"] not in ("MobileNetV1", "ResNet50") or stride not in (8, 16, 32):
        raise ConverterError(
            f"metadata.json: modelSettings.posenet {posenet} is not a PoseNet @teachablemachine/pose "
            "can load; nothing was installed"
        )
    if not isinstance(resolution, int) or isinstance(resolution, bool) or not 33 <= resolution <= 1025:
        raise ConverterError(f"metadata.json: inputResolution {resolution!r} is not a PoseNet input size")
    return posenet


def _posenet_features(posenet: dict) -> int:
    """How many numbers tmPose hands the classifier: PoseNet's heatmaps and offsets, flattened."""
    stride = posenet["outputStride"]
    resolution = posenet["inputResolution"]
    if (resolution - 1) % stride:  # posenet's toValidInputResolution
        resolution = resolution // stride * stride + 1
    cells = (resolution - 1) // stride + 1
    return cells * cells * POSENET_PARTS * 3


def model_id_for(path: Path) -> str:
    stem = path.name[: -len(".zip")] if path.name.lower().endswith(".zip") else path.name
    candidate = re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-._")[: manifest.MAX_ID_LENGTH]
    return candidate or "imported-model"


# ---- the import -------------------------------------------------------------------------------


def import_model(
    path: Path,
    models_dir: Path,
    model_id: str | None = None,
    title: str | None = None,
    mean: float | None = None,
    std: float | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Check everything, then install atomically. Returns the manifest written."""
    if not path.exists():
        raise ConverterError(f"{path} does not exist")
    model_id = model_id or model_id_for(path)
    if not manifest.valid_id(model_id):
        raise ConverterError(f"{model_id!r} is not a model id ({manifest.ID_RULE}): use --id")
    if manifest.read(models_dir / model_id) and not force:
        raise ConverterError(f"{model_id} is already installed (use --force to replace it, or --id for another name)")
    files = _strip_common_folder(_folder_files(path) if path.is_dir() else _zip_files(path))
    model_json = _json(files, "model.json")
    if not isinstance(model_json, dict) or "modelTopology" not in model_json or "weightsManifest" not in model_json:
        raise ConverterError(
            "model.json is not a TF.js model (no modelTopology / weightsManifest); nothing was installed"
        )
    labels, meta, origin = _labels_and_origin(files, path.name)
    weights = _check_weights(files, model_json)

    fmt = "graph" if model_json.get("format") == "graph-model" or "node" in model_json["modelTopology"] else "layers"
    if fmt == "layers":
        outputs, activation = _layers_output(model_json)
        input_shape = _layers_input(model_json)
    else:
        outputs, activation = _graph_output(model_json), "none"
        input_shape = None
    if outputs is None:
        raise ConverterError(
            "cannot tell how many classes the model outputs (no final Dense layer or signature); nothing was installed"
        )
    if outputs != len(labels):
        raise ConverterError(
            f"the model outputs {outputs} classes but the labels name {len(labels)} "
            f"({', '.join(labels[:5])}{'…' if len(labels) > 5 else ''}); nothing was installed"
        )
    posenet = _posenet_settings(meta) if meta else None
    if posenet:
        return _install_pose_classifier(
            path, models_dir, model_id, title, files, weights, meta, labels, origin, posenet, fmt, input_shape, outputs
        )
    size = meta.get("imageSize") if meta else None
    if input_shape and size and input_shape[1:3] not in ([size, size], [-1, -1]):
        raise ConverterError(
            f"metadata.json says imageSize {size} but the model takes {input_shape[1:3]}; nothing was installed"
        )
    size = size or (input_shape[1] if input_shape and input_shape[1] > 0 else 224)
    scale = dict(TM_INPUT)
    if mean is not None:
        scale["mean"] = mean
    if std is not None:
        scale["std"] = std
    spec = {
        "shape": [-1, size, size, 3],
        "dtype": "float32",
        "channels": "RGB",
        "mean": scale["mean"],
        "std": scale["std"],
        "range": [round((0 - scale["mean"]) / scale["std"], 6), round((255 - scale["mean"]) / scale["std"], 6)],
        "resize": "bilinear",
        "crop": scale["crop"],
        "crop_fraction": scale["crop_fraction"],
    }
    fields = {
        "id": model_id,
        "title": title or f"{meta.get('modelName') or model_id} ({origin})",
        "task": "image-classification",
        "format": fmt,
        "model_url": "model.json",
        "input": spec,
        "output": {"shape": [-1, outputs], "activation": activation, "background_class": False, "classes": outputs},
        "labels": "labels.txt",
        "source": _source(path, origin),
        "licence": "as its author says (imported)",
        "quantization": None,
    }
    return _install(models_dir, model_id, files, weights, meta, labels, fields)


def _source(path: Path, origin: str) -> dict[str, Any]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return {"kind": "import", "origin": origin, "file": path.name, **({"sha256": digest} if digest else {})}


def _install_pose_classifier(
    path, models_dir, model_id, title, files, weights, meta, labels, origin, posenet, fmt, input_shape, outputs
) -> dict[str, Any]:
    """A Teachable Machine pose export: the classifier on PoseNet's outputs, and which PoseNet."""
    features = _posenet_features(posenet)
    if fmt != "layers" or not input_shape or len(input_shape) != 2:
        raise ConverterError(
            "metadata.json says this is a Teachable Machine pose model, but model.json is not a layers "
            f"model taking a vector of PoseNet outputs (it takes {input_shape}); nothing was installed"
        )
    if input_shape[1] != features:
        raise ConverterError(
            f"metadata.json's PoseNet (input {posenet['inputResolution']}, stride {posenet['outputStride']}) "
            f"gives {features} numbers per pose, but the model takes {input_shape[1]}: the model and its "
            "metadata do not belong together; nothing was installed"
        )
    fields = {
        "id": model_id,
        "title": title or f"{meta.get('modelName') or model_id} (pose, {origin})",
        "task": "pose-classification",
        "format": "layers",
        "model_url": "model.json",
        # Not pixels: PoseNet's sigmoid heatmaps and offsets, per cell, flattened (tmPose's
        # estimatePose); `pose` says which PoseNet computes them.
        "input": {"shape": [-1, features], "dtype": "float32", "features": "posenet heatmaps and offsets"},
        "output": {"shape": [-1, outputs], "activation": "softmax", "background_class": False, "classes": outputs},
        "labels": "labels.txt",
        "pose": {
            "family": "posenet",
            "architecture": posenet["architecture"],
            "multiplier": posenet["multiplier"],
            "output_stride": posenet["outputStride"],
            "input_resolution": posenet["inputResolution"],
        },
        "source": _source(path, origin),
        "licence": "as its author says (imported)",
        "quantization": None,
    }
    return _install(models_dir, model_id, files, weights, meta, labels, fields)


def _install(models_dir, model_id, files, weights, meta, labels, fields) -> dict[str, Any]:
    with staging.staged_install(models_dir, model_id) as folder:
        (folder / "model.json").write_bytes(files["model.json"]())
        for name, data in weights.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if meta:
            (folder / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
        (folder / "labels.txt").write_text("\n".join(labels) + "\n")
        written = manifest.write(folder, fields)
    return written
