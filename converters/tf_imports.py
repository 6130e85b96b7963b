"""Lazy, quiet imports of TensorFlow and friends.

TensorFlow takes seconds to import, so nothing in this package imports it at module
level: `python -m converters list` never pays for it. Importing it (and tensorflowjs,
which pulls in tensorflow_decision_forests and jax) also writes CUDA-registration
warnings to stderr at C level and an advertising banner to stdout; we send both file
descriptors to a temporary file during the import and replay them only if it fails.
"""

import contextlib
import functools
import os
import sys
import tempfile

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


@functools.cache
def tensorflowjs():
    tensorflow()
    with silenced():
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
