"""The studio's figures: "Teach a classifier" (demos/teach) driven through its own page, as a
person would use it, in headless Chromium against the real server.

One page, one project, grown in steps (the sizes, e.g. 100 then 500 examples of four real
photos' crops, uploaded as files):

1. trained head: the examples uploaded (each embedded once in the worker: its time, from
   window.__demo.teach.measured.embedMs), then a training run of `epochs` epochs (each
   epoch's time, from the page's history) with the main thread's long tasks during it (the
   PerformanceObserver of page_bench.js), then the live loop on the fake camera with the
   trained head: frames handled per second and the head's own part of each (classifyMs);
2. the same project switched to k-NN: the live loop again (the k-NN's vote is classifyMs);
   in k-NN mode the next step's examples are uploaded, each joining the k-NN as it is
   embedded (knnAddMs: the add alone).

Every figure is the page's own (window.__demo.teach.measured, window.__demo.frameLog); this
module only drives and collects. `python -m bench --teach-only` runs these rows alone.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from bench.pages import new_page, pct, visit

BASE = "efficientnet-lite0"  # demos/teach's feature extractor (its demo.toml)
SIZES, QUICK_SIZES = (100, 500), (20, 40)
EPOCHS, QUICK_EPOCHS = 5, 2
LIVE_SECONDS, QUICK_LIVE_SECONDS = 5.0, 2.0
PHOTOS = ["chelsea", "coffee", "rocket", "astronaut"]  # one class each (scikit-image's wheel)
LONG_TASK_MS = 50  # the Long Tasks API's threshold: what the target counts


def example_files(folder: Path, per_class: int) -> dict[str, list[str]]:
    """per_class JPEG crops (50-95% of each side, half of them mirrored) of each photo."""
    from skimage import data as photos

    rng = np.random.default_rng(0)
    files: dict[str, list[str]] = {}
    for name in PHOTOS:
        image = Image.fromarray(getattr(photos, name)())
        w, h = image.size
        files[name] = []
        for i in range(per_class):
            f = rng.uniform(0.5, 0.95)
            cw, ch = int(w * f), int(h * f)
            x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            crop = image.crop((x, y, x + cw, y + ch))
            if i % 2:
                crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
            path = folder / f"{name}-{i:03d}.jpg"
            crop.save(path, quality=90)
            files[name].append(str(path))
    return files


def summary(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"n": len(values), "median": pct(values, 50), "p95": pct(values, 95), "mean": sum(values) / len(values)}


def upload(page, files: dict[str, list[str]], start: int, stop: int) -> None:
    """Examples start..stop-1 of each class, into the class cards in PHOTOS order."""
    for i, name in enumerate(PHOTOS):
        page.locator("[data-testid=upload]").nth(i).set_input_files(files[name][start:stop])
        page.wait_for_function(f"() => window.__demo.teach.classes[{i}].count === {stop}", timeout=600_000)


def measured(page, key: str) -> list[float]:
    return page.evaluate(f"() => window.__demo.teach.measured.{key}.slice()")


def live(page, seconds: float) -> dict:
    """The demo's own loop on the fake camera for `seconds`: frames per second, and the
    classifier's part of each frame (the worker's classifyMs) over the same frames."""
    page.evaluate("() => { window.__demo.teach.measured.classifyMs.length = 0; }")
    since = page.evaluate("() => performance.now()")
    page.wait_for_timeout(int(seconds * 1000))
    frames = page.evaluate("since => window.__demo.frameLog.filter(f => f.done > since)", since)
    span = (frames[-1]["done"] - frames[0]["done"]) / 1000 if len(frames) > 1 else 0
    return {
        "fps": (len(frames) - 1) / span if span > 0 else None,
        "frames": len(frames),
        "infer_ms_p50": pct([f["inferMs"] for f in frames if f.get("inferMs") is not None], 50),
        "classify_ms": summary(measured(page, "classifyMs")),
    }


def train(page, epochs: int) -> dict:
    page.check("[data-testid=classifier-head]")
    page.fill("[data-testid=epochs]", str(epochs))
    page.check("[data-testid=fresh]")  # every size trains from scratch: epochs comparable
    page.wait_for_timeout(500)  # the switch from k-NN mode settles first: not part of training
    t0 = page.evaluate("() => performance.now()")
    page.click("[data-testid=train]")
    page.wait_for_function(
        f"() => window.__demo.teach.history.length === {epochs} && !window.__demo.teach.training", timeout=600_000
    )
    t1 = page.evaluate("() => performance.now()")
    history = page.evaluate("() => window.__demo.teach.history")
    tasks = page.evaluate(
        "([t0, t1]) => __bench.longTasks.filter(t => t.start < t1 && t.start + t.ms > t0).map(t => [t.start - t0, t.ms])",
        [t0, t1],
    )
    long_tasks = [ms for _, ms in tasks]
    evaluation = page.evaluate("() => window.__demo.teach.evaluation")
    return {
        "epochs": epochs,
        "epoch_ms": summary([h["epochMs"] for h in history]),
        "held_out_accuracy": evaluation.get("accuracy") if evaluation else None,
        "run_ms": t1 - t0,
        "long_tasks": {
            "count": len(long_tasks),
            "max_ms": max(long_tasks, default=0),
            "ms": sum(long_tasks),
            "at_ms": [round(at) for at, _ in tasks],  # from the click on Train (the run lasts run_ms)
        },
    }


def run_if_installed(browser, server, models_dir: Path, root: Path, quick: bool) -> dict:
    """The studio's rows, or why not (its base model is not installed: `--quick`'s test run)."""
    if not (models_dir / BASE).is_dir():
        return {"base": BASE, "skipped": f"{BASE} is not installed (python -m converters pull {BASE})"}
    print("  teach: embeddings, training, head and k-NN ...", end="", flush=True, file=sys.stderr)
    out = run(browser, server, root, quick)
    print(f" {out['seconds']} s{' ERROR ' + out['error'] if out.get('error') else ''}", file=sys.stderr)
    return out


def run(browser, server, root: Path, quick: bool) -> dict:
    sizes = QUICK_SIZES if quick else SIZES
    epochs = QUICK_EPOCHS if quick else EPOCHS
    seconds = QUICK_LIVE_SECONDS if quick else LIVE_SECONDS
    per_class = [size // len(PHOTOS) for size in sizes]
    folder = root / "teach-photos"
    folder.mkdir()
    files = example_files(folder, per_class[-1])
    out: dict = {"base": BASE, "backend": "wasm", "where": None, "photos": PHOTOS, "sizes": []}
    started = time.monotonic()
    context, page, errors = new_page(browser)
    try:
        state = visit(page, f"{server.url}/demos/teach/?backend=wasm&model={BASE}", server, 180_000)
        if state["error"]:
            out["error"] = state["error"]
            return out
        out["where"] = state["where"]
        page.fill("[data-testid=new-class]", "c")
        for _ in PHOTOS[2:]:
            page.click("[data-testid=add-class]")
        names = page.locator("[data-testid=class-name]")
        for i, name in enumerate(PHOTOS):
            names.nth(i).fill(name)
            names.nth(i).dispatch_event("change")
        done = 0
        for n in per_class:
            row: dict = {"examples": n * len(PHOTOS)}
            # The first step's examples go in in head mode, the next ones in k-NN mode (each
            # then joins the k-NN as it is embedded): both add paths are measured.
            embedded = len(measured(page, "embedMs"))
            added = len(measured(page, "knnAddMs"))
            upload(page, files, done, n)
            done = n
            row["embed_ms"] = summary(measured(page, "embedMs")[embedded:])
            row["knn_add_ms"] = summary(measured(page, "knnAddMs")[added:])
            row["head"] = {**train(page, epochs), "live": live(page, seconds)}
            page.check("[data-testid=classifier-knn]")
            page.wait_for_function("() => window.__demo.teach.knnEvaluation", timeout=120_000)
            knn = page.evaluate("() => window.__demo.teach.knnEvaluation")
            row["knn"] = {
                "k": knn.get("k"),
                "held_out_accuracy": knn.get("accuracy"),
                "live": live(page, seconds),
            }
            out["sizes"].append(row)
            page.evaluate("() => { window.__demo.teach.knnEvaluation = null; }")
        out["console_errors"] = errors[:10]
    except Exception as error:  # the studio's rows must not sink the rest of the run
        out["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    finally:
        context.close()
        out["seconds"] = round(time.monotonic() - started, 1)
    return out


# --- report --------------------------------------------------------------------------------


def _ms(s: dict | None, key: str = "median", digits: int = 1) -> str:
    return "–" if not s or s.get(key) is None else f"{s[key]:.{digits}f}"


def targets(results: dict) -> list[dict]:
    """The studio's one target: no main-thread long task over 50 ms while training (worker)."""
    teach = results.get("teach")
    if not teach or teach.get("error") or not teach.get("sizes"):
        return []
    tasks = [(r["examples"], r["head"]["long_tasks"]) for r in teach["sizes"]]
    worst = max(t["max_ms"] for _, t in tasks)
    return [
        {
            "target": f"teach: no main-thread long task over {LONG_TASK_MS} ms while training (worker)",
            "figure": ", ".join(f"{n} examples: {t['count']} (longest {t['max_ms']:.0f} ms)" for n, t in tasks)
            + f"; in the {teach['where']}",
            "met": worst <= LONG_TASK_MS and teach["where"] == "worker",
            "detail": "",
        }
    ]


def markdown(results: dict) -> list[str]:
    teach = results.get("teach")
    if not teach:
        return []
    if teach.get("skipped"):
        return ["", "## Teach a classifier (demos/teach)", "", f"Not measured: {teach['skipped']}."]
    out = [
        "",
        f"## Teach a classifier (demos/teach, {teach['base']} embeddings, {teach['backend']}, in the {teach['where']})",
        "",
    ]
    if teach.get("error"):
        return [*out, f"error: {teach['error']}"]
    out += [
        "Medians (p95) over the step's examples, epochs or frames; live loops on the 60 fps fake camera. "
        "docs/PERFORMANCE.md explains every column.",
        "",
        "| examples | embed ms/example | head: ms/epoch | training run ms | long tasks while training (longest ms) "
        "| head: frames/s | head ms/frame | k-NN: add ms | k-NN: frames/s | k-NN vote ms/frame | held-out: head | k-NN (k) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in teach["sizes"]:
        head, knn = r["head"], r["knn"]
        out.append(
            " | ".join(
                [
                    f"| {r['examples']}",
                    f"{_ms(r['embed_ms'])} ({_ms(r['embed_ms'], 'p95')})",
                    f"{_ms(head['epoch_ms'])} ({_ms(head['epoch_ms'], 'p95')})",
                    f"{head['run_ms']:.0f}",
                    f"{head['long_tasks']['count']} ({head['long_tasks']['max_ms']:.0f})",
                    _ms(head["live"], "fps"),
                    f"{_ms(head['live']['classify_ms'], digits=2)} ({_ms(head['live']['classify_ms'], 'p95', 2)})",
                    f"{_ms(r['knn_add_ms'], digits=2)} ({_ms(r['knn_add_ms'], 'p95', 2)})"
                    if r["knn_add_ms"]
                    else "– (added in head mode)",
                    _ms(knn["live"], "fps"),
                    f"{_ms(knn['live']['classify_ms'], digits=2)} ({_ms(knn['live']['classify_ms'], 'p95', 2)})",
                    "–" if head["held_out_accuracy"] is None else f"{head['held_out_accuracy']:.0%}",
                    f"{'–' if knn['held_out_accuracy'] is None else format(knn['held_out_accuracy'], '.0%')} ({knn['k']}) |",
                ]
            )
        )
    return out


# --- `python -m bench --teach-only` ---------------------------------------------------------


def main_only(args) -> int:
    """These rows alone, into teach.json and teach.md next to latest.* (which stay as they are)."""
    from playwright.sync_api import sync_playwright
    from skimage import data as photos

    from bench import machine, report
    from bench.cli import CAMERA_FPS, link_models
    from bench.pages import launch
    from bench.servers import GalleryServer
    from server.testing import write_y4m

    started = time.monotonic()
    results: dict = {"machine": machine.describe(), "quick": args.quick, "camera_fps": CAMERA_FPS}
    with tempfile.TemporaryDirectory(prefix="bench-teach-") as tmp:
        root = Path(tmp)
        models_dir = link_models(args.models_dir, root)
        camera = write_y4m(photos.chelsea(), root / "chelsea.y4m", fps=CAMERA_FPS)
        with GalleryServer(models_dir) as server, sync_playwright() as playwright:
            browser = launch(playwright, camera)
            try:
                results["teach"] = run_if_installed(browser, server, models_dir, root, args.quick)
            finally:
                browser.close()
    results["machine"]["load_average_end"] = machine.load_average()
    results["seconds"] = round(time.monotonic() - started, 1)
    results["targets"] = targets(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "teach.json").write_text(json.dumps(results, indent=1) + "\n")
    lines = ["# Benchmark results: Teach a classifier", "", *report.machine_lines(results), *markdown(results), ""]
    lines += ["| target | figure | |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['figure']} | {report._ok(t['met'])} |" for t in results["targets"]]
    (args.out / "teach.md").write_text("\n".join(lines) + "\n")
    print((args.out / "teach.md").read_text())
    return 0 if not results["teach"].get("error") else 1
