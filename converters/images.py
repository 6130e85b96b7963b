"""Real photos for checks, and turning a photo into the tensor a manifest asks for.

`prepare` is "preprocess as the manifest says" (docs/MANIFEST.md), the one Python
implementation in server/prepare.py that /api/prepare uses and that matches the browser's
(server/static/preprocess.js) to a float's precision: the centred crop box (or the whole
frame when crop is "none"), TensorFlow's cropAndResize bilinear sampling to the input
size, then (pixel - mean) / std in the input dtype. So `verify` feeds models exactly what
a demo feeds them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from server.prepare import crop_and_resize, crop_box, normalise

PHOTOS = ("chelsea", "coffee", "astronaut")  # cat, espresso cup, person (scikit-image)
NOBODY = "rocket"  # a photo with no person and nothing a detector should box (scikit-image)


def photos(names=PHOTOS) -> dict[str, np.ndarray]:
    from skimage import data

    return {name: getattr(data, name)() for name in names}


def channels_first(spec: dict[str, Any]) -> bool:
    """Some models (NanoDet) take [1, channels, height, width]: the manifest's layout "NCHW"."""
    return spec.get("layout") == "NCHW"


def input_size(spec: dict[str, Any], default: int) -> tuple[int, int]:
    """(height, width) to feed; free dimensions (-1) take `default`."""
    height, width = spec["shape"][2:4] if channels_first(spec) else spec["shape"][1:3]
    return (height if height > 0 else default), (width if width > 0 else default)


def prepare(image: np.ndarray, spec: dict[str, Any], size: tuple[int, int]) -> np.ndarray:
    """An HxWx3 uint8 photo -> [1, height, width, channels] (or NCHW) as the model's input."""
    height, width = size
    channels = 1 if spec.get("channels") == "L" else 3
    picture = Image.fromarray(np.asarray(image, dtype=np.uint8)).convert("L" if channels == 1 else "RGB")
    pixels = np.asarray(picture).reshape(picture.height, picture.width, channels)
    box = crop_box(picture.width, picture.height, spec)
    tensor = normalise(crop_and_resize(pixels, box, height, width), spec)
    return (tensor.transpose(2, 0, 1) if channels_first(spec) else tensor)[None]


def random_input(spec: dict[str, Any], size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Uniform noise over the input's whole range: exercises every weight, not just photo-like ones."""
    channels = spec["shape"][3] if spec["shape"][3] > 0 else 3
    return normalise(rng.uniform(0, 255, size=(1, *size, channels)).astype(np.float32), spec)
