"""Teach a classifier's instant mode, k nearest neighbours, in headless Chromium on the real
photos of test_browser_teach.py: it answers as soon as examples are added (no training), is
measured on the held-out split the trained head uses, and a reload rebuilds it."""

from __future__ import annotations

import pytest

from tests.browser import record, wait_ready
from tests.conftest import ARTIFACTS
from tests.test_browser_teach import (  # noqa: F401 (fixtures are used by name)
    CLASSES,
    PER_CLASS,
    base_model,
    example_files,
    name_classes,
    open_teach,
    probe,
)

pytestmark = pytest.mark.browser

# Held-out accuracy the k-NN must reach: 6 held-out crops (2 per class) of three very different
# photos, with 8 training crops per class. k = 3 gets all 6 here; one miss is allowed (5 of 6).
MIN_HELD_OUT_ACCURACY = 5 / 6


def upload(page, index: int, files: list[str], total: int) -> None:
    page.locator("[data-testid=upload]").nth(index).set_input_files(files)
    page.wait_for_function(f"() => window.__demo.teach.classes[{index}].count === {total}", timeout=120_000)


def answer(page) -> dict:
    return page.evaluate("() => window.__demo.result")


@pytest.fixture(scope="module")
def knn_page(browser, live_server, base_model, example_files, probe):  # noqa: F811
    """One k-NN project taught from photos; several tests read it in turn."""
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    rec = record(context.new_page())
    page = rec.page
    open_teach(page, live_server)
    page.check("[data-testid=classifier-knn]")
    page.wait_for_function("() => window.__demo.teach.classifier === 'knn'")
    name_classes(page)
    yield rec
    context.close()


def test_knn_predicts_as_soon_as_examples_are_added(knn_page, example_files, probe):  # noqa: F811
    page = knn_page.page
    # The probe (a crop of the coffee photo) is the picture on the stage throughout.
    page.set_input_files("[data-testid=file]", str(probe))
    # Cat and rocket examples only: the k-NN can only say cat or rocket.
    upload(page, 0, example_files["cat"][:2], 2)
    upload(page, 2, example_files["rocket"][:2], 2)
    page.wait_for_function("() => window.__demo.result && window.__demo.result.classifier === 'knn'", timeout=30_000)
    first = answer(page)
    assert first["top"][0]["label"] in ("cat", "rocket")
    assert next(t for t in first["top"] if t["label"] == "coffee")["probability"] == 0
    # Two coffee examples: the same picture is now answered "coffee", with no training at all.
    upload(page, 1, example_files["coffee"][:2], 2)
    page.wait_for_function("() => window.__demo.result.top[0].label === 'coffee'", timeout=30_000)
    state = page.evaluate("() => window.__demo.teach")
    assert state["trained"] is False and state["history"] == []
    assert len(state["measured"]["knnAddMs"]) == 6
    assert page.locator("[data-testid=knn-k]").input_value() == "3"
    assert page.locator("[data-testid=train]").is_hidden()
    # No Teachable Machine export of a k-NN: the button is off and the page says why.
    assert page.locator("[data-testid=export-model]").is_disabled()
    assert "no weights to export" in page.locator("[data-testid=export-note]").inner_text()


def test_knn_held_out_accuracy_on_the_heads_split(knn_page, example_files):  # noqa: F811
    page = knn_page.page
    for i, name in enumerate(CLASSES):
        upload(page, i, example_files[name][2:], PER_CLASS)
    page.wait_for_function(
        "() => window.__demo.teach.knnEvaluation && window.__demo.teach.knnEvaluation.heldOut === 6", timeout=60_000
    )
    knn = page.evaluate("() => window.__demo.teach.knnEvaluation")
    assert knn["k"] == 3 and knn["names"] == list(CLASSES)
    assert knn["accuracy"] >= MIN_HELD_OUT_ACCURACY, knn
    assert [sum(row) for row in knn["confusion"]] == [2, 2, 2]
    assert "k-NN (k = 3), held out: 6 examples" in page.locator("[data-testid=evaluation]").inner_text()
    page.screenshot(path=ARTIFACTS / "teach_knn.png", full_page=True)
    # The trained head on the same examples: the same 6 held out, so the two compare.
    page.check("[data-testid=classifier-head]")
    page.fill("[data-testid=epochs]", "25")
    page.click("[data-testid=train]")
    page.wait_for_function("() => window.__demo.teach.evaluation && !window.__demo.teach.training", timeout=120_000)
    head = page.evaluate("() => window.__demo.teach.evaluation")
    assert head["heldOut"] == knn["heldOut"]
    assert [sum(row) for row in head["confusion"]] == [sum(row) for row in knn["confusion"]]
    assert "The k-NN (k = 3):" in page.locator("[data-testid=evaluation]").inner_text()
    page.screenshot(path=ARTIFACTS / "teach_head_vs_knn.png", full_page=True)
    # Back to the k-NN with k = 5, the mode a reload must find.
    page.check("[data-testid=classifier-knn]")
    page.fill("[data-testid=knn-k]", "5")
    page.dispatch_event("[data-testid=knn-k]", "change")
    page.wait_for_function(
        "() => window.__demo.teach.knnEvaluation && window.__demo.teach.knnEvaluation.k === 5", timeout=60_000
    )


def test_reload_rebuilds_the_knn_from_the_saved_examples(knn_page, probe):  # noqa: F811
    page = knn_page.page
    page.reload()
    wait_ready(page)
    page.wait_for_function("() => window.__demo.teach.knnEvaluation", timeout=60_000)
    state = page.evaluate("() => window.__demo.teach")
    assert state["classifier"] == "knn" and state["k"] == 5
    assert [c["count"] for c in state["classes"]] == [PER_CLASS] * 3
    assert state["knnEvaluation"]["heldOut"] == 6 and state["knnEvaluation"]["k"] == 5
    assert state["knnEvaluation"]["accuracy"] >= MIN_HELD_OUT_ACCURACY
    assert page.locator("[data-testid=knn-k]").input_value() == "5"
    page.evaluate("() => { window.__demo.result = null; }")
    page.set_input_files("[data-testid=file]", str(probe))
    page.wait_for_function("() => window.__demo.result && window.__demo.result.source === 'image'", timeout=60_000)
    top = answer(page)["top"][0]
    assert top["label"] == "coffee" and top["probability"] >= 0.6
    page.screenshot(path=ARTIFACTS / "teach_knn_reloaded.png", full_page=True)
    knn_page.assert_clean(page.url.split("/demos/")[0])
