"""Source "tfhub": TF Hub handles through tensorflow_hub, which honours $TFHUB_CACHE_DIR.

`hub.resolve(handle)` downloads the module into the cache (or finds it there) and gives
the SavedModel folder, which convert.py turns into a graph model. The cache folder for a
handle is the sha1 hex digest of the handle string, so a SavedModel copied there works
with no network at all: the same code path, offline.

`pull <handle>` also takes handles the catalog does not list: they get an entry of their
own (entry_for), shapes read from the model. The hub module itself is the original
`verify` compares with.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
from pathlib import Path

from converters import catalog, tf_imports
from converters.catalog import Entry
from converters.console import ConverterError, step
from converters.sources import Source


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
            "      python -m converters convert <folder> --to graph --id <id>"
        ) from None


def is_handle(text: str) -> bool:
    """A TF Hub handle is a URL (tfhub.dev or Kaggle form); catalog ids never contain '/'."""
    return text.startswith(("http://", "https://"))


def id_from_handle(handle: str) -> str:
    """A readable id for an uncatalogued handle: .../mobilenet_v2_050_96/classification/5
    -> mobilenet-v2-050-96-classification-5."""
    return catalog.slug("-".join([p for p in handle.rstrip("/").split("/") if p][-3:]))


def entry_for(target: str) -> Entry | None:
    """The catalog's entry for a handle, else one of its own; None when `target` is no handle."""
    if not is_handle(target):
        return None
    listed = next((e for e in catalog.CATALOG.values() if e.source.get("handle") == target), None)
    if listed:
        return listed
    # TF Hub's image models take [0, 1] pixels by convention; shapes come from the model.
    spec = catalog.image_input([], mean=0.0, std=255.0)
    spec["shape"] = None
    return Entry(
        id=id_from_handle(target),
        title=target,
        task="custom",
        format="graph",
        source={"kind": "tfhub", "handle": target},
        licence="see the model's page",
        input=spec,
        output={"name": None, "shape": None, "activation": None, "background_class": False, "classes": None},
    )


def build(entry: Entry, folder: Path):
    from converters import convert

    saved_model = resolve(entry.source["handle"])
    return convert.saved_model_to_graph(saved_model, folder, entry.quantization, fallback_input=entry.input)


def original(source: dict):
    """The hub module itself, loaded with hub.load and called through its serving signature."""
    resolve(source["handle"])  # the friendly message when the hub cannot be reached
    from converters import convert

    with tf_imports.silenced(replay_on_error=False):
        module = tf_imports.tensorflow_hub().load(source["handle"])
    return convert.signature_function(module)


SOURCE = Source(
    kind="tfhub",
    describe=lambda source: "tfhub " + source["handle"].split("//", 1)[-1],
    build=build,
    original=original,
    entry_for=entry_for,
)
