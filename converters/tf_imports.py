"""Lazy, quiet imports of TensorFlow and friends.

TensorFlow takes seconds to import, so nothing in this package imports it at module
level: `python -m converters list` never pays for it. Importing it also writes
CUDA-registration warnings to stderr at C level; we send both file descriptors to a
temporary file during the import and replay them only if it fails.

tensorflowjs is installed without its declared dependencies (requirements/tensorflowjs.txt):
see `_stand_ins_for_unused_imports` for why, and for what stands in for them.
"""

import contextlib
import functools
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import types

from converters.console import ConverterError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def silenced(replay_on_error: bool = True):
    """Send everything written to fds 1 and 2 (C++ logging included) to a temporary file.

    If the block raises and `replay_on_error`, the captured text goes to stderr: an import
    that fails should show why. Conversions raise errors we report ourselves, so they
    pass False.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            if replay_on_error:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                sink.seek(0)
                sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@functools.cache
def tensorflow():
    with silenced():
        import tensorflow as tf
    _quiet_absl()
    return tf


@functools.cache
def tf_keras():
    """Legacy Keras 2: the only Keras whose models TF.js 4.22 can load as layers models."""
    tensorflow()
    with silenced():
        import tf_keras as keras
    return keras


@functools.cache
def keras3():
    tensorflow()
    with silenced():
        import keras
    return keras


# tensorflowjs 4.22 imports two packages at import time that the conversions we run never
# call (tensorflow/tfjs#8655):
#   converters/jax_conversion.py            `from jax.experimental import jax2tf`, for convert_jax
#   converters/tf_saved_model_conversion_v2 `import tensorflow_decision_forests`, which registers
#                                           TF-DF's custom ops for SavedModels that use them
# Installing them means jax, jaxlib, flax, TF-DF, ydf, tensorstore, orbax and pandas (about 840 MB)
# and TF-DF's exact TensorFlow pin. We install neither, and let an empty module stand in for
# whichever is missing while tensorflowjs is imported.
_UNUSED_IMPORTS = {
    "jax": "convert_jax (JAX/Flax models)",
    "jax.experimental": "convert_jax (JAX/Flax models)",
    "jax.experimental.jax2tf": "convert_jax (JAX/Flax models)",
    "tensorflow_decision_forests": "converting TensorFlow Decision Forests models",
}


class NotInstalledError(ConverterError, AttributeError):
    """Also an AttributeError, so hasattr() on a stand-in answers False instead of raising."""


class _StandIn(types.ModuleType):
    """An empty module that says what it stands in for when something really uses it."""

    def __init__(self, name: str, used_by: str):
        super().__init__(name)
        # A spec keeps importlib.util.find_spec() from raising on a module with __spec__ None.
        self.__spec__ = importlib.machinery.ModuleSpec(name, None)
        self._used_by = used_by

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        raise NotInstalledError(
            f"{self.__name__}.{attribute} is needed for {self._used_by}, which this project "
            f"does not do: {self.__name__.split('.')[0]} is not installed (see "
            f"requirements/tensorflowjs.txt)"
        )


@contextlib.contextmanager
def _stand_ins_for_unused_imports():
    """Register stand-ins for the missing modules of `_UNUSED_IMPORTS` for the block's duration.

    A real jax or TF-DF, where installed, is left alone. The stand-ins are taken out of
    sys.modules afterwards (tensorflowjs keeps its own references), so no later import mistakes
    them for the real package: Keras 3 chooses its backend by probing for jax, and breaks on an
    empty one. That is also why tensorflowjs() imports TensorFlow, tf_keras and Keras 3 first.
    """
    # find_spec is None for a package that is not installed, and for one blocked with
    # sys.modules[name] = None (as the tests do to hide an installed jax).
    missing = [name for name in _UNUSED_IMPORTS if importlib.util.find_spec(name.split(".")[0]) is None]
    before = {name: sys.modules[name] for name in missing if name in sys.modules}
    for name in missing:
        sys.modules[name] = _StandIn(name, _UNUSED_IMPORTS[name])
        parent, _, child = name.rpartition(".")
        if parent in missing:
            setattr(sys.modules[parent], child, sys.modules[name])
    try:
        yield
    finally:
        for name in missing:
            sys.modules.pop(name, None)
        sys.modules.update(before)


@functools.cache
def tensorflowjs():
    tensorflow()
    tf_keras()
    keras3()
    if importlib.util.find_spec("tensorflowjs") is None:
        raise ConverterError(
            "tensorflowjs is not installed. It is installed without its dependencies: "
            "pip install --no-deps --require-hashes -r requirements/tensorflowjs.txt "
            "(make setup does this)"
        )
    with silenced(), _stand_ins_for_unused_imports():
        import tensorflowjs
        import tensorflowjs.converters  # noqa: F401  (registers the converters subpackage)
    _quiet_absl()
    return tensorflowjs


@functools.cache
def tensorflow_hub():
    tensorflow()
    with silenced():
        import tensorflow_hub as hub
    return hub


def _quiet_absl():
    # tf_keras and the converter log routine advice ("saving as HDF5 is legacy", "compiled
    # metrics have yet to be built") at WARNING; the user only needs our progress lines.
    import logging
    import warnings

    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="You are saving your model as an HDF5 file")
