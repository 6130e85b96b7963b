"""A fake webcam for Chromium: a real photo written as a one-frame Y4M video.

Chromium's `--use-file-for-fake-video-capture` plays the file in a loop as the camera. The
frame must have the size the page asks for (640x480 here), or Chrome crops and scales it.
The photo is scaled to cover the frame and centre-cropped, then converted to I420 with the
BT.601 studio-range matrix that Chrome's Y4M reader assumes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 640, 480


def fit_to_frame(rgb: np.ndarray, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """Scale to cover width x height, keeping the aspect ratio, then crop the centre."""
    image = Image.fromarray(rgb[..., :3])
    scale = max(width / image.width, height / image.height)
    resized = image.resize((round(image.width * scale), round(image.height * scale)), Image.BICUBIC)
    left = (resized.width - width) // 2
    top = (resized.height - height) // 2
    return np.asarray(resized.crop((left, top, left + width, top + height)))


def write_y4m(rgb: np.ndarray, path: Path, width: int = WIDTH, height: int = HEIGHT) -> Path:
    frame = fit_to_frame(rgb, width, height).astype(np.float64) / 255.0
    r, g, b = frame[..., 0], frame[..., 1], frame[..., 2]
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    cb = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    cr = 128 + 112.0 * r - 93.786 * g - 18.214 * b

    def subsample(plane):  # 4:2:0: one chroma sample per 2x2 block
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    planes = [y, subsample(cb), subsample(cr)]
    data = b"".join(np.clip(np.round(p), 0, 255).astype(np.uint8).tobytes() for p in planes)
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + data)
    return path
