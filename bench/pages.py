"""One model on one backend in its demo, in headless Chromium, against the real server.

For each (model, backend) `measure` does, in order:

1. `load_reps` times: a fresh browser context (empty HTTP cache, IndexedDB and service
   worker) visits the demo page (cold), waits until the demo is ready, then visits it again
   (warm: the model comes from IndexedDB, scripts from the HTTP cache). Each visit records
   the model load time the demo reports, its warm-up time, the time to ready, and the bytes
   the server sent (counted by the server itself, by kind of file).
2. On the last warm page, `rounds` interleaved rounds of: `frames` frames of the demo's own
   loop (timed by page_bench.js), `bare` runs of the bare model on the same input, and for
   pose models `bare` estimates by pose-detection on its own, with the demo held meanwhile.
3. For classifiers, a stage-by-stage profile of the demo's frame (capture+preprocess,
   predict, softmax+top-k, draw).
"""

from __future__ import annotations

import base64
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.servers import GalleryServer, Sent
from tests.browser import BASE_ARGS, chromium_path

HERE = Path(__file__).resolve().parent
PAGE_BENCH_JS = HERE / "page_bench.js"
SETUP = {"classifier": (HERE / "setup_classifier.js").read_text(), "pose": (HERE / "setup_pose.js").read_text()}
AGREEMENT_JS = (HERE / "agreement.js").read_text()
DEMOS = {"classifier": "mobilenet_webcam", "pose": "posenet"}
VIEWPORT = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Plan:
    load_reps: int = 3
    rounds: int = 4
    frames: int = 50  # demo frames per round
    bare: int = 25  # bare-model (and pose-detection) runs per round
    stages: int = 30  # classifier stage profile iterations
    discard: int = 5  # demo frames dropped before the first round


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


LOAD_RE = re.compile(r"(?:Model from (?P<src>the server|the browser cache)|Loaded) in (?P<ms>\d+) ms")
WARMUP_RE = re.compile(r"warm-up\)?:?\s*(?P<ms>\d+)\s*ms")


def visit(page, url: str, server: GalleryServer, timeout_ms: int) -> dict:
    mark = server.mark()
    page.goto(url)
    page.wait_for_function("() => window.__demo && (window.__demo.ready || window.__demo.error)", timeout=timeout_ms)
    ready_ms = page.evaluate("() => performance.now()")
    state = page.evaluate("() => ({backend: window.__demo.backend, error: window.__demo.error})")
    texts = page.evaluate("""() => [document.querySelector('[data-stat="note"]')?.textContent ?? '',
                                    document.getElementById('model-info')?.textContent ?? ''].join('\\n')""")
    page.wait_for_load_state("networkidle")
    load = LOAD_RE.search(texts)
    warmup = WARMUP_RE.search(texts)
    return {
        "backend": state["backend"],
        "error": state["error"],
        "ready_ms": ready_ms,
        "load_ms": float(load["ms"]) if load else None,
        "load_source": ({"the server": "network", "the browser cache": "cache"}.get(load["src"]) if load and load["src"] else None),
        "warmup_ms": float(warmup["ms"]) if warmup else None,
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


# --- one model on one backend ------------------------------------------------------------

def frame_stats(rounds: list[list[dict]]) -> dict:
    work = [f["end"] - f["start"] for r in rounds for f in r]
    fps, source_fps = [], []
    for r in rounds:
        span = (r[-1]["end"] - r[0]["end"]) / 1000
        if span > 0:
            fps.append((len(r) - 1) / span)
            if r[-1]["presented"] is not None and r[0]["presented"] is not None:
                source_fps.append((r[-1]["presented"] - r[0]["presented"]) / span)
    return {
        "frames": len(work),
        "p50": pct(work, 50),
        "p95": pct(work, 95),
        "p50_per_round": spread([pct([f["end"] - f["start"] for f in r], 50) for r in rounds]),
        "fps": spread(fps),
        "camera_fps": spread(source_fps),
    }


def measure(browser, server: GalleryServer, kind: str, model_id: str, backend: str, plan: Plan,
            timeout_ms: int = 180_000) -> dict:
    url = f"{server.url}/demos/{DEMOS[kind]}/?backend={backend}&model={model_id}"
    row: dict = {"model": model_id, "kind": kind, "backend": backend, "demo": DEMOS[kind], "plan": plan.__dict__}
    cold, warm = [], []
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
            warm.append(visit(page, url, server, timeout_ms))
        row["cold"] = _load_summary(cold)
        row["warm"] = _load_summary(warm)
        row["second_visit"] = warm[-1]["sent"]
        row["second_visit_model_bytes"] = spread([w["sent"]["model_bytes"] for w in warm])
        row["second_visit_script_bytes"] = spread([w["sent"]["script_bytes"] + w["sent"]["wasm_bytes"] for w in warm])

        # Steady state, on the last warm page.
        row["setup"] = page.evaluate(SETUP[kind], {"id": model_id})
        page.evaluate("n => __bench.demoFrames(n)", plan.discard)
        demo_rounds, bare, library = [], [], []
        for _ in range(plan.rounds):
            demo_rounds.append(page.evaluate("n => __bench.demoFrames(n)", plan.frames))
            bare += page.evaluate("n => __bench.time('bare', n)", plan.bare)
            if kind == "pose":
                library += page.evaluate("n => __bench.time('library', n)", plan.bare)
        row["demo"] = frame_stats(demo_rounds)
        row["bare"] = {"runs": len(bare), "p50": pct(bare, 50), "p95": pct(bare, 95),
                       "p50_per_round": spread([pct(bare[i:i + plan.bare], 50) for i in range(0, len(bare), plan.bare)])}
        row["overhead"] = _ratio(row["demo"]["p50"], row["bare"]["p50"])
        row["overhead_per_round"] = spread([
            _ratio(pct([f["end"] - f["start"] for f in r], 50), pct(bare[i * plan.bare:(i + 1) * plan.bare], 50))
            for i, r in enumerate(demo_rounds)])
        if kind == "pose":
            row["library"] = {"runs": len(library), "p50": pct(library, 50), "p95": pct(library, 95)}
            row["vs_library"] = _ratio(row["demo"]["p50"], row["library"]["p50"])
            row["vs_library_per_round"] = spread([
                _ratio(pct([f["end"] - f["start"] for f in r], 50), pct(library[i * plan.bare:(i + 1) * plan.bare], 50))
                for i, r in enumerate(demo_rounds)])
        if kind == "classifier" and plan.stages:
            stages = page.evaluate("n => __bench.stages(n)", plan.stages)
            row["stages"] = {name: pct([s[name] for s in stages], 50) for name in stages[0]}
        row["tensors"] = page.evaluate("() => tf.memory().numTensors")
        row["console_errors"] = errors[:10]
    except Exception as error:  # one failing row must not sink the whole run
        row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    finally:
        if context is not None:
            context.close()
        row["seconds"] = round(time.monotonic() - started, 1)
    return row


def _ratio(a, b):
    return a / b if a is not None and b else None


def _load_summary(visits: list[dict]) -> dict:
    return {
        "load_ms": spread([v["load_ms"] for v in visits]),
        "load_source": sorted({v["load_source"] for v in visits if v["load_source"]}),
        "warmup_ms": spread([v["warmup_ms"] for v in visits]),
        "ready_ms": spread([v["ready_ms"] for v in visits]),
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
    from tests.fake_camera import fit_to_frame
    import numpy as np

    payload = []
    for name, rgb in photos.items():
        frame = fit_to_frame(rgb)
        rgba = np.concatenate([frame, np.full(frame.shape[:2] + (1,), 255, np.uint8)], axis=2)
        payload.append({"name": name, "width": frame.shape[1], "height": frame.shape[0],
                        "rgba": base64.b64encode(rgba.tobytes()).decode()})
    context, page, _ = new_page(browser)
    try:
        page.goto(f"{server.url}/demos/mobilenet_webcam/?backend=wasm&model={quant_id}")
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
        page.wait_for_function("() => window.tf && window.__demo && (window.__demo.ready || window.__demo.error)", timeout=60_000)
        info = page.evaluate(BROWSER_INFO_JS)
        info["browser_version"] = browser.version
        return info
    finally:
        context.close()
