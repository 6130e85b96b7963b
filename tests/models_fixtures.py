"""Installing models into the test server's models folder.

The pretrained MobileNet v1 0.25 test weights come from ../shared/testdata (never copied
into the project); tests that need them skip cleanly when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server import testing
from server.testing import MOBILENET_GRAPH, MOBILENET_ID

__all__ = ["MOBILENET_GRAPH", "MOBILENET_ID", "install_shared_mobilenet"]


def install_shared_mobilenet(models_dir: Path) -> str:
    """The TF.js graph MobileNet v1 0.25 from ../shared/testdata, with a manifest (skips the
    test when ../shared is absent)."""
    if not MOBILENET_GRAPH.is_dir():
        pytest.skip(f"{MOBILENET_GRAPH} is absent: the MobileNet test weights live in ../shared only")
    return testing.install_shared_mobilenet(models_dir)
