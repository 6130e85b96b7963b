"""TF Hub handles through tensorflow_hub, which honours $TFHUB_CACHE_DIR.

`hub.resolve(handle)` downloads the module into the cache (or finds it there) and gives
the SavedModel folder, which convert.py turns into a graph model. The cache folder for a
handle is the sha1 hex digest of the handle string, so a SavedModel copied there works
with no network at all: the same code path, offline.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
from pathlib import Path

from converters import convert, tf_imports
from converters.catalog import Entry
from converters.console import ConverterError, step


def cache_folder(handle: str) -> Path:
    hub = tf_imports.tensorflow_hub()
    root = hub.resolver.tfhub_cache_dir(use_temp=True)
    return Path(root) / hashlib.sha1(handle.encode()).hexdigest()


def resolve(handle: str) -> Path:
    """The handle's SavedModel folder; a plain ConverterError when the hub is unreachable."""
    hub = tf_imports.tensorflow_hub()
    step(f"resolving {handle} through tensorflow_hub (cache {cache_folder(handle).parent})")
    try:
        with tf_imports.silenced(replay_on_error=False):
            return Path(hub.resolve(handle))
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise ConverterError(
            f"cannot reach TF Hub to fetch {handle} ({reason}).\n"
            "To use a local copy of the model instead, either\n"
            f"  - put the SavedModel (the folder holding saved_model.pb) at\n"
            f"      {cache_folder(handle)}\n"
            f"    (the TF Hub cache is $TFHUB_CACHE_DIR, currently "
            f"{os.environ.get('TFHUB_CACHE_DIR') or 'unset'}; the folder name is the sha1 of the handle)\n"
            "    and pull again, or\n"
            "  - convert the SavedModel folder directly:\n"
            "      python -m converters convert <folder> --to graph --id <id>") from None


def build(entry: Entry, folder: Path) -> convert.Conversion:
    saved_model = resolve(entry.source["handle"])
    return convert.saved_model_to_graph(saved_model, folder, entry.quantization,
                                        fallback_input=entry.input)


def original(source: dict):
    """The hub module itself, loaded with hub.load and called through its serving signature."""
    resolve(source["handle"])  # the friendly message when the hub cannot be reached
    with tf_imports.silenced(replay_on_error=False):
        module = tf_imports.tensorflow_hub().load(source["handle"])
    return convert.signature_function(module)
