"""One model on one backend in its demo, in headless Chromium, against the real server.

For each (model, backend) `measure` does, in order:

1. `load_reps` times: a fresh browser context (empty HTTP cache, IndexedDB and service
   worker) visits the demo page (cold) and waits until it is ready, then visits it again warm
   (the model from IndexedDB, scripts from the HTTP cache) with inference in the worker and
   with `?worker=0`, in turns. Each visit records the load and warm-up times the demo
   publishes (window.__demo.timings), the time to ready, and the bytes the server sent
   (counted by the server itself, by kind of file).
2. On a warm page with the worker: `rounds` interleaved rounds of our demo's loop, the
   official loop (pose-detection's live_video loop, face-landmarks-detection's estimateFaces
   loop, or @tensorflow-models/mobilenet's classify() loop) on the same page, model file and
   backend, where the demo's model has one (DEMOS says why not), and the bare model back to
   back in a worker of its own. While one runs, the others are held (the demo by its own
   Pause button). Each loop reports frames handled per second, every frame's latency
   (arrival to drawn) and the main thread's long tasks.
3. On a warm page with `?worker=0`: `page_rounds` rounds of our loop against the official one.
"""

from __future__ import annotations

import base64
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import cpu
from bench.servers import GalleryServer, Sent
from server.testing import BASE_ARGS, MOBILENET_ID, chromium_path, fit_to_frame

HERE = Path(__file__).resolve().parent
PAGE_BENCH_JS = HERE / "page_bench.js"
BARE_SETUP_JS = (HERE / "bare_setup.js").read_text()
AGREEMENT_JS = (HERE / "agreement.js").read_text()
VIEWPORT = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Demo:
    """A live demo the harness measures, and what it compares the demo with."""

    folder: str  # demos/<folder>/
    task: str | None  # its task module (the bare model runs it), None: a classifier (model.predict)
    photo: str  # what the fake camera plays (bench/cli.py camera_photo)
    official: str | None = None  # bench/<official>.js: the library's own loop on the same files
    no_official: str = ""  # why there is none
    found: str = "r => null"  # JS: how many things the demo found in its last result


DEMOS = {
    "classifier": Demo(
        "mobilenet_webcam",
        None,
        "chelsea",
        no_official="no official package runs this classifier (only MobileNet v1 0.25 has one)",
        found="r => r.top.length",
    ),
    "pose": Demo("posenet", "poses.js", "astronaut", "official_pose", found="r => r.poses.length"),
    "face": Demo("face_mesh", "faces.js", "astronaut", "official_face", found="r => r.faces.length"),
    "hand": Demo(
        "hands",
        "hands.js",
        "two_hands",
        no_official="@tensorflow-models/hand-pose-detection's tfjs runtime is built for MediaPipe's newer palm "
        "detector (192×192, 2016 anchors, constants in the library); the hand detector here is handtrack, another "
        "kind of box detector, and the library's landmark stage cannot be used without its own detector",
        found="r => r.hands.length",
    ),
    "segmentation": Demo(
        "background_blur",
        "segment.js",
        "astronaut",
        no_official="@tensorflow-models/body-segmentation 1.0.2 reads channel 1 of a two-channel output; "
        "this selfie model has one channel and the library fails on it",
        found="r => (r.person ? 1 : 0)",
    ),
    "detection": Demo(
        "object_detection",
        "detect.js",
        "coffee",
        no_official="no official TF.js library decodes NanoDet (the demo's decoder is its own)",
        found="r => r.detections.length",
    ),
}
OFFICIAL = {
    name: (HERE / f"{name}.js").read_text() for name in ("official_pose", "official_face", "official_mobilenet")
}


@dataclass(frozen=True)
class Plan:
    load_reps: int = 2  # fresh contexts: one cold visit, then warm ones (worker and page)
    # Interleaved rounds of ours, official and bare, on the worker page. Five, not three: on the
    # test machine the same model's CPU ms per frame doubles for seconds at a time, in
    # either thread (docs/PERFORMANCE.md), and a median of five rounds outvotes two such rounds.
    rounds: int = 5
    page_rounds: int = 1  # rounds of ours with ?worker=0 against official, on a page of its own
    seconds: float = 2.0  # each loop runs at least this long per round...
    min_frames: int = 20  # ...and handles at least this many frames
    bare: int = 20  # bare-model runs per round


def launch(playwright, camera_y4m: Path, webgpu: bool = False):
    args = [*BASE_ARGS, f"--use-file-for-fake-video-capture={camera_y4m.resolve()}"]
    if webgpu:
        args.append("--enable-unsafe-webgpu")
    return playwright.chromium.launch(executable_path=chromium_path(), args=args, headless=True)


# --- statistics --------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def spread(values: list[float | None]) -> dict | None:
    """median with min and max, the form every repeated figure takes in the results."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


# --- one visit ---------------------------------------------------------------------------


def kind_of(path: str) -> str:
    if path.startswith("/models/"):
        name = path.rsplit("/", 1)[-1]
        return "model" if name.endswith(".bin") or name == "model.json" else "model_metadata"
    if path.endswith(".wasm"):
        return "wasm"
    if path.endswith((".js", ".mjs")):
        return "script"
    return "other"


def tally(sent: list[Sent]) -> dict:
    out = {"requests": len(sent), "bytes": sum(s.bytes for s in sent)}
    for kind in ("model", "model_metadata", "script", "wasm", "other"):
        out[f"{kind}_bytes"] = sum(s.bytes for s in sent if kind_of(s.path) == kind)
    out["model_requests"] = sum(1 for s in sent if kind_of(s.path) == "model")
    out["not_modified"] = sum(1 for s in sent if s.status == 304)
    return out


def visit(page, url: str, server: GalleryServer, timeout_ms: int) -> dict:
    """Open the demo and wait until it is ready; its load and warm-up times come from
    window.__demo.timings, the time to ready from the page's clock (navigation start = 0)."""
    mark = server.mark()
    page.goto(url)
    page.wait_for_function("() => window.__demo && (window.__demo.ready || window.__demo.error)", timeout=timeout_ms)
    state = page.evaluate("""() => ({ready_ms: window.__bench.readyAt ?? null, backend: window.__demo.backend,
                                      error: window.__demo.error, where: window.__demo.inference,
                                      timings: window.__demo.timings})""")
    page.wait_for_load_state("networkidle")
    timings = state["timings"] or {}
    return {
        "backend": state["backend"],
        "error": state["error"],
        "where": state["where"],
        "ready_ms": state["ready_ms"],
        "load_ms": timings.get("loadMs"),
        "load_source": timings.get("loadSource"),
        "warmup_ms": timings.get("warmupMs"),
        "sent": tally(server.since(mark)),
    }


def new_page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(path=str(PAGE_BENCH_JS))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


# --- one loop, many rounds -----------------------------------------------------------------


def loop_round(page, name: str, plan: Plan) -> dict:
    """One round of one loop (ours or official): frames handled per second, per-frame latency
    (arrival to drawn), the main thread's long tasks during it, and which of the browser's
    threads were busy (bench/cpu.py)."""
    before, started = cpu.sample(), time.monotonic()
    got = page.evaluate(
        "([name, seconds, minFrames]) => __bench.loop(name, {seconds, minFrames})",
        [name, plan.seconds, plan.min_frames],
    )
    window = time.monotonic() - started
    frames = got["frames"]
    span = (frames[-1]["done"] - frames[0]["done"]) / 1000
    out = {
        "fps": (len(frames) - 1) / span if span > 0 else None,
        "frames": len(frames),
        "latency": [f["latencyMs"] for f in frames],
        "long_tasks": got["longTasks"],
        # Each thread group's share of one core over the whole call (its start and stop included).
        "cpu": cpu.busy(before, cpu.sample(), window),
    }
    for stage in ("captureMs", "inferMs", "drawMs"):
        if frames and stage in frames[0]:
            out[stage] = [f[stage] for f in frames]
    if frames and "frameId" in frames[0] and span > 0:  # the official loop's video counts what it shows
        out["camera_fps"] = (frames[-1]["frameId"] - frames[0]["frameId"]) / span
    return out


def loop_summary(rounds: list[dict]) -> dict | None:
    if not rounds:
        return None
    latency = [v for r in rounds for v in r["latency"]]
    fps = spread([r["fps"] for r in rounds])
    out = {
        "fps": fps,
        "ms_per_frame": 1000 / fps["median"] if fps and fps["median"] else None,
        "frames": sum(r["frames"] for r in rounds),
        "latency_p50": pct(latency, 50),
        "latency_p95": pct(latency, 95),
        "long_tasks": sum(r["long_tasks"]["count"] for r in rounds),
        "long_task_ms": sum(r["long_tasks"]["ms"] for r in rounds),
    }
    for stage in ("captureMs", "inferMs", "drawMs"):
        if stage in rounds[0]:
            out[stage] = pct([v for r in rounds for v in r[stage]], 50)
    if "inferMs" in rounds[0]:  # the worker's mean time per frame: what bounds the throughput
        out["inferMs_mean"] = mean([v for r in rounds for v in r["inferMs"]])
    if "camera_fps" in rounds[0]:
        out["camera_fps"] = spread([r["camera_fps"] for r in rounds])
    measured = [r for r in rounds if r["cpu"] and r["fps"]]
    if measured:  # per group: its share of one core, and the CPU ms it spent per frame handled
        groups = measured[0]["cpu"].keys()
        out["cpu_share"] = {g: statistics.median(r["cpu"][g] for r in measured) for g in groups}
        out["cpu_ms_per_frame"] = {
            g: statistics.median(r["cpu"][g] * 1000 / r["fps"] for r in measured) for g in groups
        }
    return out


def run_rounds(page, plan: Plan, rounds: int, official: bool, bare: bool) -> dict:
    """`rounds` interleaved rounds of our loop, the official loop and the bare model, the order
    turned around every round, so a busy moment of the machine hits each of them."""
    names = ["ours"] + (["official"] if official else []) + (["bare"] if bare else [])
    got: dict[str, list] = {name: [] for name in names}
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            if name == "bare":
                got["bare"].append(page.evaluate("n => __bench.bareRuns(n)", plan.bare))
            else:
                got[name].append(loop_round(page, name, plan))
    return got


def per_round(a: list, b: list, f) -> dict | None:
    return spread([f(x, y) for x, y in zip(a, b, strict=True)])


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


# --- one model on one backend ------------------------------------------------------------


def official_setup(kind: str, model_id: str, server: GalleryServer) -> str | None:
    """The official loop's setup script for this model, or None where there is none."""
    if kind == "classifier":
        return OFFICIAL["official_mobilenet"] if model_id == MOBILENET_ID and server.has_official_mobilenet() else None
    return OFFICIAL[DEMOS[kind].official] if DEMOS[kind].official else None


def steady_state(
    page, kind: str, model_id: str, backend: str, plan: Plan, server: GalleryServer, rounds: int, bare: bool
) -> dict:
    out: dict = {"where": page.evaluate("() => window.__demo.inference")}
    setup = official_setup(kind, model_id, server)
    if setup:
        out["official_setup"] = page.evaluate(setup, {"id": model_id, "backend": backend})
    if bare:
        task = DEMOS[kind].task and f"/demos/{DEMOS[kind].folder}/{DEMOS[kind].task}"
        out["bare_setup"] = page.evaluate(
            BARE_SETUP_JS, {"id": model_id, "kind": kind, "task": task, "backend": backend}
        )
    page.evaluate("() => __bench.pauseDemo(true)")
    got = run_rounds(page, plan, rounds, official=bool(setup), bare=bare)
    out["ours"] = loop_summary(got["ours"])
    out["official"] = loop_summary(got.get("official", []))
    if setup:
        out["vs_official"] = per_round(got["ours"], got["official"], lambda a, b: _ratio(a["fps"], b["fps"]))
    if bare:
        runs = [t for r in got["bare"] for t in r]
        out["bare"] = {"runs": len(runs), "mean": mean(runs), "p50": pct(runs, 50), "p95": pct(runs, 95)}
        # demo ms/frame (1000 / frames per second) over the bare model's mean time, per round
        out["vs_bare"] = per_round(
            got["ours"], got["bare"], lambda a, b: _ratio(1000 / a["fps"] if a["fps"] else None, mean(b))
        )
    out["tensors"] = page.evaluate("async () => (await window.__demo.memory()).numTensors")
    # How many faces, hands, poses, boxes... the demo's last frame found: what the figures are of.
    out["found"] = page.evaluate(f"() => window.__demo.result && ({DEMOS[kind].found})(window.__demo.result)")
    return out


def measure(
    browser, server: GalleryServer, kind: str, model_id: str, backend: str, plan: Plan, timeout_ms: int = 180_000
) -> dict:
    url = demo_url(server, kind, model_id, backend)
    page_url = url + "&worker=0"
    demo = DEMOS[kind]
    row: dict = {"model": model_id, "kind": kind, "backend": backend, "demo": demo.folder, "plan": plan.__dict__}
    if not official_setup(kind, model_id, server):
        row["no_official"] = demo.no_official
    cold, warm, warm_page = [], [], []
    started = time.monotonic()
    context = None
    try:
        for rep in range(plan.load_reps):
            if context is not None:
                context.close()
            context, page, errors = new_page(browser)
            cold.append(visit(page, url, server, timeout_ms))
            if cold[-1]["error"] or cold[-1]["backend"] != backend:
                row["error"] = cold[-1]["error"] or f"asked for {backend}, the demo runs on {cold[-1]['backend']}"
                return row
            # Let the service worker finish installing (it fetches the site's files once).
            page.evaluate("() => navigator.serviceWorker?.ready.then(() => true)")
            page.wait_for_load_state("networkidle")
            # Start-up in the worker and on the page (?worker=0), both warm, in turns.
            for which in ["worker", "page"] if rep % 2 == 0 else ["page", "worker"]:
                if which == "worker":
                    warm.append(visit(page, url, server, timeout_ms))
                else:
                    warm_page.append(visit(page, page_url, server, timeout_ms))
        row["cold"] = _load_summary(cold)
        row["warm"] = _load_summary(warm)
        row["warm_page"] = _load_summary(warm_page)
        row["startup_vs_page"] = per_round(warm, warm_page, lambda w, p: _ratio(w["ready_ms"], p["ready_ms"]))
        row["second_visit"] = warm[-1]["sent"]
        row["second_visit_model_bytes"] = spread([w["sent"]["model_bytes"] for w in warm])
        row["second_visit_script_bytes"] = spread([w["sent"]["script_bytes"] + w["sent"]["wasm_bytes"] for w in warm])

        # Steady state: ours in the worker against the official loop and the bare model...
        visit(page, url, server, timeout_ms)
        row["worker"] = steady_state(page, kind, model_id, backend, plan, server, plan.rounds, bare=True)
        # ...and ours on the page (?worker=0) against the official loop, on a page of its own.
        if plan.page_rounds:
            visit(page, page_url, server, timeout_ms)
            row["page"] = steady_state(page, kind, model_id, backend, plan, server, plan.page_rounds, bare=False)
        row["console_errors"] = errors[:10]
    except Exception as error:  # one failing row must not sink the whole run
        row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    finally:
        if context is not None:
            context.close()
        row["seconds"] = round(time.monotonic() - started, 1)
    return row


def demo_url(server: GalleryServer, kind: str, model_id: str, backend: str) -> str:
    return f"{server.url}/demos/{DEMOS[kind].folder}/?backend={backend}&model={model_id}"


def memory_run(browser, server: GalleryServer, kind: str, model_id: str, backend: str, frames: int, every: int) -> dict:
    """One long run of a demo in its worker: tf.memory().numTensors there every `every`
    frames, for `frames` frames."""
    context, page, _ = new_page(browser)
    started = time.monotonic()
    about = {"model": model_id, "kind": kind, "demo": DEMOS[kind].folder, "backend": backend}
    try:
        visit(page, demo_url(server, kind, model_id, backend), server, 180_000)
        out = page.evaluate("([frames, every]) => __bench.memoryRun(frames, every)", [frames, every])
        out.update(about, where=page.evaluate("() => window.__demo.inference"))
        return out
    except Exception as error:
        return {**about, "error": f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"}
    finally:
        context.close()
        print(f" {time.monotonic() - started:.0f} s", end="", file=sys.stderr)


def _ratio(a, b):
    return a / b if a is not None and b else None


def _load_summary(visits: list[dict]) -> dict:
    return {
        "load_ms": spread([v["load_ms"] for v in visits]),
        "load_source": sorted({v["load_source"] for v in visits if v["load_source"]}),
        "warmup_ms": spread([v["warmup_ms"] for v in visits]),
        "load_warmup_ms": spread(
            [v["load_ms"] + v["warmup_ms"] for v in visits if v["load_ms"] is not None and v["warmup_ms"] is not None]
        ),
        "ready_ms": spread([v["ready_ms"] for v in visits]),
        "where": sorted({v["where"] for v in visits if v["where"]}),
        "bytes": spread([v["sent"]["bytes"] for v in visits]),
        "model_bytes": spread([v["sent"]["model_bytes"] for v in visits]),
    }


# --- auto backend, quantized copies, the browser itself ------------------------------------


def auto_backend(browser, server: GalleryServer, model_id: str) -> dict:
    context, page, _ = new_page(browser)
    try:
        page.goto(f"{server.url}/demos/mobilenet_webcam/?backend=auto&model={model_id}")
        page.wait_for_function("() => window.__demo && (window.__demo.ready || window.__demo.error)", timeout=180_000)
        return page.evaluate("""() => ({backend: window.__demo.backend, error: window.__demo.error,
                                         note: document.querySelector('[data-stat="note"]')?.textContent ?? ''})""")
    finally:
        context.close()


def agreement(browser, server: GalleryServer, float_id: str, quant_id: str, photos: dict) -> list[dict]:
    import numpy as np

    payload = []
    for name, rgb in photos.items():
        frame = fit_to_frame(rgb)
        rgba = np.concatenate([frame, np.full(frame.shape[:2] + (1,), 255, np.uint8)], axis=2)
        payload.append(
            {
                "name": name,
                "width": frame.shape[1],
                "height": frame.shape[0],
                "rgba": base64.b64encode(rgba.tobytes()).decode(),
            }
        )
    context, page, _ = new_page(browser)
    try:
        page.goto(f"{server.url}/demos/mobilenet_webcam/?backend=wasm&worker=0&model={quant_id}")
        page.wait_for_function("() => window.__demo && (window.__demo.ready || window.__demo.error)", timeout=180_000)
        return page.evaluate(AGREEMENT_JS, {"ids": [float_id, quant_id], "photos": payload})
    finally:
        context.close()


BROWSER_INFO_JS = """async () => {
  const info = {userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency,
                crossOriginIsolated: self.crossOriginIsolated, tfjs: tf.version.tfjs};
  info.wasm_simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  info.wasm_threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const gl = document.createElement('canvas').getContext('webgl2');
  const ext = gl?.getExtension('WEBGL_debug_renderer_info');
  info.webgl_renderer = gl ? (ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : null;
  info.webgpu = Boolean(navigator.gpu);
  if (navigator.gpu) {
    const adapter = await navigator.gpu.requestAdapter().catch(() => null);
    info.webgpu_adapter = adapter ? (adapter.info ? `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim() : 'yes') : null;
  }
  return info;
}"""


def browser_info(browser, server: GalleryServer) -> dict:
    context, page, _ = new_page(browser)
    try:
        page.goto(f"{server.url}/demos/core_api/?backend=wasm")
        page.wait_for_function(
            "() => window.tf && window.__demo && (window.__demo.ready || window.__demo.error)", timeout=60_000
        )
        info = page.evaluate(BROWSER_INFO_JS)
        info["browser_version"] = browser.version
        return info
    finally:
        context.close()
