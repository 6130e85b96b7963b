"""The atomic install of a model folder: built beside models/<id>, renamed into place.

A model is built in a staging folder inside models/ (same file system, so the final
rename is atomic), its manifest is written last, and only then is the folder swapped in
as models/<id>. The server and the browser therefore never see a half-written model: a
folder under models/ without a leading dot is complete.

Names: a staging folder is `.tmp+<id>+<random>`, the previous version while it is being
replaced `.old+<id>+<random>`. Ids never contain '+' (server/manifest.py), so the id
part of a name is exact: installing `efficientnet-lite0` never touches the folders of
`efficientnet-lite0-f16`.

Several installs may run at once (two terminals, a `pull` during `defaults`):

- each install holds an exclusive flock on its own staging folder for as long as it
  lives. The kernel drops the lock when the process dies, so a staging folder whose lock
  can be taken is a leftover, and one that cannot belongs to a running install and is
  left alone;
- recovering leftovers and swapping a folder in happen under a flock on the models
  folder itself, so two swaps never interleave and a swap is never mistaken for a
  leftover;
- a process killed between the two renames of a swap leaves no models/<id>, and the
  previous version in `.old+<id>+...`: the only copy. The next install of that id puts
  it back (and only then builds), instead of deleting it.

flock is POSIX (Linux, macOS): this project runs there only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from converters.console import ConverterError, step
from server import manifest

SEPARATOR = "+"
STAGING = ".tmp"
RETIRED = ".old"


def folder_name(kind: str, model_id: str, token: str) -> str:
    """`.tmp+<id>+<token>` (kind STAGING) or `.old+<id>+<token>` (kind RETIRED)."""
    return SEPARATOR.join((kind, model_id, token))


def leftovers(models_dir: Path, kind: str, model_id: str) -> list[Path]:
    """The staging (or retired) folders of exactly this id, oldest first."""
    found = []
    for path in models_dir.iterdir() if models_dir.is_dir() else ():
        parts = path.name.split(SEPARATOR)
        if len(parts) == 3 and parts[0] == kind and parts[1] == model_id and path.is_dir():
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime_ns)


@contextlib.contextmanager
def _models_lock(models_dir: Path) -> Iterator[None]:
    # A lock on the folder itself: no lock file to leave behind (or to race on deleting).
    fd = os.open(models_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits for the other install's short critical section
        yield
    finally:
        os.close(fd)  # releases the lock, as the kernel does when a process dies


def _try_lock(folder: Path) -> int | None:
    """An open descriptor holding an exclusive flock on `folder`, or None if another process holds one."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _recover(models_dir: Path, model_id: str) -> None:
    """Clean what killed installs of this id left; put back a previous version that a killed
    swap left as its only copy. Called under the models lock."""
    for stale in leftovers(models_dir, STAGING, model_id):
        fd = _try_lock(stale)
        if fd is None:
            continue  # a running install's staging folder
        try:
            shutil.rmtree(stale, ignore_errors=True)
        finally:
            os.close(fd)
    retired = leftovers(models_dir, RETIRED, model_id)
    target = models_dir / model_id
    if not target.exists():
        complete = [p for p in retired if manifest.read(p, model_id) is not None]
        if complete:
            newest = complete[-1]
            newest.rename(target)
            retired.remove(newest)
            step(f"{model_id}: put back the installed version an interrupted install had moved aside")
    for old in retired:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_install(models_dir: Path, model_id: str) -> Iterator[Path]:
    """Yield an empty staging folder; on success swap it in as models_dir/model_id.

    The caller writes the model and then the manifest into the folder. If the block
    raises (or the process dies), models/<id> is untouched; the staging folder is
    removed here, or by the next install of the same id after a hard kill.
    """
    if not manifest.valid_id(model_id):
        raise ConverterError(f"invalid model id {model_id!r}: use {manifest.ID_RULE}")
    models_dir.mkdir(parents=True, exist_ok=True)
    with _models_lock(models_dir):
        _recover(models_dir, model_id)
        staging = Path(tempfile.mkdtemp(prefix=folder_name(STAGING, model_id, ""), dir=models_dir))
        owner = _try_lock(staging)  # nobody else can hold it yet: made under the models lock
    try:
        yield staging
        if manifest.read(staging, model_id) is None:
            raise ConverterError(f"internal error: {model_id} was staged without a valid manifest")
        with _models_lock(models_dir):
            _swap_in(staging, models_dir / model_id)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # already gone after a swap
        os.close(owner)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace target by staging with renames only, so a reader sees old or new, never half."""
    os.chmod(staging, 0o755)  # mkdtemp makes it 0700; the server must read it
    if not target.exists():
        staging.rename(target)
        return
    retired = Path(tempfile.mkdtemp(prefix=folder_name(RETIRED, target.name, ""), dir=target.parent))
    retired.rmdir()
    target.rename(retired)
    try:
        staging.rename(target)
    except OSError:
        retired.rename(target)
        raise
    shutil.rmtree(retired, ignore_errors=True)
