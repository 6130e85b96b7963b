"""converters/staging.py: the atomic install touches exactly its own folders, never deletes the
only copy of a model, and two installs at once leave each other alone. No TensorFlow: the
models here are a model.json without weights, installed the way every model is."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from converters import staging
from server import manifest

REPO = Path(__file__).resolve().parent.parent


def build(folder: Path, model_id: str, title: str) -> dict:
    (folder / "model.json").write_text('{"weightsManifest": []}')
    return manifest.write(folder, {"id": model_id, "title": title, "format": "graph"})


def install(models_dir: Path, model_id: str, title: str = "new") -> dict:
    with staging.staged_install(models_dir, model_id) as folder:
        return build(folder, model_id, title)


def leftover(models_dir: Path, kind: str, model_id: str, title: str = "old") -> Path:
    """A folder as a killed install of `model_id` leaves it (its owner is gone, so unlocked)."""
    folder = models_dir / staging.folder_name(kind, model_id, "k1ll3d00")
    folder.mkdir(parents=True)
    build(folder, model_id, title)
    return folder


def run_python(code: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def test_an_install_cleans_only_its_own_leftovers(tmp_path):
    """efficientnet-lite0 is a prefix of efficientnet-lite0-f16: its install must not take the
    other model's staging or retired folder for its own."""
    mine = leftover(tmp_path, staging.STAGING, "efficientnet-lite0")
    theirs = [
        leftover(tmp_path, staging.STAGING, "efficientnet-lite0-f16"),
        leftover(tmp_path, staging.RETIRED, "efficientnet-lite0-f16"),
    ]
    install(tmp_path, "efficientnet-lite0")
    assert not mine.exists()
    assert all(folder.exists() for folder in theirs)
    assert sorted(manifest.installed(tmp_path)) == ["efficientnet-lite0"]


def test_the_only_copy_left_by_a_swap_killed_halfway_is_put_back(tmp_path):
    """Killed between 'move the old version aside' and 'move the new one in': models/m is gone
    and the old version survives only in its retired folder. The next install restores it
    before building, so a failing build still leaves the old version installed."""
    install(tmp_path, "m", title="first")
    child = run_python(f"""
        import os, signal
        from pathlib import Path
        from converters import staging
        from server import manifest

        real_rename = Path.rename
        def rename(self, target):
            if Path(target).name == "m":  # the second rename of the swap: die before it
                os.kill(os.getpid(), signal.SIGKILL)
            return real_rename(self, target)
        Path.rename = rename
        with staging.staged_install(Path({str(tmp_path)!r}), "m") as folder:
            (folder / "model.json").write_text('{{"weightsManifest": []}}')
            manifest.write(folder, {{"id": "m", "title": "second", "format": "graph"}})
    """)
    child.communicate(timeout=60)
    assert child.returncode == -9
    assert not (tmp_path / "m").exists() and staging.leftovers(tmp_path, staging.RETIRED, "m")
    assert manifest.installed(tmp_path) == {}  # invisible meanwhile, never half-written

    with pytest.raises(RuntimeError), staging.staged_install(tmp_path, "m"):
        raise RuntimeError("the next build fails")
    assert manifest.read(tmp_path / "m")["title"] == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_a_retired_folder_beside_an_installed_model_is_removed(tmp_path):
    install(tmp_path, "m", title="current")
    old = leftover(tmp_path, staging.RETIRED, "m")
    install(tmp_path, "m", title="newer")
    assert not old.exists() and manifest.read(tmp_path / "m")["title"] == "newer"


def test_two_installs_at_once_leave_each_other_alone(tmp_path):
    """Another process is half-way through installing m (its staging folder is live) while
    this one installs m and n: neither deletes the other's folder, both finish."""
    child = run_python(f"""
        import sys
        from pathlib import Path
        from converters import staging
        from server import manifest

        with staging.staged_install(Path({str(tmp_path)!r}), "m") as folder:
            (folder / "model.json").write_text('{{"weightsManifest": []}}')
            manifest.write(folder, {{"id": "m", "title": "from the other process", "format": "graph"}})
            print(folder, flush=True)
            sys.stdin.readline()  # hold the staging folder until told to finish
    """)
    try:
        theirs = Path(child.stdout.readline().strip())
        assert theirs.is_dir(), child.stderr.read()
        install(tmp_path, "m", title="from this process")
        install(tmp_path, "n")
        assert theirs.is_dir() and manifest.read(theirs, "m") is not None
        assert manifest.read(tmp_path / "m")["title"] == "from this process"
        out, err = child.communicate("go\n", timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    # The later swap wins, whole: the other process's model, not a mix of the two.
    assert manifest.read(tmp_path / "m")["title"] == "from the other process"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "n"]


def test_a_failed_install_removes_its_staging_folder_and_keeps_the_model(tmp_path):
    install(tmp_path, "m", title="kept")
    with pytest.raises(RuntimeError), staging.staged_install(tmp_path, "m") as folder:
        (folder / "model.json").write_text("{}")
        raise RuntimeError("converter crashed midway")
    assert [p.name for p in tmp_path.iterdir()] == ["m"]
    assert manifest.read(tmp_path / "m")["title"] == "kept"
    assert os.stat(tmp_path / "m").st_mode & 0o755 == 0o755  # readable by the server
