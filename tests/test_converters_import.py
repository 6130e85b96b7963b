"""`python -m converters import`: a Teachable Machine-format zip installs with a manifest; every
bad zip is refused with a readable message and leaves models/ exactly as it was.

The model here is a real TF.js layers model file set, written by hand: a 224x224 picture,
averaged per channel, into one Dense layer (3 -> 3 classes, softmax), its weights in
weights.bin, and TM's metadata.json.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from converters import import_zip
from converters.cli import main
from server import manifest

LABELS = ["left", "right", "up"]


def model_json(units: int = 3) -> dict:
    return {
        "format": "layers-model",
        "modelTopology": {
            "class_name": "Sequential",
            "config": {
                "name": "tm",
                "layers": [
                    {
                        "class_name": "GlobalAveragePooling2D",
                        "config": {"name": "pool", "batch_input_shape": [None, 224, 224, 3]},
                    },
                    {
                        "class_name": "Dense",
                        "config": {"name": "dense", "units": units, "activation": "softmax", "use_bias": True},
                    },
                ],
            },
        },
        "weightsManifest": [
            {
                "paths": ["weights.bin"],
                "weights": [
                    {"name": "dense/kernel", "shape": [3, units], "dtype": "float32"},
                    {"name": "dense/bias", "shape": [units], "dtype": "float32"},
                ],
            }
        ],
    }


def weights(units: int = 3) -> bytes:
    return np.arange(3 * units + units, dtype="<f4").tobytes()


def tm_zip(path: Path, members: dict[str, bytes | str] | None = None, drop: tuple[str, ...] = ()) -> Path:
    files = {
        "model.json": json.dumps(model_json()),
        "weights.bin": weights(),
        "metadata.json": json.dumps(
            {
                "tfjsVersion": "1.3.1",
                "tmVersion": "2.4.7",
                "packageVersion": "0.8.4",
                "packageName": "@teachablemachine/image",
                "modelName": "tm-my-image-model",
                "labels": LABELS,
                "imageSize": 224,
                "userMetadata": {},
            }
        ),
    }
    files.update(members or {})
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            if name not in drop:
                z.writestr(name, data)
    return path


def test_a_teachable_machine_zip_installs_with_a_manifest(tmp_path):
    models = tmp_path / "models"
    source = tm_zip(tmp_path / "my-model.zip")
    assert main(["--models-dir", str(models), "import", str(source)]) == 0
    found = manifest.read(models / "my-model")
    assert found["source"]["origin"] == "Teachable Machine export"
    assert found["source"]["sha256"] == manifest.sha256_file(source)
    assert found["task"] == "image-classification"
    assert found["output"] == {"shape": [-1, 3], "activation": "softmax", "background_class": False, "classes": 3}
    assert found["input"]["shape"] == [-1, 224, 224, 3]
    assert (found["input"]["mean"], found["input"]["std"], found["input"]["crop_fraction"]) == (127, 127, 1)
    assert (models / "my-model" / "labels.txt").read_text().split() == LABELS
    assert manifest.check_files(models / "my-model", found) == []
    assert set(found["files"]) == {"model.json", "weights.bin", "metadata.json", "labels.txt"}


def test_a_folder_with_labels_txt_installs(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps(model_json()))
    (folder / "weights.bin").write_bytes(weights())
    (folder / "labels.txt").write_text("\n".join(LABELS) + "\n")
    found = import_zip.import_model(folder, tmp_path / "models")
    assert found["id"] == "plain" and found["source"]["origin"] == "TF.js model"


def test_a_zip_with_one_top_folder_installs(tmp_path):
    buffer = tm_zip(tmp_path / "inner.zip")
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(nested, "w") as dst:
        for name in src.namelist():
            dst.writestr(f"export/{name}", src.read(name))
    assert import_zip.import_model(nested, tmp_path / "models")["output"]["classes"] == 3


BAD = {
    "zip slip": ({"../../evil.txt": "x"}, (), "zip slip"),
    "absolute path": ({"/etc/evil": "x"}, (), "zip slip"),
    "backslash path": ({"..\\evil": "x"}, (), "zip slip"),
    "no metadata or labels": ({}, ("metadata.json",), "neither metadata.json"),
    "metadata not JSON": ({"metadata.json": "{labels"}, (), "metadata.json is not valid JSON"),
    "metadata without labels": ({"metadata.json": json.dumps({"imageSize": 224})}, (), "no list of labels"),
    "metadata bad image size": ({"metadata.json": json.dumps({"labels": LABELS, "imageSize": "big"})}, (), "imageSize"),
    "labels do not match outputs": (
        {"metadata.json": json.dumps({"labels": ["a", "b"], "imageSize": 224})},
        (),
        "outputs 3 classes but the labels name 2",
    ),
    "truncated weights": ({"weights.bin": weights()[:-7]}, (), "truncated"),
    "missing weights": ({}, ("weights.bin",), "not there"),
    "no model.json": ({}, ("model.json",), "no model.json"),
    "model.json not a model": ({"model.json": json.dumps({"hello": 1})}, (), "not a TF.js model"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_zips_are_refused_and_nothing_is_installed(tmp_path, capsys, case):
    members, drop, expected = BAD[case]
    models = tmp_path / "models"
    models.mkdir()
    (models / "keep").mkdir()  # an installed model must survive
    (models / "keep" / "manifest.json").write_text("{}")
    source = tm_zip(tmp_path / "bad.zip", members, drop)
    assert main(["--models-dir", str(models), "import", str(source)]) == 1
    err = capsys.readouterr().err
    assert expected in err, err
    assert sorted(p.name for p in models.iterdir()) == ["keep"]  # no model, no staging folder left
    assert not (tmp_path / "evil.txt").exists()


def test_oversize_members_are_refused_before_reading(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(import_zip, "MAX_MEMBER_BYTES", 32)
    assert main(["--models-dir", str(tmp_path / "models"), "import", str(tm_zip(tmp_path / "big.zip"))]) == 1
    assert "the limit is" in capsys.readouterr().err
    assert not (tmp_path / "models" / "big").exists()


def test_not_a_zip_and_a_second_import_are_refused(tmp_path, capsys):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK not really" + bytes(100))
    assert main(["--models-dir", str(tmp_path / "m"), "import", str(junk)]) == 1
    assert "not a readable zip file" in capsys.readouterr().err
    good = tm_zip(tmp_path / "good.zip")
    assert main(["--models-dir", str(tmp_path / "m"), "import", str(good)]) == 0
    assert main(["--models-dir", str(tmp_path / "m"), "import", str(good)]) == 1
    assert "already installed" in capsys.readouterr().err
    assert main(["--models-dir", str(tmp_path / "m"), "import", str(good), "--force"]) == 0


def test_a_header_that_lies_about_its_size_is_caught(tmp_path, capsys):
    source = tm_zip(tmp_path / "liar.zip")
    raw = bytearray(source.read_bytes())
    # Damage the stored weights: zipfile's CRC check must notice.
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo("weights.bin")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + 3] ^= 0xFF
    source.write_bytes(bytes(raw))
    assert main(["--models-dir", str(tmp_path / "m"), "import", str(source)]) == 1
    assert "damaged" in capsys.readouterr().err


# ---- Teachable Machine pose exports (the real one is tested in test_browser_teach_pose.py) -----

POSE_METADATA = {
    "tfjsVersion": "1.3.1",
    "packageVersion": "0.8.6",
    "packageName": "@teachablemachine/pose",
    "labels": LABELS,
    "modelSettings": {"posenet": {"architecture": "MobileNetV1", "outputStride": 16, "inputResolution": 257}},
}


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        # An image model (it takes 224 x 224 pictures) with a pose export's metadata.
        (POSE_METADATA["modelSettings"], "is not a layers model taking a vector of PoseNet outputs"),
        ({"posenet": {"outputStride": 12}}, "is not a PoseNet @teachablemachine/pose can load"),
        ({"posenet": "MobileNetV1"}, "modelSettings.posenet is not an object"),
    ],
)
def test_a_pose_export_that_does_not_fit_is_refused(tmp_path, capsys, settings, said):
    models = tmp_path / "models"
    source = tm_zip(tmp_path / "pose.zip", {"metadata.json": json.dumps({**POSE_METADATA, "modelSettings": settings})})
    assert main(["--models-dir", str(models), "import", str(source)]) != 0
    out = capsys.readouterr()
    assert said in out.out + out.err
    assert not (models / "pose").exists()


def test_posenet_feature_length_follows_tmpose_settings():
    """17 x 17 cells at 257 / stride 16 (tmPose's defaults); posenet rounds 256 to 257 first."""
    defaults = import_zip.TM_POSENET_DEFAULTS
    assert import_zip._posenet_features(defaults) == 17 * 17 * 51 == 14739
    assert import_zip._posenet_features({**defaults, "inputResolution": 256}) == 14739
    assert import_zip._posenet_features({**defaults, "inputResolution": 353, "outputStride": 32}) == 12 * 12 * 51
