"""Where models are installed and where downloads are cached."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

MODELS_DIR_ENV = "GALLERY_MODELS_DIR"
CACHE_DIR_ENV = "GALLERY_CACHE_DIR"


def models_dir(option: str | None = None) -> Path:
    """--models-dir, else $GALLERY_MODELS_DIR, else models/ in the repo (what the server serves)."""
    chosen = option or os.environ.get(MODELS_DIR_ENV) or REPO_ROOT / "models"
    return Path(chosen).resolve()


def cache_dir() -> Path:
    """Downloaded packages (npm tarballs); git-ignored, safe to delete."""
    return Path(os.environ.get(CACHE_DIR_ENV) or REPO_ROOT / ".cache").resolve()
