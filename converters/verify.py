"""`verify <id>`: is the installed TF.js model intact, and does it compute what the original does?

1. Every file must match the sha256 in manifest.json (a corrupt or edited shard fails here).
2. TF.js runs the model in Node (tfjs_runner.mjs, wasm backend) on real photos from
   scikit-image, prepared as the manifest says a demo should, plus uniform noise.
3. Where the model's source (converters/sources/) has an original (Keras file,
   SavedModel, TF Hub module, the rebuilt EfficientNet), TensorFlow runs it on the same
   tensors: we report the largest absolute difference and whether top-1 agrees. Float16
   and uint8 weights move numbers by design; for them the figures are the measured cost
   of quantization. Top-1 on the photos must still agree, except for uint8, whose effect
   is reported, not judged.
4. The npm pose models have no TF original here: they must produce sane keypoints for
   the astronaut photo (a person, face and shoulders in view). Models trained here have
   none either: they must score on held-out examples what Keras scored.
5. A classifier's labels.txt must name one class per output.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from converters import images, sources, tfjs_node
from converters.console import ConverterError, step
from server import manifest

RANDOM_INPUTS = 2
# Largest |TF - TF.js| relative to the largest |output| that still counts as "same
# numbers" for float32 weights (float32 kernels in a different order: ~1e-6 typical).
FLOAT32_TOLERANCE = 1e-3
KEYPOINT_THRESHOLD = 0.3  # pose-detection's default score threshold for drawing a keypoint
# pose-detection's BlazePose keypoint names, in the model's order.
BLAZEPOSE_KEYPOINTS = [
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
]
MOVENET_KEYPOINTS = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
]


@dataclasses.dataclass
class Report:
    model_id: str
    problems: list[str] = dataclasses.field(default_factory=list)
    lines: list[str] = dataclasses.field(default_factory=list)
    max_abs_diff: float | None = None
    relative_diff: float | None = None
    top1_agree: int = 0
    top1_total: int = 0
    top1: dict[str, str] = dataclasses.field(default_factory=dict)  # photo -> TF.js top-1 label
    keypoints: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def say(self, line: str) -> None:
        self.lines.append(line)
        print(line, flush=True)


def verify(models_dir: Path, model_id: str, backend: str = "wasm") -> Report:
    folder = models_dir / model_id
    found = manifest.read(folder)
    if found is None:
        installed = ", ".join(manifest.installed(models_dir)) or "none"
        raise ConverterError(f"{model_id} is not installed in {models_dir} (installed: {installed})")
    report = Report(model_id)
    quant = found.get("quantization") or "float32"
    report.say(
        f"{model_id}: {found['format']} model, {quant} weights, "
        f"{found['weight_bytes'] / 1e6:.2f} MB of weights, {len(found['files'])} files"
    )

    report.problems += manifest.check_files(folder, found)
    if report.problems:
        for problem in report.problems:
            report.say(f"  MISMATCH {problem}")
        report.say("  FAILED: the files differ from the manifest; pull or convert the model again")
        return report
    report.say(f"  files: all match the manifest (version sha256 {found['sha256'][:16]})")

    spec = found["input"]
    size = images.input_size(spec, (found.get("pose") or {}).get("input_resolution", 224))
    # Models judged on photos (no original to compare with) also see one with nobody in it.
    names = (*images.PHOTOS, images.NOBODY) if found["task"] in PHOTO_CHECKS else images.PHOTOS
    named = {name: images.prepare(photo, spec, size) for name, photo in images.photos(names).items()}
    source = sources.get(found["source"]["kind"])
    original = source.original(found["source"])
    if original is not None:
        rng = np.random.default_rng(0)
        named.update({f"random{i + 1}": images.random_input(spec, size, rng) for i in range(RANDOM_INPUTS)})

    step(f"{model_id}: running TF.js ({backend}) on {len(named)} inputs of {size[0]}x{size[1]}")
    result = tfjs_node.run(folder, found["format"], list(named.values()), backend)
    timings = [r.ms for r in result.runs]
    report.say(
        f"  TF.js {result.backend} (Node): loaded in {result.load_ms:.0f} ms, "
        f"{np.median(timings):.0f} ms per input (median)"
    )
    runs = dict(zip(named, result.runs, strict=True))

    # The first output in TF.js order is what a demo reads; the manifest describes it.
    _check_shape(report, found, runs["astronaut"].outputs)
    _check_labels(report, found, folder, runs["astronaut"].outputs[0])
    if source.held_out is not None:
        _check_trained(report, found, folder, backend, source)
    elif original is None and found["task"] in PHOTO_CHECKS:
        PHOTO_CHECKS[found["task"]](report, found, runs)
    elif original is None:
        _check_pose(report, found, runs["astronaut"].outputs)
    else:
        step(f"{model_id}: running the original in TensorFlow")
        tf_outputs = {name: original(x) for name, x in named.items()}
        tfjs_outputs = {name: _in_key_order(folder, run) for name, run in runs.items()}
        _compare(report, found, tf_outputs, tfjs_outputs, folder)
    report.say("  OK" if report.ok else "  FAILED: " + "; ".join(report.problems))
    return report


def _in_key_order(folder: Path, run: tfjs_node.Run) -> list[np.ndarray]:
    """TF.js outputs sorted by signature key, as convert.signature_function sorts TensorFlow's."""
    signature = json.loads((folder / "model.json").read_text()).get("signature", {})
    key_of = {spec["name"].split(":")[0]: key for key, spec in signature.get("outputs", {}).items()}
    if len(run.outputs) < 2 or not key_of:
        return run.outputs
    pairs = sorted(zip(run.names, run.outputs, strict=True), key=lambda p: key_of.get(p[0].split(":")[0], p[0]))
    return [array for _, array in pairs]


def _check_shape(report: Report, found: dict[str, Any], outputs: list[np.ndarray]) -> None:
    """The output the manifest describes is there (for a model with several outputs, such as
    BlazePose's landmarks, world points, mask and flag, it is one of them)."""
    expected = found["output"].get("shape") or []

    def fits(output):
        return len(expected) == len(output.shape) and all(
            e in (-1, a) for e, a in zip(expected, output.shape, strict=True)
        )

    if not any(fits(o) for o in outputs):
        actual = ", ".join(str(list(o.shape)) for o in outputs)
        report.problems.append(f"output shape {actual} does not match the manifest's {expected}")


def _check_labels(report: Report, found: dict[str, Any], folder: Path, output: np.ndarray) -> None:
    """One label per class: the outputs TF.js computes, less the background class."""
    names = _labels(folder, found)
    if names is None or output.ndim < 1:
        return
    if len(names) != output.shape[-1]:
        background = " (with the background class)" if found["output"].get("background_class") else ""
        report.problems.append(
            f"labels.txt names {len(names)} classes{background} but the model outputs {output.shape[-1]} values"
        )


def _labels(folder: Path, found: dict[str, Any]) -> list[str] | None:
    if not found.get("labels"):
        return None
    names = (folder / found["labels"]).read_text(encoding="utf-8").splitlines()
    return (["background"] + names) if found["output"].get("background_class") else names


def _compare(report: Report, found: dict[str, Any], tf_outputs: dict, tfjs_outputs: dict, folder: Path) -> None:
    labels = _labels(folder, found)
    classify = labels is not None or found["task"] == "image-classification"
    worst, scale = 0.0, 0.0
    agree = total = 0
    for name in tf_outputs:
        ours, theirs = tf_outputs[name], tfjs_outputs[name]
        if len(ours) != len(theirs):
            report.problems.append(f"TensorFlow gives {len(ours)} outputs, TF.js {len(theirs)}")
            return
        diff = max(float(np.max(np.abs(a.astype(np.float64) - b))) for a, b in zip(ours, theirs, strict=True))
        worst = max(worst, diff)
        scale = max(scale, *(float(np.max(np.abs(a))) for a in ours))
        line = f"  {name:<10} max |TF - TF.js| {diff:.2e}"
        if classify:
            tf_top, js_top = int(np.argmax(ours[0])), int(np.argmax(theirs[0]))
            same = tf_top == js_top
            if not name.startswith("random"):
                total += 1
                agree += same
                report.top1[name] = labels[js_top] if labels else str(js_top)
            line += (
                f"   top-1 TF {_label(labels, tf_top)!r} / TF.js {_label(labels, js_top)!r}"
                f"{'' if same else '  DIFFERENT'}"
            )
        report.say(line)
    report.max_abs_diff, report.relative_diff = worst, worst / (scale or 1.0)
    report.top1_agree, report.top1_total = agree, total
    quant = found.get("quantization")
    summary = f"  max abs diff {worst:.3e} (relative {report.relative_diff:.1e})"
    if classify:
        summary += f", top-1 agreement on photos {agree}/{total}"
    report.say(summary)
    if quant is None and report.relative_diff > FLOAT32_TOLERANCE:
        report.problems.append(
            f"float32 model differs by {report.relative_diff:.1e} relative (tolerance {FLOAT32_TOLERANCE:.0e})"
        )
    if classify and quant != "uint8" and agree != total:
        report.problems.append(f"top-1 differs from the original on {total - agree} photo(s)")
    if quant == "uint8":
        report.say("  (uint8 weights: differences are the measured cost of quantization, not a failure)")
        if classify and agree < total:
            report.say(
                f"  WARNING: uint8 changed the top-1 class on {total - agree} of {total} photos; "
                "prefer float16 for this model"
            )


def _label(labels: list[str] | None, index: int) -> str:
    return labels[index].split(",")[0] if labels else str(index)


def _check_trained(report: Report, found: dict[str, Any], folder: Path, backend: str, source: sources.Source) -> None:
    """No original file survives training; the converted model must instead score on the
    held-out examples what the Keras model scored when it was trained."""
    expected = (found.get("training") or {}).get("test_accuracy")
    if expected is None:
        report.say("  (a trained model without its training record: checked its files and shape only)")
        return
    x, y = source.held_out(found["source"], folder)
    step(f"{found['id']}: scoring {len(x)} held-out examples in TF.js")
    (probs,) = tfjs_node.run(folder, found["format"], [x], backend).runs[0].outputs
    accuracy = float((probs.argmax(axis=1) == y).mean())
    report.say(
        f"  held-out accuracy in TF.js {accuracy:.4f} on {len(x)} examples "
        f"(Keras at training time: {expected:.4f} on {found['training']['test_examples']})"
    )
    if abs(probs.sum(axis=1) - 1).max() > 1e-3:
        report.problems.append("outputs are not probabilities")
    # The same network on a subset of the same data: within a few points of the full score.
    if accuracy < expected - 0.05:
        report.problems.append(f"held-out accuracy {accuracy:.4f} is far below {expected:.4f}")


def _check_pose(report: Report, found: dict[str, Any], outputs: list[np.ndarray]) -> None:
    """The astronaut photo shows one person from the waist up: expect confident face and
    shoulder keypoints inside the frame, the nose in the upper half."""
    family = (found.get("pose") or {}).get("family")
    if family == "movenet":
        out = outputs[0]
        if out.shape[-1] == 56:  # MultiPose: 6 people x (17 x [y, x, score] + box + score)
            person = out[0][int(np.argmax(out[0][:, 55]))]
            report.say(f"  best person score {person[55]:.2f}")
            if person[55] < 0.3:
                report.problems.append(f"MultiPose finds no confident person (score {person[55]:.2f})")
            points = person[:51].reshape(17, 3)
        else:
            points = out.reshape(17, 3)
        ys, xs, scores = points[:, 0], points[:, 1], points[:, 2]
    elif family == "posenet":
        heatmap = next(o for o in outputs if o.shape[-1] == 17)[0]
        scores = 1 / (1 + np.exp(-heatmap.reshape(-1, 17).max(axis=0)))
        cells = heatmap.reshape(-1, 17).argmax(axis=0)
        ys = (cells // heatmap.shape[1] + 0.5) / heatmap.shape[0]
        xs = (cells % heatmap.shape[1] + 0.5) / heatmap.shape[1]
    elif family == "blazepose":
        # The landmark model on the whole photo (the demo crops around the person first):
        # [1, 195] = 39 points x (x, y, z, visibility, presence) in input pixels; 33 are keypoints.
        size = found["input"]["shape"][1]
        points = next(o for o in outputs if o.shape[-1] == 195).reshape(39, 5)[:33]
        xs, ys, scores = points[:, 0] / size, points[:, 1] / size, 1 / (1 + np.exp(-points[:, 3]))
    else:
        report.problems.append(f"no sanity check for pose family {family!r}")
        return
    names = BLAZEPOSE_KEYPOINTS if family == "blazepose" else MOVENET_KEYPOINTS
    report.keypoints = {
        name: {"x": float(x), "y": float(y), "score": float(s)}
        for name, y, x, s in zip(names, ys, xs, scores, strict=True)
    }
    confident = [n for n, k in report.keypoints.items() if k["score"] > KEYPOINT_THRESHOLD]
    nose = report.keypoints["nose"]
    report.say(
        f"  astronaut: {len(confident)}/{len(names)} keypoints above {KEYPOINT_THRESHOLD} ({', '.join(confident)})"
    )
    report.say(f"  nose at x={nose['x']:.2f} y={nose['y']:.2f} score {nose['score']:.2f}")
    # Unseen joints (legs, here) may be guessed outside the frame; seen ones may not.
    if any(not (0 <= k[axis] <= 1) for n in confident for k in [report.keypoints[n]] for axis in "xy"):
        report.problems.append("confident keypoints outside the image")
    if len(confident) < 5 or nose["score"] < KEYPOINT_THRESHOLD or nose["y"] > 0.5:
        report.problems.append("implausible pose for the astronaut photo")


# Models with no TensorFlow original to compare with (shipped as TF.js): what they answer on
# real photos must make sense. The astronaut is one person from the waist up, in the middle;
# the rocket photo has nobody in it.
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _expect(report: Report, ok: bool, said: str, problem: str) -> None:
    report.say(f"  {said}")
    if not ok:
        report.problems.append(problem)


def _check_segmentation(report: Report, found: dict[str, Any], runs: dict) -> None:
    """The mask covers the middle of the astronaut (her face and chest) and not the rocket photo."""

    def mask(name):
        return next(o for o in runs[name].outputs if o.ndim == 4)[0, ..., 0]

    person = mask("astronaut")
    height, width = person.shape
    middle = person[height // 8 : height // 2, 3 * width // 8 : 5 * width // 8].mean()
    nobody = mask("rocket").mean()
    _expect(
        report,
        middle > 0.6 and nobody < 0.1,
        f"mask: astronaut's face and chest {middle:.2f}, the rocket photo (nobody) {nobody:.2f} on average",
        f"the mask does not find the astronaut ({middle:.2f}) or finds a person in the rocket photo ({nobody:.2f})",
    )


def _check_detection(report: Report, found: dict[str, Any], runs: dict) -> None:
    """The best "person" score on the astronaut is high; no class scores high on the rocket photo."""
    classes = found["detection"]["classes"]

    def scores(name):  # every cell of every stride: [cells, classes], sigmoid already applied
        return np.concatenate([o.reshape(-1, classes) for o in runs[name].outputs if o.shape[-1] == classes])

    person = scores("astronaut")[:, 0].max()
    ghost = scores("rocket").max()
    _expect(
        report,
        person > 0.5 and ghost < 0.5,
        f"best person score on the astronaut {person:.2f}, best score of any class on the rocket photo {ghost:.2f}",
        f"no confident person on the astronaut ({person:.2f}) or a ghost on the rocket photo ({ghost:.2f})",
    )


def _check_person_detector(report: Report, found: dict[str, Any], runs: dict) -> None:
    """BlazePose's first stage: some anchor is sure there is a person in the astronaut photo."""

    def best(name):  # [1, anchors, 13]: the score logit, then the box and four keypoints
        out = next(o for o in runs[name].outputs if o.ndim == 3)
        return float(_sigmoid(out[0, :, 0].max()))

    person, nobody = best("astronaut"), best("rocket")
    _expect(
        report,
        person > 0.5 and nobody < person,
        f"best person score: astronaut {person:.2f}, rocket photo {nobody:.2f}",
        f"the detector is not sure of the astronaut ({person:.2f}, rocket photo {nobody:.2f})",
    )


PHOTO_CHECKS = {
    "person-segmentation": _check_segmentation,
    "object-detection": _check_detection,
    "pose-detector": _check_person_detector,
}
