"""Configuration of the gallery server, shared by the CLI, the tests and the static export."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# A client that sends an upload one byte every few seconds would hold a connection and a
# handler for as long as it likes: the whole body must arrive within this many seconds
# (10 MB at 4 Mbit/s takes 20).
UPLOAD_TIMEOUT_SECONDS = 30.0


def _default_models_dir() -> Path:
    return Path(os.environ.get("GALLERY_MODELS_DIR", REPO_ROOT / "models"))


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8000
    models_dir: Path = field(default_factory=_default_models_dir)
    demos_dir: Path = REPO_ROOT / "demos"
    node_modules_dir: Path = REPO_ROOT / "node_modules"
    static_dir: Path = REPO_ROOT / "server" / "static"
    templates_dir: Path = REPO_ROOT / "server" / "templates"
    # Rendering for `python -m server export`: pages say which demos need the live server.
    static_export: bool = False
    upload_timeout: float = UPLOAD_TIMEOUT_SECONDS
