"""Installing models into the test server's models folder.

The pretrained MobileNet v1 0.25 test weights come from ../shared/testdata (never copied
into the project); tests that need them skip cleanly when that folder is absent.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from converters import staging
from server import manifest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
MOBILENET_GRAPH = SHARED / "testdata" / "mobilenet_v1_025_224_graph"
IMAGENET_LABELS = SHARED / "testdata" / "imagenet_labels.json"
MOBILENET_ID = "mobilenet-v1-025-testdata"


def install_shared_mobilenet(models_dir: Path) -> str:
    """The TF.js graph MobileNet v1 0.25 from ../shared/testdata, with a manifest."""
    if not MOBILENET_GRAPH.is_dir():
        pytest.skip(f"{MOBILENET_GRAPH} is absent: the MobileNet test weights live in ../shared only")
    if (models_dir / MOBILENET_ID / "manifest.json").exists():
        return MOBILENET_ID
    with staging.staged_install(models_dir, MOBILENET_ID) as folder:
        for item in MOBILENET_GRAPH.iterdir():
            shutil.copy(item, folder / item.name)
        labels = json.loads(IMAGENET_LABELS.read_text())
        (folder / "labels.txt").write_text("\n".join(labels) + "\n")
        manifest.write(
            folder,
            {
                "id": MOBILENET_ID,
                "title": "MobileNet v1 0.25 (test weights)",
                "task": "image-classification",
                "format": "graph",
                "model_url": "model.json",
                # The graph computes x*2-1 itself: it wants pixels in [0, 1].
                "input": {
                    "shape": [1, 224, 224, 3],
                    "dtype": "float32",
                    "channels": "RGB",
                    "mean": 0.0,
                    "std": 255.0,
                    "range": [0, 1],
                    "resize": "bilinear",
                    "crop": "center",
                    "crop_fraction": 1.0,
                },
                "output": {"shape": [1, 1001], "activation": "logits", "background_class": True, "classes": 1000},
                "labels": "labels.txt",
                "source": {"kind": "path", "path": "../shared/testdata/mobilenet_v1_025_224_graph"},
                "licence": "Apache-2.0",
                "quantization": None,
            },
        )
    return MOBILENET_ID
