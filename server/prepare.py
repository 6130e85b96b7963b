"""Server-side preprocessing for `/api/prepare`: an uploaded image -> the tensor a model expects.

It follows the model's manifest exactly as the browser does (static/preprocess.js): a
centred square crop (or the whole frame), resized with TensorFlow's cropAndResize bilinear
sampling, then (pixel - mean) / std. Reproducing the sampling rather than calling Pillow's
resize (which filters when it shrinks) keeps the two sides equal to a float's precision,
which the tests check.
"""

from __future__ import annotations

import io
import time
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# An upload is decoded into memory: cap both the bytes and the pixels (a 40 KB PNG can
# claim 50,000 x 50,000 pixels and ask for 7 GB once decoded).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp"}


class PrepareError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Prepared:
    tensor: np.ndarray  # [1, height, width, channels]
    decode_ms: float
    preprocess_ms: float
    source_size: tuple[int, int]  # (width, height) after EXIF orientation


def decode(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise PrepareError(413, f"The image is {image.width}x{image.height} pixels; the limit is "
                                        f"{MAX_PIXELS // 1_000_000} million pixels.")
            image.load()
    except PrepareError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise PrepareError(400, f"The upload could not be decoded as an image ({exc.__class__.__name__}).") from exc
    # Phones store photos sideways with an EXIF "rotate me" tag; browsers apply it, so do we.
    return ImageOps.exif_transpose(image)


def crop_box(width: int, height: int, spec: dict) -> tuple[float, float, float, float]:
    """(y1, x1, y2, x2) as fractions of the frame, like static/preprocess.js cropBox()."""
    if spec.get("crop", "center") == "none":
        return 0.0, 0.0, 1.0, 1.0
    side = min(width, height) * spec.get("crop_fraction", 1.0)
    dy, dx = side / height / 2, side / width / 2
    return 0.5 - dy, 0.5 - dx, 0.5 + dy, 0.5 + dx


def crop_and_resize(pixels: np.ndarray, box, out_height: int, out_width: int) -> np.ndarray:
    """tf.image.cropAndResize(method='bilinear') for one box, in numpy."""
    height, width = pixels.shape[:2]
    y1, x1, y2, x2 = box

    def sample_points(start, end, size, out):
        if out == 1:
            return np.array([0.5 * (start + end) * (size - 1)])
        return start * (size - 1) + np.arange(out) * (end - start) * (size - 1) / (out - 1)

    ys = sample_points(y1, y2, height, out_height)
    xs = sample_points(x1, x2, width, out_width)
    y0 = np.floor(ys).astype(int)
    x0 = np.floor(xs).astype(int)
    y1i = np.minimum(y0 + 1, height - 1)
    x1i = np.minimum(x0 + 1, width - 1)
    wy = (ys - y0)[:, None, None]
    wx = (xs - x0)[None, :, None]
    y0, x0 = np.clip(y0, 0, height - 1), np.clip(x0, 0, width - 1)
    top = pixels[y0][:, x0] * (1 - wx) + pixels[y0][:, x1i] * wx
    bottom = pixels[y1i][:, x0] * (1 - wx) + pixels[y1i][:, x1i] * wx
    return top * (1 - wy) + bottom * wy


def normalise(pixels: np.ndarray, spec: dict) -> np.ndarray:
    """0..255 pixel values -> the model's input values: rounded int32, or (pixel - mean) / std."""
    if spec.get("dtype") == "int32":
        return np.round(pixels).astype(np.int32)
    return ((pixels - spec.get("mean", 0.0)) / spec.get("std", 1.0)).astype(np.float32)


def prepare(data: bytes, spec: dict) -> Prepared:
    """Decode and preprocess; blocking (Pillow, numpy), so callers run it in an executor."""
    started = time.perf_counter()
    image = decode(data)
    channels = 1 if spec.get("channels") == "L" else 3
    image = image.convert("L" if channels == 1 else "RGB")
    pixels = np.asarray(image, dtype=np.float32).reshape(image.height, image.width, channels)
    decoded = time.perf_counter()
    _, out_height, out_width, _ = spec["shape"]
    resized = crop_and_resize(pixels, crop_box(image.width, image.height, spec), out_height, out_width)
    tensor = normalise(resized, spec)
    done = time.perf_counter()
    return Prepared(tensor[None], (decoded - started) * 1000, (done - decoded) * 1000, (image.width, image.height))
