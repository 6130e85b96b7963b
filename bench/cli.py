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
from server.testing import MOBILENET_GRAPH, install_shared_mobilenet, write_y4m

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"

# Full run: every model on wasm (the fastest backend without a GPU) with the full plan; the
# software-rendered GPU backends and plain-JS cpu are 5-20x slower here, so they run the
# smallest classifier and the smallest pose model only, with fewer frames.
FULL = Plan()
SLOW = Plan(load_reps=1, rounds=2, page_rounds=0, seconds=2.0, min_frames=8, bare=5)
SLOW_POSE = Plan(load_reps=1, rounds=2, page_rounds=0, seconds=2.0, min_frames=4, bare=3)  # 0.3-0.8 s a frame
QUICK = Plan(load_reps=1, rounds=1, page_rounds=1, seconds=0.5, min_frames=10, bare=5)
SLOW_BACKENDS = ["webgl", "cpu", "webgpu"]
# The fake camera's frame rate: above what any demo handles here, so none waits for frames.
CAMERA_FPS = 60
# The long run for a flat tensor count: the fastest model, in the worker, sampled as it goes.
MEMORY_FRAMES, MEMORY_EVERY = 3000, 250
QUICK_MEMORY_FRAMES, QUICK_MEMORY_EVERY = 60, 20
# The pose families demos/posenet offers (its main.js `accept`) and the official loop knows.
POSE_DEMO_FAMILIES = ("movenet", "posenet")
# Real photos for the float16 check (they ship in the scikit-image wheel).
PHOTOS = ["chelsea", "coffee", "astronaut", "rocket"]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one model, wasm, a few frames: checks the harness works")
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
    pose_demo = (REPO / "demos" / "posenet" / "main.js").exists()
    for m in manifest.installed(models_dir).values():
        entry = {
            "id": m["id"],
            "weight_bytes": m.get("weight_bytes"),
            "quantization": m.get("quantization"),
            "source": m.get("source"),
            "task": m.get("task"),
        }
        if m.get("task") == "image-classification" and m.get("input", {}).get("channels", "RGB") == "RGB":
            measured.append({**entry, "kind": "classifier"})
        elif m.get("task") == "pose-detection" and m.get("pose", {}).get("family") in POSE_DEMO_FAMILIES and pose_demo:
            measured.append({**entry, "kind": "pose"})
        elif m.get("task") == "pose-detection":
            skipped.append({**entry, "why": f"the pose demo runs {' and '.join(POSE_DEMO_FAMILIES)} models only"})
        else:
            skipped.append({**entry, "why": "no camera demo runs this model in a frame loop"})
    return measured, skipped


def plan_rows(models: list[dict], backends: list[str], quick: bool, webgpu_ok: bool) -> list[tuple[dict, str, Plan]]:
    if quick:
        smallest = min((m for m in models if m["kind"] == "classifier"), key=lambda m: m["weight_bytes"] or 0)
        return [(smallest, "wasm", QUICK)]
    rows = [(m, "wasm", FULL) for m in models if "wasm" in backends]
    smallest = {}
    for m in models:
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
        cameras = {
            "classifier": write_y4m(photos.chelsea(), root / "chelsea.y4m", fps=CAMERA_FPS),
            "pose": write_y4m(photos.astronaut(), root / "astronaut.y4m", fps=CAMERA_FPS),
        }
        results["camera_fps"] = CAMERA_FPS
        with GalleryServer(models_dir) as server, sync_playwright() as playwright:
            browsers = {
                kind: pages.launch(playwright, path, webgpu="webgpu" in backends) for kind, path in cameras.items()
            }
            try:
                info = pages.browser_info(browsers["classifier"], server)
                results["browser"] = info
                results["machine"]["gpu"] = (
                    f"none: WebGL is {info['webgl_renderer']}; WebGPU adapter {info.get('webgpu_adapter')}"
                )
                rows = plan_rows(models, backends, args.quick, bool(info.get("webgpu_adapter")))
                results["rows"] = []
                for model, backend, plan in rows:
                    print(f"  {model['id']} on {backend} ...", end="", flush=True, file=sys.stderr)
                    row = pages.measure(browsers[model["kind"]], server, model["kind"], model["id"], backend, plan)
                    row["weight_bytes"] = model["weight_bytes"]
                    row["quantization"] = model["quantization"]
                    results["rows"].append(row)
                    print(f" {row['seconds']} s{' ERROR ' + row['error'] if row.get('error') else ''}", file=sys.stderr)
                classifiers = [m for m in models if m["kind"] == "classifier"]
                fastest = min(classifiers, key=lambda m: m["weight_bytes"] or 0)["id"] if classifiers else None
                if fastest and "wasm" in backends:
                    frames, every = (
                        (QUICK_MEMORY_FRAMES, QUICK_MEMORY_EVERY) if args.quick else (MEMORY_FRAMES, MEMORY_EVERY)
                    )
                    print(f"  {fastest}: tensors over {frames} frames ...", end="", flush=True, file=sys.stderr)
                    results["memory"] = pages.memory_run(browsers["classifier"], server, fastest, "wasm", frames, every)
                    print("", file=sys.stderr)
                results["teach"] = teach.run_if_installed(browsers["classifier"], server, models_dir, root, args.quick)
                if not args.quick and classifiers:
                    probe_model = fastest
                    results["auto"] = {
                        "model": probe_model,
                        **pages.auto_backend(browsers["classifier"], server, probe_model),
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
                                browsers["classifier"],
                                server,
                                f["id"],
                                q["id"],
                                {name: getattr(photos, name)() for name in PHOTOS},
                            )
                        results["quantized"].append(entry)
            finally:
                for browser in browsers.values():
                    browser.close()
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
