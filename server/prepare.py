"""Server-side preprocessing for `/api/prepare`: an uploaded image -> the tensor a model expects.

It follows the model's manifest exactly as the browser does (static/preprocess.js): a
centred square crop (or the whole frame), resized with TensorFlow's cropAndResize bilinear
sampling, then (pixel - mean) / std. Reproducing the sampling rather than calling Pillow's
resize (which filters when it shrinks) keeps the two sides equal to a float's precision,
which the tests check.

Memory is what an upload can cost, so each step keeps it bounded:
  1. Before anything is decoded, the header's size is checked against a pixel cap and a
     decoded-size budget (a 40 KB PNG can claim 50,000 x 50,000 pixels).
  2. Large JPEGs decode at 1/2, 1/4 or 1/8 scale (`draft`), which libjpeg does for free.
  3. Only the pixels the bilinear grid reads (at most 2 x 2 per output pixel) are taken
     from the decoded 8-bit image, row by row, and only they become floats: a very wide,
     short image costs its decoded bytes plus the output, never output rows x full width.
A semaphore (views.py) caps how many decodes run at once.
"""

from __future__ import annotations

import asyncio
import io
import math
import os
import time
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# width x height x channels (bytes per channel counted) of the decoded image: a 40-Mpixel
# RGB photo fits; RGBA or 16-bit images of that size do not.
MAX_DECODED_BYTES = 3 * MAX_PIXELS
# JPEGs above this many pixels decode at a reduced scale, never below DRAFT_MIN_PIXELS nor
# below twice the model's input on the short side. Below the threshold the decode is exact,
# so ordinary photos give the browser's tensor to a float's precision.
DRAFT_ABOVE_PIXELS = 16_000_000
DRAFT_MIN_PIXELS = 4_000_000
# The five formats the upload page offers. Pillow recognises many more (TIFF, PSD, ICO,
# EPS which reaches Ghostscript, ...); each is more parser exposed to strangers' bytes.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp"}
# Decoding is CPU-bound: more decodes than cores finish no sooner and hold more memory.
# One core is left to the event loop so pages and model files keep flowing during a burst.
DECODE_SLOTS = max(1, (os.cpu_count() or 2) - 1)
# Uploads waiting for a slot hold their bodies (up to MAX_UPLOAD_BYTES each): beyond this
# many, answer 503 at once rather than queue without bound.
DECODE_QUEUE = 8 * DECODE_SLOTS

TOO_MANY_PIXELS = f"The image has more than {MAX_PIXELS // 1_000_000} million pixels, the limit."
OUT_OF_MEMORY = "The server ran out of memory for this image; try a smaller one, or again later."

# Our cap is below Pillow's own warning threshold (89 Mpixels), so the warning says nothing
# the 413 does not; `warnings.catch_warnings` cannot be used instead: it is not thread-safe,
# and decodes run in threads.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


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


class DecodeSlots:
    """At most `slots` decodes at once and at most `queue` uploads waiting for one."""

    def __init__(self, slots: int = DECODE_SLOTS, queue: int = DECODE_QUEUE):
        self._semaphore = asyncio.Semaphore(slots)
        self._queue = queue
        self._waiting = 0

    async def run(self, function, *args):
        if self._waiting >= self._queue:
            raise PrepareError(503, "The server is busy preparing other images; try again in a moment.")
        self._waiting += 1
        try:
            await self._semaphore.acquire()
        finally:
            self._waiting -= 1
        future = asyncio.get_running_loop().run_in_executor(None, function, *args)
        # The slot is free when the thread is, even if this request was cancelled meanwhile.
        future.add_done_callback(lambda _: self._semaphore.release())
        return await asyncio.shield(future)


def _other_format(data: bytes) -> str | None:
    """A format Pillow knows and we do not decode, going by the file's first bytes.

    Only the plugins' signature checks run, never their parsers; a signature can be shared
    (a TGA may start like a CUR), hence "looks like" in the answer.
    """
    Image.init()
    prefix = data[:16]
    for name, (_, accept) in Image.OPEN.items():
        if name in FORMATS or accept is None:
            continue
        try:
            if accept(prefix):
                return name
        except Exception:  # some checks assume a longer prefix, as Image.open knows too
            continue
    return None


def _bytes_per_pixel(image: Image.Image) -> int:
    per_channel = 2 if image.mode.startswith("I;16") else 4 if image.mode in ("I", "F") else 1
    return len(image.getbands()) * per_channel


def _draft_scale(width: int, height: int, out_side: int) -> int:
    scale = 1
    while (
        scale < 8
        and width * height / (2 * scale) ** 2 >= DRAFT_MIN_PIXELS
        and min(width, height) / (2 * scale) >= 2 * out_side
    ):
        scale *= 2
    return scale


def decode(data: bytes, out_side: int = 0) -> tuple[Image.Image, tuple[int, int]]:
    """The image, EXIF orientation applied, and its full (width, height) as uploaded.

    `out_side`: the model's larger input side; JPEGs far larger than it decode reduced.
    """
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise PrepareError(413, TOO_MANY_PIXELS) from None
    except UnidentifiedImageError:
        other = _other_format(data)
        if other:
            raise PrepareError(
                415,
                f"The upload looks like a {other} image; this server decodes only "
                f"{', '.join(FORMATS[:-1])} and {FORMATS[-1]}.",
            ) from None
        raise PrepareError(400, f"The upload could not be decoded as an image ({', '.join(FORMATS)}).") from None
    except Exception as exc:  # Pillow's header parsers raise whatever broken bytes lead them to
        raise PrepareError(400, f"The upload could not be decoded as an image ({exc.__class__.__name__}).") from exc
    full_size = image.size
    if image.width * image.height > MAX_PIXELS:
        raise PrepareError(413, TOO_MANY_PIXELS)
    if image.format == "JPEG" and image.width * image.height > DRAFT_ABOVE_PIXELS:
        scale = _draft_scale(image.width, image.height, out_side)
        if scale > 1:
            image.draft(None, (math.ceil(image.width / scale), math.ceil(image.height / scale)))
    decoded_bytes = image.width * image.height * _bytes_per_pixel(image)
    if decoded_bytes > MAX_DECODED_BYTES:
        raise PrepareError(
            413,
            f"Decoded, the image would take {decoded_bytes / 1e6:.0f} MB "
            f"({image.width}x{image.height} pixels, mode {image.mode}); the limit is "
            f"{MAX_DECODED_BYTES / 1e6:.0f} MB.",
        )
    try:
        image.load()
    except MemoryError:
        raise
    except Exception as exc:  # truncated or corrupt data: the decoders' errors vary by format
        raise PrepareError(400, f"The upload could not be decoded as an image ({exc.__class__.__name__}).") from exc
    # Phones store photos sideways with an EXIF "rotate me" tag; browsers apply it, so do we.
    before = image.size
    try:
        image = ImageOps.exif_transpose(image)
    except MemoryError:
        raise
    except Exception as exc:  # the EXIF parser, like the decoders, fails in many ways
        raise PrepareError(
            400, f"The image's EXIF metadata is malformed ({exc.__class__.__name__}); save it again without EXIF."
        ) from exc
    if image.size != before:  # rotated a quarter turn
        full_size = full_size[::-1]
    return image, full_size


def crop_box(width: int, height: int, spec: dict) -> tuple[float, float, float, float]:
    """(y1, x1, y2, x2) as fractions of the frame, like static/preprocess.js cropBox()."""
    if spec.get("crop", "center") == "none":
        return 0.0, 0.0, 1.0, 1.0
    side = min(width, height) * spec.get("crop_fraction", 1.0)
    dy, dx = side / height / 2, side / width / 2
    return 0.5 - dy, 0.5 - dx, 0.5 + dy, 0.5 + dx


def _grid(start: float, end: float, size: int, out: int):
    """cropAndResize's sample points along one axis: the two neighbours and the weight."""
    if out == 1:
        points = np.array([0.5 * (start + end) * (size - 1)])
    else:
        points = start * (size - 1) + np.arange(out) * (end - start) * (size - 1) / (out - 1)
    low = np.floor(points).astype(int)
    high = np.minimum(low + 1, size - 1)
    return np.clip(low, 0, size - 1), high, points - low


def _bilinear(pixels: np.ndarray, rows, cols) -> np.ndarray:
    """Blend the gathered neighbours; `pixels` holds just the rows and columns indexed."""
    (y0, y1, wy), (x0, x1, wx) = rows, cols
    wy, wx = wy[:, None, None], wx[None, :, None]

    def at(ys, xs):
        return pixels[np.ix_(ys, xs)].astype(np.float32)

    top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx
    bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx
    return top * (1 - wy) + bottom * wy


def crop_and_resize(pixels: np.ndarray, box, out_height: int, out_width: int) -> np.ndarray:
    """tf.image.cropAndResize(method='bilinear') for one box of an [h, w, c] array, in numpy."""
    height, width = pixels.shape[:2]
    y1, x1, y2, x2 = box
    return _bilinear(pixels, _grid(y1, y2, height, out_height), _grid(x1, x2, width, out_width))


def crop_and_resize_image(image: Image.Image, mode: str, box, out_height: int, out_width: int) -> np.ndarray:
    """crop_and_resize() of a Pillow image, reading only the rows and columns it samples."""
    y1, x1, y2, x2 = box
    rows = _grid(y1, y2, image.height, out_height)
    cols = _grid(x1, x2, image.width, out_width)
    used_rows = np.unique(np.concatenate(rows[:2]))
    used_cols = np.unique(np.concatenate(cols[:2]))
    left, right = int(used_cols[0]), int(used_cols[-1]) + 1
    strips = []
    for row in used_rows:
        # One row at a time: converting the whole image to RGB would copy all of it.
        strip = np.asarray(image.crop((left, int(row), right, int(row) + 1)).convert(mode))
        strips.append(strip.reshape(right - left, -1)[used_cols - left])
    sampled = np.stack(strips)  # [rows used, columns used, channels], still 8-bit

    def remap(axis, used):
        low, high, weight = axis
        return np.searchsorted(used, low), np.searchsorted(used, high), weight

    return _bilinear(sampled, remap(rows, used_rows), remap(cols, used_cols))


def normalise(pixels: np.ndarray, spec: dict) -> np.ndarray:
    """0..255 pixel values -> the model's input values: rounded int32, or (pixel - mean) / std."""
    if spec.get("dtype") == "int32":
        return np.round(pixels).astype(np.int32)
    return ((pixels - spec.get("mean", 0.0)) / spec.get("std", 1.0)).astype(np.float32)


def prepare(data: bytes, spec: dict) -> Prepared:
    """Decode and preprocess; blocking (Pillow, numpy), so callers run it in an executor."""
    started = time.perf_counter()
    _, out_height, out_width, _ = spec["shape"]
    try:
        image, source_size = decode(data, max(out_height, out_width))
        decoded = time.perf_counter()
        mode = "L" if spec.get("channels") == "L" else "RGB"
        box = crop_box(image.width, image.height, spec)
        resized = crop_and_resize_image(image, mode, box, out_height, out_width)
    except MemoryError:
        raise PrepareError(503, OUT_OF_MEMORY) from None
    tensor = normalise(resized, spec)
    done = time.perf_counter()
    return Prepared(tensor[None], (decoded - started) * 1000, (done - decoded) * 1000, source_size)
