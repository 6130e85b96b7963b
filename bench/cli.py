"""`python -m bench`: measure every installed model in its demo, on every backend that works.

    python -m bench            the full run (a few minutes), into bench/results/
    python -m bench --quick    one model, wasm, a few frames (the smoke test's run)

Writes latest.json (every figure, with the machine), latest.md (the tables and the targets)
and latest.png (the charts) into --out, and prints the Markdown.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import machine, pages, report, serving, teach
from bench.pages import Plan
from bench.servers import GalleryServer
from server import manifest
from server.testing import MOBILENET_GRAPH, fit_to_frame, install_shared_mobilenet, write_y4m

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"

# Full run: every model on wasm (the fastest backend without a GPU) with the full plan; the
# software-rendered GPU backends and plain-JS cpu are 5-20x slower here, so they run the
# smallest classifier and the smallest pose model only (SLOW_KINDS), with fewer frames.
FULL = Plan()
SLOW = Plan(load_reps=1, rounds=2, page_rounds=0, seconds=2.0, min_frames=8, bare=5)
SLOW_POSE = Plan(load_reps=1, rounds=2, page_rounds=0, seconds=2.0, min_frames=4, bare=3)  # 0.3-0.8 s a frame
QUICK = Plan(load_reps=1, rounds=1, page_rounds=1, seconds=0.5, min_frames=10, bare=5)
SLOW_BACKENDS = ["webgl", "cpu", "webgpu"]
SLOW_KINDS = ("classifier", "pose")
# The fake camera's frame rate: above what any demo handles here, so none waits for frames.
CAMERA_FPS = 60
# The long runs for a flat tensor count, in the worker, sampled as they go: the fastest model
# (measured: the lowest demo ms/frame on wasm) for the 3,000 frames, every other
# wasm model for OTHER_MEMORY_FRAMES (3,000 frames of each of the new demos' models would
# take 2.4-2.6 times their whole run, at the 1.7-16 frames/s measured: docs/PERFORMANCE.md).
MEMORY_FRAMES, MEMORY_EVERY = 3000, 250
OTHER_MEMORY_FRAMES, OTHER_MEMORY_EVERY = 600, 100
QUICK_MEMORY_FRAMES, QUICK_MEMORY_EVERY = 60, 20
# The demo kind (bench/pages.py DEMOS) of each task.
KINDS = {
    "image-classification": "classifier",
    "pose-detection": "pose",
    "face-landmarks": "face",
    "hand-landmarks": "hand",
    "person-segmentation": "segmentation",
    "object-detection": "detection",
}
# First stages: a landmark model's manifest names its detector, measured inside its row.
DETECTOR_TASKS = ("pose-detector", "face-detection", "hand-detection")
# The pose families demos/posenet offers (its main.js `accept`) and the official loop knows.
POSE_DEMO_FAMILIES = ("movenet", "posenet", "blazepose")
# Real photos for the float16 check (they ship in the scikit-image wheel).
PHOTOS = ["chelsea", "coffee", "astronaut", "rocket"]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one model (the smallest classifier, else the --models given), wasm, a few frames: checks the harness works",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where results go (default %(default)s)")
    parser.add_argument(
        "--models-dir", type=Path, default=REPO / "models", help="installed models (default %(default)s)"
    )
    parser.add_argument("--models", help="comma-separated model ids (default: every installed one)")
    parser.add_argument("--backends", default="wasm,webgl,cpu,webgpu", help="default %(default)s")
    parser.add_argument("--no-serving", action="store_true", help="skip the server throughput comparison")
    parser.add_argument(
        "--teach-only", action="store_true", help="only the Teach a classifier rows, into teach.json and teach.md"
    )
    return parser.parse_args(argv)


def link_models(models_dir: Path, root: Path) -> Path:
    """A models folder for this run: links to the installed models, plus the shared MobileNet
    v1 0.25 test weights when ../shared is there (never copied into models/)."""
    folder = root / "models"
    folder.mkdir()
    for model_id in manifest.installed(models_dir):
        (folder / model_id).symlink_to((models_dir / model_id).resolve())
    if MOBILENET_GRAPH.is_dir():
        install_shared_mobilenet(folder)
    return folder


def catalog(models_dir: Path) -> tuple[list[dict], list[dict]]:
    """(models the harness can measure, with their demo kind; models it skips, with why)."""
    measured, skipped = [], []
    installed = manifest.installed(models_dir).values()
    named = {(m.get("pose") or {}).get("detector") or (m.get("pipeline") or {}).get("detector") for m in installed}
    for m in installed:
        entry = {
            "id": m["id"],
            "weight_bytes": m.get("weight_bytes"),
            "quantization": m.get("quantization"),
            "source": m.get("source"),
            "task": m.get("task"),
        }
        kind = KINDS.get(m.get("task"))
        if kind and not (REPO / "demos" / pages.DEMOS[kind].folder / "main.js").exists():
            kind = None
        if kind == "classifier" and m.get("input", {}).get("channels", "RGB") != "RGB":
            skipped.append({**entry, "why": "no camera demo runs this model in a frame loop"})
        elif kind == "pose" and m.get("pose", {}).get("family") not in POSE_DEMO_FAMILIES:
            skipped.append({**entry, "why": f"the pose demo runs {', '.join(POSE_DEMO_FAMILIES)} models only"})
        elif kind:
            measured.append({**entry, "kind": kind})
        elif m.get("task") in DETECTOR_TASKS and m["id"] in named:
            skipped.append({**entry, "why": "a first stage: measured inside the rows of the models that name it"})
        elif m.get("task") in DETECTOR_TASKS:
            skipped.append({**entry, "why": "a first stage that no installed model names: no demo runs it"})
        else:
            skipped.append({**entry, "why": "no camera demo runs this model in a frame loop"})
    return measured, skipped


def plan_rows(models: list[dict], backends: list[str], quick: bool, webgpu_ok: bool) -> list[tuple[dict, str, Plan]]:
    if quick:  # the smallest classifier, or with --models the models named (no classifier among them)
        classifiers = [m for m in models if m["kind"] == "classifier"]
        picked = [min(classifiers, key=lambda m: m["weight_bytes"] or 0)] if classifiers else models
        return [(m, "wasm", QUICK) for m in picked]
    rows = [(m, "wasm", FULL) for m in models if "wasm" in backends]
    smallest = {}
    for m in models:
        if m["kind"] not in SLOW_KINDS:
            continue
        if m["kind"] not in smallest or (m["weight_bytes"] or 0) < (smallest[m["kind"]]["weight_bytes"] or 0):
            smallest[m["kind"]] = m
    for backend in SLOW_BACKENDS:
        if backend not in backends or (backend == "webgpu" and not webgpu_ok):
            continue
        for kind, m in smallest.items():
            if backend == "webgpu" and kind == "pose":
                continue  # shader compilation on SwiftShader alone takes minutes
            rows.append((m, backend, SLOW_POSE if kind == "pose" else SLOW))
    return rows


def quantized_pairs(models: list[dict]) -> list[tuple[dict, dict]]:
    """(float32 original, quantized copy) pairs: same source, one without quantization."""
    pairs = []
    for q in models:
        if q["quantization"]:
            for f in models:
                if f["kind"] == q["kind"] and not f["quantization"] and f["source"] == q["source"]:
                    pairs.append((f, q))
    return pairs


def camera_photo(name: str):
    """The RGB photo a demo's fake camera plays: one of scikit-image's sample photos, or
    "two_hands": fingerpose@0.1.0's pointing hand and fist side by side (npm, MIT: the photos the
    hands tests use), since no scikit-image photo shows a hand the detector finds."""
    import numpy as np
    from PIL import Image
    from skimage import data

    if name != "two_hands":
        return getattr(data, name)()
    from converters import npm_package

    files = npm_package.extract("fingerpose", "0.1.0", [f"package/assets/{n}.jpg" for n in ("nocurl", "fullcurl")])
    halves = [fit_to_frame(np.asarray(Image.open(path).convert("RGB")), 320, 480) for path in files.values()]
    return np.concatenate(halves, axis=1)


def memory_plan(rows: list[dict], quick: bool) -> list[tuple[dict, int, int]]:
    """(row, frames, sample every) of the long runs: every wasm row that worked, the fastest
    one measured for MEMORY_FRAMES."""
    done = [r for r in rows if r["backend"] == "wasm" and not r.get("error") and (r.get("worker") or {}).get("ours")]
    if quick:
        return [(r, QUICK_MEMORY_FRAMES, QUICK_MEMORY_EVERY) for r in done]
    fastest = min(done, key=lambda r: r["worker"]["ours"]["ms_per_frame"] or float("inf"), default=None)
    return [
        (r, MEMORY_FRAMES, MEMORY_EVERY) if r is fastest else (r, OTHER_MEMORY_FRAMES, OTHER_MEMORY_EVERY) for r in done
    ]


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.teach_only:
        return teach.main_only(args)
    started = time.monotonic()
    from playwright.sync_api import sync_playwright
    from skimage import data as photos

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    results: dict = {"machine": machine.describe(), "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        root = Path(tmp)
        models_dir = link_models(args.models_dir, root)
        models, skipped = catalog(models_dir)
        if args.models:
            wanted = set(args.models.split(","))
            models = [m for m in models if m["id"] in wanted]
        if not models:
            print("No models to measure: install some with `python -m converters defaults`.", file=sys.stderr)
            return 1
        results["skipped_models"] = skipped
        results["camera_fps"] = CAMERA_FPS
        with GalleryServer(models_dir) as server, sync_playwright() as playwright:
            browsers: dict = {}  # one browser per photo its fake camera plays, started when first needed

            def browser(kind):
                photo = pages.DEMOS[kind].photo
                if photo not in browsers:
                    camera = write_y4m(camera_photo(photo), root / f"{photo}.y4m", fps=CAMERA_FPS)
                    browsers[photo] = pages.launch(playwright, camera, webgpu="webgpu" in backends)
                return browsers[photo]

            try:
                info = pages.browser_info(browser("classifier"), server)
                results["browser"] = info
                results["machine"]["gpu"] = (
                    f"none: WebGL is {info['webgl_renderer']}; WebGPU adapter {info.get('webgpu_adapter')}"
                )
                rows = plan_rows(models, backends, args.quick, bool(info.get("webgpu_adapter")))
                results["rows"] = []
                for model, backend, plan in rows:
                    print(f"  {model['id']} on {backend} ...", end="", flush=True, file=sys.stderr)
                    row = pages.measure(browser(model["kind"]), server, model["kind"], model["id"], backend, plan)
                    row["weight_bytes"] = model["weight_bytes"]
                    row["quantization"] = model["quantization"]
                    results["rows"].append(row)
                    print(f" {row['seconds']} s{' ERROR ' + row['error'] if row.get('error') else ''}", file=sys.stderr)
                results["memory"] = []
                for row, frames, every in memory_plan(results["rows"], args.quick):
                    print(f"  {row['model']}: tensors over {frames} frames ...", end="", flush=True, file=sys.stderr)
                    results["memory"].append(
                        pages.memory_run(browser(row["kind"]), server, row["kind"], row["model"], "wasm", frames, every)
                    )
                    print("", file=sys.stderr)
                results["teach"] = teach.run_if_installed(browser("classifier"), server, models_dir, root, args.quick)
                classifiers = [m for m in models if m["kind"] == "classifier"]
                if not args.quick and classifiers:
                    probe_model = min(classifiers, key=lambda m: m["weight_bytes"] or 0)["id"]
                    results["auto"] = {
                        "model": probe_model,
                        **pages.auto_backend(browser("classifier"), server, probe_model),
                    }
                    results["quantized"] = []
                    for f, q in quantized_pairs(models):
                        entry = {
                            "float": f["id"],
                            "quantized": q["id"],
                            "quantization": q["quantization"],
                            "float_weight_bytes": f["weight_bytes"],
                            "quantized_weight_bytes": q["weight_bytes"],
                        }
                        if f["kind"] == "classifier":
                            entry["photos"] = pages.agreement(
                                browser("classifier"),
                                server,
                                f["id"],
                                q["id"],
                                {name: getattr(photos, name)() for name in PHOTOS},
                            )
                        results["quantized"].append(entry)
            finally:
                for running in browsers.values():
                    running.close()
        if not args.no_serving:
            print("  model-file serving ...", end="", flush=True, file=sys.stderr)
            t = time.monotonic()
            results["serving"] = (
                serving.run(models_dir, reps=1, passes={"weights": 1, "small": 5})
                if args.quick
                else serving.run(models_dir)
            )
            print(f" {time.monotonic() - t:.1f} s", file=sys.stderr)
    results["machine"]["load_average_end"] = machine.load_average()
    results["seconds"] = round(time.monotonic() - started, 1)
    paths = report.write(results, args.out)
    print(paths["md"].read_text())
    print(f"Wrote {', '.join(str(p) for p in paths.values())} in {results['seconds']:.0f} s.", file=sys.stderr)
    return 0
