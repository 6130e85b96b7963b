"""The Core API demo in headless Chromium: exact values, the playground, and clean pages."""

import pytest

from tests.browser import wait_ready

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("backend", ["wasm", "cpu"])
def test_first_lesson_exact_values(page, live_server, backend):
    page.page.goto(f"{live_server.url}/demos/core_api/?backend={backend}")
    state = wait_ready(page.page)
    assert state["backend"] == backend
    assert page.page.evaluate("() => tf.getBackend()") == backend
    assert state["result"]["add"] == [11, 22, 33, 44]
    assert state["result"]["mul"] == [10, 40, 90, 160]
    assert page.page.get_by_test_id("add").inner_text() == "[11, 22, 33, 44]"
    assert page.page.get_by_test_id("mul").inner_text() == "[10, 40, 90, 160]"
    page.assert_clean(live_server.url)


def run_op(pg, a, b, op, arg=None):
    pg.get_by_test_id("op").select_option(op)
    pg.get_by_test_id("a-values").fill(a)
    if b is not None:  # tensor b's inputs are disabled for one-tensor ops
        pg.get_by_test_id("b-values").fill(b)
    if arg is not None:  # the argument box shows only for ops that take one
        pg.get_by_test_id("arg").fill(arg)
    pg.get_by_test_id("run").click()
    return pg.evaluate("() => window.__demo.result.playground")


def test_playground_ops_and_errors(page, live_server):
    pg = page.page
    pg.goto(f"{live_server.url}/demos/core_api/?backend=wasm")
    wait_ready(pg)
    tensors_before = pg.evaluate("() => tf.memory().numTensors")

    out = run_op(pg, "[[1, 2, 3], [4, 5, 6]]", "[10, 20, 30]", "add")
    assert out["values"] == [[11, 22, 33], [14, 25, 36]] and out["shape"] == [2, 3]

    out = run_op(pg, "[[1, 2], [3, 4]]", "[[5, 6], [7, 8]]", "matMul")
    assert out["values"] == [[19, 22], [43, 50]] and out["dtype"] == "float32"

    out = run_op(pg, "[[1, 2, 3], [4, 5, 6]]", None, "sum", "1")
    assert out["values"] == [6, 15] and out["shape"] == [2]

    out = run_op(pg, "[1, 2, 3, 4, 5, 6]", None, "reshape", "3, 2")
    assert out["values"] == [[1, 2], [3, 4], [5, 6]]

    out = run_op(pg, "[1, 2, 3]", "[1, 2]", "add")
    assert out["values"] is None and "broadcast" in out["error"].lower()
    assert "Error" in pg.get_by_test_id("result").inner_text()

    out = run_op(pg, "[[1, 2, 3], [4, 5, 6]]", "[[1, 2], [3, 4]]", "matMul")
    assert out["error"] and "inner" in out["error"].lower()

    out = run_op(pg, "[1, 2, oops]", "[1]", "add")
    assert "not a list of numbers" in out["error"]

    # tf.tidy freed everything, the failures included.
    assert pg.evaluate("() => tf.memory().numTensors") == tensors_before
    page.assert_clean(live_server.url)
