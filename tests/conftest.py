"""Shared fixtures: the real server on a free port, and headless Chromium pointed at it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server import Config
from tests.browser import launch, record
from tests.live_server import LiveServer

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ARTIFACTS = REPO / "tests" / "artifacts"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """The models folder the test server serves; fixtures install what a test needs into it."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def default_models(models_dir) -> Path:
    """The pulled defaults (classifier, pose models) in the test server's models folder."""
    from converters import install

    install.defaults(models_dir, train=False)
    return models_dir


@pytest.fixture(scope="session")
def trained_models(models_dir) -> Path:
    """The digit and sketch classifiers, trained for real (as `make run` does) once per run."""
    from converters import install

    install.pull("mnist-cnn", models_dir)
    install.pull("quickdraw-cnn", models_dir)
    return models_dir


@pytest.fixture(scope="session")
def live_server(models_dir):
    server = LiveServer(Config(models_dir=models_dir)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = launch(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; a screenshot of the last state lands in tests/artifacts/."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    rec = record(context.new_page())
    yield rec
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        rec.page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    except Exception:  # a crashed page has nothing to show; the test already says why
        pass
    context.close()


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last.

    Sync Playwright keeps an event loop running in the main thread for as long as the
    session-wide browser lives, and pytest-aiohttp's async tests cannot start their own loop
    while it does ("Runner.run() cannot be called from a running event loop"). Ordering the
    browser tests after everything else keeps the two apart in one pytest run.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
