"""server/manifest.py, the one manifest module: id rules, reading and listing, shared by the
server, the converters and the benchmark. No TensorFlow: these run in a server-only install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters import staging
from converters.console import ConverterError
from server import manifest
from server.models import MODEL_ID, installed_models

REPO = Path(__file__).resolve().parent.parent


def stage(models_dir: Path, model_id: str, title: str = "t") -> dict:
    """Install a minimal model (no weights) through the converters' staged install."""
    with staging.staged_install(models_dir, model_id) as folder:
        (folder / "model.json").write_text('{"weightsManifest": []}')
        return manifest.write(folder, {"id": model_id, "title": title, "format": "graph"})


def test_ids_are_matched_whole_and_capped_at_one_length():
    assert manifest.valid_id("efficientnet-lite0-f16") and manifest.valid_id("a" * manifest.MAX_ID_LENGTH)
    for bad in [
        "abc\n",
        "a" * (manifest.MAX_ID_LENGTH + 1),
        "",
        ".hidden",
        "-x",
        "Upper",
        "a+b",
        "a/b",
        "a b",
        "../x",
        "a\x00",
    ]:
        assert not manifest.valid_id(bad), repr(bad)
        # The server's handlers use MODEL_ID.match: the same pattern, anchored, so no prefix passes.
        assert MODEL_ID.match(bad) is None, repr(bad)


def test_a_folder_whose_name_ends_in_a_newline_is_not_a_model(tmp_path):
    bad = tmp_path / "abc\n"
    bad.mkdir()
    (bad / "manifest.json").write_text(json.dumps({"id": "abc\n", "format": "graph"}))
    assert manifest.installed(tmp_path) == {}


def test_a_manifest_must_name_its_folder_and_a_known_format(tmp_path):
    for name, body in [("a", {"id": "b"}), ("c", {"id": "c", "format": "saved_model"}), ("d", [1]), ("e", "not json")]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(body if isinstance(body, str) else json.dumps(body))
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "manifest.json").write_text(json.dumps({"id": "ok", "format": "layers"}))
    assert list(manifest.installed(tmp_path)) == ["ok"]
    assert manifest.problems({"id": "b"}, "a") == ["its id 'b' does not match its folder 'a'"]


def test_the_converters_refuse_an_id_the_server_would_not_serve(tmp_path):
    with pytest.raises(ConverterError, match="at most 64 characters"):
        stage(tmp_path, "m" * 65)
    with pytest.raises(ConverterError, match="invalid model id"):
        stage(tmp_path, "abc\n")
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model_id=st.text(alphabet="abcXYZ019._-+/\n ", min_size=0, max_size=70))
def test_what_the_converters_install_the_server_serves(tmp_path_factory, model_id):
    """Either the staged install refuses the id, or the server lists the installed model."""
    models = tmp_path_factory.mktemp("models")
    try:
        stage(models, model_id)
    except ConverterError:
        assert not manifest.valid_id(model_id)
        assert installed_models(models) == {}
        return
    assert list(installed_models(models)) == [model_id] and MODEL_ID.match(model_id)


def test_the_server_reads_manifests_without_tensorflow_or_the_converters():
    code = (
        "import sys, server.manifest, server.app; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tf_keras', 'keras', 'converters')]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_benchmark_measures_only_what_the_server_serves(tmp_path):
    from bench.cli import catalog

    stage(tmp_path, "fine")
    (tmp_path / "fine" / "manifest.json").write_text(
        json.dumps({**manifest.read(tmp_path / "fine"), "task": "image-classification", "input": {"channels": "RGB"}})
    )
    os.mkdir(tmp_path / "Wrong")  # a name no id can have, with an otherwise good manifest
    (tmp_path / "Wrong" / "manifest.json").write_text(json.dumps({"id": "Wrong", "task": "image-classification"}))
    measured, skipped = catalog(tmp_path)
    assert [m["id"] for m in measured + skipped] == ["fine"]
