"""manifest.json, the one description of an installed model (the schema: docs/MANIFEST.md).

The converters write it, the server lists and serves the folders that have a valid one,
the benchmark reads it to pick what to measure: all three go through this module, so they
agree on what a model id may be and on which folders are models. It imports only the
standard library, so a server installed without TensorFlow reads manifests too.

A folder under models/ is a model when its name is a valid id and its manifest.json is a
JSON object whose "id" is that name. Staging and retired folders start with a dot, which
no id does, so a half-written install is never listed.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import re
from importlib import metadata
from pathlib import Path
from typing import Any

SCHEMA = 1
MANIFEST = "manifest.json"
FORMATS = ("graph", "layers")

# Lower-case letters, digits, '.', '_' and '-', starting with a letter or digit: safe in a
# URL path and a file name on every system, never a dotted (hidden) folder, and never '+',
# which staging folder names use as their separator. One length limit for the converters
# and the server: what one installs, the other serves. Anchored with \Z, so .match and
# .fullmatch agree (with '$', "abc\n" would pass).
MAX_ID_LENGTH = 64
ID_PATTERN = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{MAX_ID_LENGTH - 1}}}\Z")
ID_RULE = (
    f"at most {MAX_ID_LENGTH} characters: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
)

log = logging.getLogger(__name__)


class ManifestError(ValueError):
    """A manifest cannot be written as asked (the message says why)."""


def valid_id(model_id: object) -> bool:
    return isinstance(model_id, str) and ID_PATTERN.fullmatch(model_id) is not None


def problems(manifest: object, model_id: str) -> list[str]:
    """Why `manifest` cannot describe the model `model_id` (empty: it can).

    Only what every reader relies on is checked: the id (the URL and cache key), and the
    format (how the browser loads it). The rest is the converters' to get right.
    """
    if not isinstance(manifest, dict):
        return ["manifest.json is not a JSON object"]
    found = []
    if not valid_id(model_id):
        found.append(f"{model_id!r} is not a valid model id ({ID_RULE})")
    if manifest.get("id") != model_id:
        found.append(f"its id {manifest.get('id')!r} does not match its folder {model_id!r}")
    if "format" in manifest and manifest["format"] not in FORMATS:
        found.append(f"format {manifest['format']!r} is not one of {', '.join(FORMATS)}")
    if "files" in manifest and not isinstance(manifest["files"], dict):
        found.append("'files' is not an object")
    return found


def read(folder: Path, model_id: str | None = None) -> dict[str, Any] | None:
    """The valid manifest of the model in `folder`, or None (missing, unreadable or invalid:
    a warning says which, since such a folder is silently not a model otherwise).

    model_id: the id the manifest must name, when the folder is not (yet) named after it,
    as a staging folder is not.
    """
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):  # no model here: nothing to warn about
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring model %s: unreadable manifest (%s)", folder.name, exc)
        return None
    found = problems(manifest, model_id or folder.name)
    if found:
        log.warning("ignoring model %s: %s", folder.name, "; ".join(found))
        return None
    return manifest


def installed(models_dir: Path) -> dict[str, dict[str, Any]]:
    """id -> manifest for every model under models_dir, sorted by id."""
    found = {}
    if models_dir.is_dir():
        for folder in sorted(models_dir.iterdir()):
            if folder.is_dir() and valid_id(folder.name):
                manifest = read(folder)
                if manifest is not None:
                    found[folder.name] = manifest
    return found


# ----------------------------------------------------------------------------- hashes


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def version_hash(files: dict[str, dict[str, Any]]) -> str:
    """sha256 over the sorted lines "<name> <sha256>\\n": changes iff any file changes.
    The browser's IndexedDB cache is keyed by it."""
    lines = "".join(f"{name} {info['sha256']}\n" for name, info in sorted(files.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def check_files(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Problems with the installed files (empty when every file matches its hash)."""
    found = []
    for name, info in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            found.append(f"{name}: missing")
        elif path.stat().st_size != info["bytes"]:
            found.append(f"{name}: {path.stat().st_size} bytes, manifest says {info['bytes']}")
        elif sha256_file(path) != info["sha256"]:
            found.append(f"{name}: sha256 differs from the manifest")
    if version_hash(manifest.get("files", {})) != manifest.get("sha256"):
        found.append("manifest sha256 does not match its file list")
    return found


# ----------------------------------------------------------------------------- writing


def weight_files(folder: Path) -> list[str]:
    """The shard files model.json's weightsManifest points at."""
    model_json = json.loads((folder / "model.json").read_text())
    return [p for group in model_json.get("weightsManifest", []) for p in group["paths"]]


def tool_versions() -> dict[str, str]:
    """The converter stack's versions, from package metadata (nothing is imported)."""
    versions = {}
    for dist in ("tensorflow", "tensorflowjs", "tf-keras", "tensorflow-hub"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist.replace("-", "_")] = metadata.version(dist)
    return versions


def write(folder: Path, fields: dict[str, Any]) -> dict[str, Any]:
    """Hash every file in `folder` and write manifest.json there; returns the manifest.

    `fields` are the model's own keys (id, title, input, output, source, ...); files,
    sizes, hashes, tools and the date are added here. The folder is named after the id
    only when it is installed, so the id is checked on its own.
    """
    if not valid_id(fields.get("id")):
        raise ManifestError(f"invalid model id {fields.get('id')!r}: use {ID_RULE}")
    files = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != MANIFEST:
            files[name] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
    shards = weight_files(folder)
    missing = [s for s in shards if s not in files]
    if missing:
        raise ManifestError(f"model.json names weight files that are not there: {missing}")
    manifest = {
        "schema": SCHEMA,
        **fields,
        "tools": tool_versions(),
        "created": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": files,
        "bytes": sum(f["bytes"] for f in files.values()),
        "weight_bytes": sum(files[s]["bytes"] for s in shards),
        "sha256": version_hash(files),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
