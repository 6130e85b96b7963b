"""Real photos for checks, and turning a photo into the tensor a manifest asks for.

`prepare` follows the manifest's input spec (docs/MANIFEST.md) the way a demo should:
resize the shorter side to size / crop_fraction and take the centre (or squash the whole
frame when crop is "none"), then (pixel - mean) / std in the input dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

PHOTOS = ("chelsea", "coffee", "astronaut")  # cat, espresso cup, person (scikit-image)


def photos() -> dict[str, np.ndarray]:
    from skimage import data

    return {name: getattr(data, name)() for name in PHOTOS}


def input_size(spec: dict[str, Any], default: int) -> tuple[int, int]:
    """(height, width) to feed; free dimensions (-1) take `default`."""
    height, width = spec["shape"][1:3]
    return (height if height > 0 else default), (width if width > 0 else default)


def prepare(image: np.ndarray, spec: dict[str, Any], size: tuple[int, int]) -> np.ndarray:
    """An HxWx3 uint8 photo -> [1, height, width, channels] as the model's input."""
    height, width = size
    picture = Image.fromarray(np.asarray(image, dtype=np.uint8))
    picture = picture.convert("L" if spec.get("channels") == "L" else "RGB")
    if spec.get("crop") == "center":
        fraction = spec.get("crop_fraction", 1.0)
        scale = max(height, width) / fraction / min(picture.size)
        picture = picture.resize((round(picture.width * scale), round(picture.height * scale)),
                                 Image.BILINEAR)
        left, top = (picture.width - width) // 2, (picture.height - height) // 2
        picture = picture.crop((left, top, left + width, top + height))
    else:
        picture = picture.resize((width, height), Image.BILINEAR)
    pixels = np.asarray(picture, dtype=np.float32).reshape(height, width, -1)
    if spec["dtype"] == "int32":
        return np.round(pixels).astype(np.int32)[None]
    return ((pixels - spec["mean"]) / spec["std"]).astype(np.float32)[None]


def random_input(spec: dict[str, Any], size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Uniform noise over the input's whole range: exercises every weight, not just photo-like ones."""
    channels = spec["shape"][3] if spec["shape"][3] > 0 else 3
    pixels = rng.uniform(0, 255, size=(1, *size, channels)).astype(np.float32)
    if spec["dtype"] == "int32":
        return np.round(pixels).astype(np.int32)
    return ((pixels - spec["mean"]) / spec["std"]).astype(np.float32)
