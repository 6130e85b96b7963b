"""The Layers API demo trains in headless Chromium: the loss falls and the line is learnt."""

import pytest

from tests.browser import wait_ready

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("backend", ["wasm", "cpu"])
def test_regression_trains_and_predicts(page, live_server, backend):
    pg = page.page
    pg.goto(f"{live_server.url}/demos/layers_api/?backend={backend}")
    state = wait_ready(pg)
    assert state["backend"] == backend == pg.evaluate("() => tf.getBackend()")
    result = state["result"]
    losses = result["lossHistory"]
    assert result["epoch"] == 200 == len(losses)
    assert losses[-1] < losses[0] / 1000, f"loss did not fall: {losses[0]} -> {losses[-1]}"
    assert result["prediction"]["x"] == 5
    assert result["prediction"]["y"] == pytest.approx(6, abs=0.05)

    # The user asks about another x.
    pg.get_by_test_id("predict-x").fill("10")
    pg.wait_for_function("() => window.__demo.result.prediction.x === 10")
    assert pg.evaluate("() => window.__demo.result.prediction.y") == pytest.approx(11, abs=0.1)
    page.assert_clean(live_server.url)


def test_retraining_does_not_leak_tensors(page, live_server):
    pg = page.page
    pg.goto(f"{live_server.url}/demos/layers_api/?backend=wasm")
    wait_ready(pg)
    before = pg.evaluate("() => tf.memory().numTensors")
    pg.get_by_test_id("epochs").fill("20")
    pg.get_by_test_id("train").click()
    pg.wait_for_function("() => window.__demo.result.epoch === 20 && window.__demo.result.prediction")
    assert pg.evaluate("() => tf.memory().numTensors") == before
    page.assert_clean(live_server.url)
