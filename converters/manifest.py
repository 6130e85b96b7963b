"""manifest.json (docs/MANIFEST.md) and the atomic install of a model folder.

A model is built in a staging folder inside models/ (same file system, so the final
rename is atomic), its manifest is written last, and only then is the folder renamed to
models/<id>. The server and the browser therefore never see a half-written model: a
folder under models/ without a leading dot is complete, and its manifest's `sha256`
names exactly the bytes in it (the browser's IndexedDB cache key).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

from converters.console import ConverterError

SCHEMA = 1
MANIFEST = "manifest.json"
STAGING_PREFIX = ".tmp-"
RETIRED_PREFIX = ".old-"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def version_hash(files: dict[str, dict[str, Any]]) -> str:
    """sha256 over the sorted lines "<name> <sha256>\\n": changes iff any file changes."""
    lines = "".join(f"{name} {info['sha256']}\n" for name, info in sorted(files.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def weight_files(folder: Path) -> list[str]:
    """The shard files model.json's weightsManifest points at."""
    model_json = json.loads((folder / "model.json").read_text())
    return [p for group in model_json.get("weightsManifest", []) for p in group["paths"]]


def tool_versions() -> dict[str, str]:
    versions = {}
    for dist in ("tensorflow", "tensorflowjs", "tf-keras", "tensorflow-hub"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist.replace("-", "_")] = metadata.version(dist)
    return versions


def write(folder: Path, fields: dict[str, Any]) -> dict[str, Any]:
    """Hash every file in `folder` and write manifest.json there; returns the manifest."""
    files = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != MANIFEST:
            files[name] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
    shards = weight_files(folder)
    missing = [s for s in shards if s not in files]
    if missing:
        raise ConverterError(f"model.json names weight files that are not there: {missing}")
    manifest = {
        "schema": SCHEMA,
        **fields,
        "tools": tool_versions(),
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": files,
        "bytes": sum(f["bytes"] for f in files.values()),
        "weight_bytes": sum(files[s]["bytes"] for s in shards),
        "sha256": version_hash(files),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def check_files(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Problems with the installed files (empty when every file matches its hash)."""
    problems = []
    for name, info in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != info["bytes"]:
            problems.append(f"{name}: {path.stat().st_size} bytes, manifest says {info['bytes']}")
        elif sha256_file(path) != info["sha256"]:
            problems.append(f"{name}: sha256 differs from the manifest")
    if version_hash(manifest.get("files", {})) != manifest.get("sha256"):
        problems.append("manifest sha256 does not match its file list")
    return problems


def installed(models_dir: Path) -> dict[str, dict[str, Any]]:
    """Manifests of the complete models under models_dir (staging folders are dotted)."""
    found = {}
    if models_dir.is_dir():
        for folder in sorted(models_dir.iterdir()):
            if folder.is_dir() and not folder.name.startswith("."):
                manifest = read(folder)
                if manifest:
                    found[folder.name] = manifest
    return found


@contextlib.contextmanager
def staged_install(models_dir: Path, model_id: str) -> Iterator[Path]:
    """Yield an empty staging folder; on success swap it in as models_dir/model_id.

    The caller writes the model and then the manifest into the folder. If the block
    raises (or the process dies), models/<id> is untouched; the staging folder is
    removed here, or by the next install of the same id after a hard kill. The server
    must ignore dotted folders.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    for prefix in (STAGING_PREFIX, RETIRED_PREFIX):  # left by a killed install of this id
        for stale in models_dir.glob(f"{prefix}{model_id}-*"):
            shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{model_id}-", dir=models_dir))
    try:
        yield staging
        if read(staging) is None:
            raise ConverterError(f"internal error: {model_id} was staged without a manifest")
        _swap_in(staging, models_dir / model_id)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace target by staging with renames only, so a reader sees old or new, never half."""
    os.chmod(staging, 0o755)  # mkdtemp makes it 0700; the server must read it
    if not target.exists():
        staging.rename(target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f"{RETIRED_PREFIX}{target.name}-", dir=target.parent))
    retired.rmdir()
    target.rename(retired)
    try:
        staging.rename(target)
    except OSError:
        retired.rename(target)
        raise
    shutil.rmtree(retired, ignore_errors=True)
