"""Real photos from installed packages (never drawn or synthetic), and hand annotations on
the 640x480 frames the fake camera plays (tests/fake_camera.py `fit_to_frame`).

Annotations were made on zoomed crops of fit_to_frame(photo) with a 40-pixel grid drawn
over them, then drawn back onto the frame to check (tests/artifacts/annotations_*.png is
written by the tests that use them).
"""

from __future__ import annotations

import numpy as np
from matplotlib import cbook
from PIL import Image, ImageDraw
from skimage import data


def grace_hopper() -> np.ndarray:
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(f).convert("RGB"))


PHOTOS = {
    "astronaut": data.astronaut,  # Eileen Collins in an orange suit, holding a helmet
    "coffee": data.coffee,  # a cup of coffee on a saucer, seen from above
    "chelsea": data.chelsea,  # a cat
    "rocket": data.rocket,  # a rocket on its launch pad: nobody in the picture
    "grace_hopper": grace_hopper,
}


def photo(name: str) -> np.ndarray:
    return PHOTOS[name]()


# The astronaut's outline (hair to the bottom of the frame), as a polygon in frame pixels.
ASTRONAUT_PERSON = [
    (200, 0),
    (380, 0),
    (378, 60),
    (370, 110),
    (385, 150),
    (382, 235),
    (415, 262),
    (440, 300),
    (452, 350),
    (455, 480),
    (30, 480),
    (35, 340),
    (50, 290),
    (70, 252),
    (120, 232),
    (140, 180),
    (150, 130),
    (195, 110),
    (200, 60),
]
# The helmet she holds hides her side: whether it "is the person" is a matter of opinion,
# so that box is left out of every score.
ASTRONAUT_DONT_CARE = (350, 345, 640, 480)  # x1, y1, x2, y2


def polygon_mask(points, width: int = 640, height: int = 480) -> np.ndarray:
    image = Image.new("L", (width, height), 0)
    ImageDraw.Draw(image).polygon(points, fill=1)
    return np.asarray(image, dtype=bool)


def box_mask(box, width: int = 640, height: int = 480) -> np.ndarray:
    x1, y1, x2, y2 = box
    mask = np.zeros((height, width), dtype=bool)
    mask[y1:y2, x1:x2] = True
    return mask
