"""Browser libraries installed by npm (see package.json) and the folders of them we serve.

Only each package's `dist/` folder (or the one VENDOR_FOLDERS names) is exposed, under
`/vendor/<name>/`, so the browser gets exactly the builds we test against and nothing else from node_modules.
"""

from __future__ import annotations

from pathlib import Path

VENDOR_PACKAGES: dict[str, str] = {
    "tfjs": "@tensorflow/tfjs",
    "tfjs-backend-wasm": "@tensorflow/tfjs-backend-wasm",
    "tfjs-backend-webgpu": "@tensorflow/tfjs-backend-webgpu",
    "pose-detection": "@tensorflow-models/pose-detection",
    "face-landmarks-detection": "@tensorflow-models/face-landmarks-detection",
    "fflate": "fflate",  # zip in the browser (demos/teach: exports and imports)
    "knn-classifier": "@tensorflow-models/knn-classifier",  # demos/teach's instant mode (code only, no weights)
}

# The served folder when it is not `dist/`: fflate ships its browser ES module in `esm/`.
VENDOR_FOLDERS: dict[str, str] = {
    "fflate": "esm",
}

# Scripts a demo can ask for in its demo.toml (`scripts = ["pose-detection"]`), as URLs.
OPTIONAL_SCRIPTS: dict[str, str] = {
    "pose-detection": "/vendor/pose-detection/pose-detection.min.js",
    # Global `faceLandmarksDetection`. Its UMD build carries the BlazeFace decoder of its peer
    # dependency @tensorflow-models/face-detection inside (package.json pins that one for npm),
    # so this one script is all the face demo loads.
    "face-landmarks-detection": "/vendor/face-landmarks-detection/face-landmarks-detection.min.js",
    # Global `knnClassifier`: cosine-similarity k nearest neighbours on any tensors, on `tf`.
    "knn-classifier": "/vendor/knn-classifier/knn-classifier.min.js",
}

# Every page loads TF.js and its wasm backend as plain scripts (globals `tf`, `tf.wasm`).
# The ES2017 builds, not tf.min.js: the ES5 build carries a regenerator polyfill that calls
# `Function(...)`, which our Content-Security-Policy (no 'unsafe-eval') rightly refuses, and
# every browser that runs wasm SIMD runs ES2017 natively. They are a quarter smaller, too.
BASE_SCRIPTS: list[str] = [
    "/vendor/tfjs/tf.es2017.min.js",
    "/vendor/tfjs-backend-wasm/tf-backend-wasm.es2017.min.js",
]


def vendor_dir(node_modules: Path, name: str) -> Path | None:
    package = VENDOR_PACKAGES.get(name)
    return node_modules / package / VENDOR_FOLDERS.get(name, "dist") if package else None


def package_version(node_modules: Path, name: str) -> str | None:
    import json

    package = VENDOR_PACKAGES.get(name)
    try:
        return json.loads((node_modules / package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
