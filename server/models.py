"""The installed model catalog, as the server sees it: one folder per model under models/.

Each folder holds a manifest.json written by `python -m converters` (docs/MANIFEST.md).
Folders without one (or with a broken one) are not served as models: a half-written
install never shows up in the gallery.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

log = logging.getLogger(__name__)


def read_manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring model %s: unreadable manifest (%s)", folder.name, exc)
        return None
    if not isinstance(manifest, dict) or manifest.get("id") != folder.name:
        log.warning("ignoring model %s: manifest id does not match its folder", folder.name)
        return None
    return manifest


def installed_models(models_dir: Path) -> dict[str, dict]:
    """id -> manifest for every complete model folder, sorted by id."""
    if not models_dir.is_dir():
        return {}
    found = {}
    for folder in sorted(models_dir.iterdir()):
        if folder.is_dir() and MODEL_ID.match(folder.name):
            manifest = read_manifest(folder)
            if manifest is not None:
                found[folder.name] = manifest
    return found


def summary(manifest: dict) -> dict:
    """What /api/models lists for one model: enough to choose it and to cache it."""
    keys = ("id", "title", "task", "format", "input", "output", "labels", "source",
            "licence", "quantization", "bytes", "weight_bytes", "sha256", "pose")
    entry = {key: manifest.get(key) for key in keys if key in manifest}
    entry["url"] = f"/models/{manifest['id']}/"
    return entry
