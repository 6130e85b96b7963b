"""The installed model catalog, as the server sees it: one folder per model under models/.

Each folder holds a manifest.json written by `python -m converters` (docs/MANIFEST.md).
Reading and validating it, and the id rules, are server/manifest.py's, shared with the
converters and the benchmark: folders without a valid manifest (a half-written install, a
broken file, a name no id can have) are not served as models.
"""

from __future__ import annotations

from server import manifest

# The names the handlers use (views.py, export.py, offline.py) for the shared rules.
MODEL_ID = manifest.ID_PATTERN  # anchored: MODEL_ID.match(text) is a full match
read_manifest = manifest.read
installed_models = manifest.installed


def summary(found: dict) -> dict:
    """What /api/models lists for one model: enough to choose it and to cache it."""
    keys = (
        "id",
        "title",
        "task",
        "format",
        "input",
        "output",
        "labels",
        "source",
        "licence",
        "quantization",
        "bytes",
        "weight_bytes",
        "sha256",
        "pose",
    )
    entry = {key: found.get(key) for key in keys if key in found}
    entry["url"] = f"/models/{found['id']}/"
    return entry
