"""The results as latest.json, latest.md (tables and targets) and latest.png (charts)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import teach

# The targets (issues 8 and 12), as ratios on this machine.
MIN_VS_OFFICIAL_FAST = 1.2  # ours / official frames per second, wasm, for the models below
FAST_MODELS = {"mobilenet-v1-025-testdata", "movenet-lightning", "posenet"}
MIN_VS_OFFICIAL = 1.0  # every other model and backend with an official loop
MAX_VS_BARE = 1.05  # demo ms/frame (1000 / fps) / bare model ms per run, wasm, in the worker
MAX_STARTUP = 1.1  # time to ready with the worker / with ?worker=0
MAX_WARM_OVER_COLD = 0.5  # model load from IndexedDB / from the network
MAX_F16_BYTES = 0.51  # float16 weight bytes / float32 ("half", plus the odd int tensor)
MIN_SERVING = 0.8  # gallery throughput / plain static server
MEMORY_FRAMES = 3000  # frames of the long run for a flat tensor count


def _num(v, digits=1):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}"


def _spread(s, digits=0, unit=""):
    if not s:
        return "–"
    if s["n"] == 1 or s["min"] == s["max"]:
        return f"{_num(float(s['median']), digits)}{unit}"
    return f"{_num(float(s['median']), digits)}{unit} ({_num(float(s['min']), digits)}–{_num(float(s['max']), digits)})"


def _ok(met):
    return "—" if met is None else ("met" if met else "**missed**")


def _rows(results, ok_only=True):
    return [r for r in results.get("rows", []) if not (ok_only and r.get("error"))]


def warm_over_cold(row):
    cold, warm = (row.get("cold") or {}).get("load_ms"), (row.get("warm") or {}).get("load_ms")
    return warm["median"] / cold["median"] if cold and warm and cold["median"] else None


def fastest_backend(results, model_id):
    rows = [r for r in _rows(results) if r["model"] == model_id and (r.get("worker") or {}).get("bare")]
    return min(rows, key=lambda r: r["worker"]["bare"]["mean"])["backend"] if rows else None


def min_vs_official(row) -> float:
    return MIN_VS_OFFICIAL_FAST if row["backend"] == "wasm" and row["model"] in FAST_MODELS else MIN_VS_OFFICIAL


def targets(results) -> list[dict]:
    out = []
    rows = _rows(results)

    def add(name, figure, met, detail=""):
        out.append({"target": name, "figure": figure, "met": met, "detail": detail})

    for r in rows:
        label = f"{r['model']} / {r['backend']}"
        w = r.get("worker") or {}
        ours, official = w.get("ours"), w.get("official")
        if w.get("vs_official"):
            want, got = min_vs_official(r), w["vs_official"]["median"]
            add(
                f"ours / official throughput ≥ {want}x: {label}",
                f"{got:.2f}x ({ours['fps']['median']:.1f} / {official['fps']['median']:.1f} frames/s; rounds {_spread(w['vs_official'], 2)})",
                got >= want,
            )
        if r["backend"] == "wasm" and w.get("vs_bare"):
            got = w["vs_bare"]["median"]
            add(
                f"demo ms/frame ≤ {MAX_VS_BARE}x bare model: {label}",
                f"{got:.2f}x ({ours['ms_per_frame']:.1f} / {w['bare']['mean']:.1f} ms; rounds {_spread(w['vs_bare'], 2)})",
                got <= MAX_VS_BARE,
            )
        if r["backend"] == "wasm" and ours and w.get("where") == "worker":
            add(
                f"zero main-thread long tasks, worker on: {label}",
                f"{ours['long_tasks']} ({ours['long_task_ms']:.0f} ms) over {ours['frames']} frames; official: "
                + (f"{official['long_tasks']} ({official['long_task_ms']:.0f} ms)" if official else "–"),
                ours["long_tasks"] == 0,
            )
        if r.get("startup_vs_page"):
            got = r["startup_vs_page"]["median"]
            add(
                f"worker start-up ≤ {MAX_STARTUP}x main-thread start-up: {label}",
                f"{got:.2f}x ({r['warm']['ready_ms']['median']:.0f} / {r['warm_page']['ready_ms']['median']:.0f} ms to ready, warm)",
                got <= MAX_STARTUP,
            )
        ratio = warm_over_cold(r)
        if ratio is not None:
            add(
                f"warm load ≤ {MAX_WARM_OVER_COLD} x cold: {label}",
                f"{ratio:.2f} ({r['warm']['load_ms']['median']:.0f} / {r['cold']['load_ms']['median']:.0f} ms, warm from "
                f"{'/'.join(r['warm']['load_source']) or 'HTTP cache'})",
                ratio <= MAX_WARM_OVER_COLD,
            )
        if r.get("second_visit"):
            sv = r["second_visit"]
            add(
                f"zero model bytes on a second visit: {label}",
                f"{sv['model_bytes']:,} B model, {sv['script_bytes'] + sv['wasm_bytes']:,} B scripts+wasm "
                f"({sv['requests']} requests, {sv['not_modified']} of them 304)",
                sv["model_bytes"] == 0,
            )
    for memory in results.get("memory") or []:
        label = f"{memory['model']} / {memory['backend']}"
        if memory.get("error"):
            add(f"tf.memory().numTensors in the worker flat: {label}", f"error: {memory['error']}", False)
            continue
        counts = [s["numTensors"] for s in memory["samples"]]
        # Fewer frames than the target's: a --quick run proves nothing; a full run's shorter
        # runs (every model but the fastest, cli.py) judge flatness over the frames they ran.
        short = memory["frames"] < MEMORY_FRAMES
        add(
            f"tf.memory().numTensors in the worker flat over {MEMORY_FRAMES:,} frames: {label}"
            if not short or results.get("quick")
            else f"tf.memory().numTensors in the worker flat over {memory['frames']:,} frames ({MEMORY_FRAMES:,}: "
            f"the fastest model only): {label}",
            f"{min(counts)}–{max(counts)} over {memory['frames']:,} frames ({len(counts)} samples, {memory['seconds']:.0f} s, "
            f"in the {memory['where']})",
            None if short and results.get("quick") else max(counts) == min(counts),
            "too few frames to judge (--quick)" if short and results.get("quick") else "",
        )
    auto = results.get("auto")
    if auto:
        fastest = fastest_backend(results, auto["model"])
        add(
            "`auto` picks the fastest backend measured",
            f"auto picked {auto['backend']}; fastest bare model on {auto['model']}: {fastest}",
            auto["backend"] == fastest if fastest else None,
            auto.get("note", ""),
        )
    for q in results.get("quantized", []):
        if q["float_weight_bytes"] and q["quantized_weight_bytes"]:
            ratio = q["quantized_weight_bytes"] / q["float_weight_bytes"]
            add(
                f"{q['quantization']} is half the bytes: {q['quantized']}",
                f"{ratio:.3f} ({q['quantized_weight_bytes']:,} / {q['float_weight_bytes']:,} B)",
                ratio <= MAX_F16_BYTES,
            )
        if q.get("photos"):
            same = sum(p["answers"][0]["top1"] == p["answers"][1]["top1"] for p in q["photos"])
            add(
                f"same top-1 as float32 on the test photos: {q['quantized']}",
                f"{same}/{len(q['photos'])} photos",
                same == len(q["photos"]),
            )
    serving = results.get("serving")
    if serving:
        for workload, s in serving["ratio_vs_aiohttp_static"].items():
            if s:
                add(
                    f"model-file serving ≥ {MIN_SERVING}x plain static server ({workload})",
                    f"{s['median']:.2f}x ({s['min']:.2f}–{s['max']:.2f})",
                    s["median"] >= MIN_SERVING,
                )
    return out + teach.targets(results)


def machine_lines(results) -> list[str]:
    m, b = results["machine"], results.get("browser", {})
    lines = [
        f"- Date: {m['date']}; harness run time {results.get('seconds', 0):.0f} s{' (--quick)' if results.get('quick') else ''}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; Python {m['python']}, aiohttp {m['aiohttp']}",
        f"- Load average (1, 5, 15 min) at start {m.get('load_average_start')}, at end {m.get('load_average_end')} "
        "(other processes share the machine: compare figures of the same row, measured interleaved)",
    ]
    if b:
        lines += [
            f"- Browser: headless Chromium {b.get('browser_version')} ({b.get('hardwareConcurrency')} logical cores seen), TF.js {b.get('tfjs')}",
            f"- Backends: wasm SIMD {b.get('wasm_simd')}, wasm threads {b.get('wasm_threads')} "
            f"(crossOriginIsolated {b.get('crossOriginIsolated')}; the gallery turns threads off under 4 cores); "
            f"WebGL renderer: {b.get('webgl_renderer')}; WebGPU adapter: {b.get('webgpu_adapter')}",
        ]
    return lines


CPU_GROUPS = ("worker", "page", "gpu", "total")


def cpu_lines(results) -> list[str]:
    """Which of the browser's threads each wasm loop kept busy (bench/cpu.py), and for how many
    CPU ms per frame handled: the inference thread's figure is what bounds a loop, the GPU
    process's is the cost of showing the page (software compositing here)."""
    loops = [
        (r, name, loop)
        for r in _rows(results)
        if r["backend"] == "wasm"
        for name, loop in (
            ("ours", (r.get("worker") or {}).get("ours")),
            ("official", (r.get("worker") or {}).get("official")),
            ("page", (r.get("page") or {}).get("ours")),
        )
        if loop and loop.get("cpu_share")
    ]
    if not loops:
        return []
    out = [
        "",
        "## Where the CPU went (wasm)",
        "",
        "Per loop, median over its rounds: each thread group's share of one core (1.00 = one core all the time) and "
        "the CPU ms it spent per frame handled. worker = the inference worker(s); page = the page's own thread "
        "(where the official loop and `?worker=0` run the model); gpu = the GPU process, which composites the page "
        "in software here; total = every thread of the browser. The machine has "
        f"{(results.get('machine') or {}).get('cores', '?')} cores.",
        "",
        "| model | loop | fps | busy: worker | page | gpu | total | CPU ms per frame: worker | page | gpu | total |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r, name, loop in loops:
        share, per_frame = loop["cpu_share"], loop["cpu_ms_per_frame"]
        out.append(
            f"| {r['model']} | {name} | {_fps(loop)} | "
            + " | ".join(_num(share[g], 2) for g in CPU_GROUPS)
            + " | "
            + " | ".join(_num(per_frame[g], 0) for g in CPU_GROUPS)
            + " |"
        )
    return out


def _fps(loop):
    return _spread(loop["fps"], 1) if loop else "–"


def _latency(loop):
    return f"{_num(loop['latency_p50'])} / {_num(loop['latency_p95'])}" if loop else "–"


def _long(loop):
    return f"{loop['long_tasks']} ({loop['long_task_ms']:,.0f} ms)" if loop else "–"


def markdown(results) -> str:
    out = [
        "# Benchmark results",
        "",
        "Written by `python -m bench` (`make bench`); docs/PERFORMANCE.md explains every column.",
        "",
    ]
    out += machine_lines(results) + [""]
    out += [
        "Figures are `median (min–max)` over repetitions: load times over fresh browser contexts, frames per",
        "second and ratios per round of interleaved measurement. Latency p50/p95 are over all frames of all rounds.",
        "",
    ]

    out += ["## Targets", "", "| target | figure | |", "|---|---|---|"]
    out += [
        f"| {t['target']} | {t['figure']} | {_ok(t['met'])}{' (' + t['detail'] + ')' if t['detail'] and t['met'] is None else ''} |"
        for t in targets(results)
    ]

    out += [
        "",
        f"## Live loops: frames handled per second (camera: {results.get('camera_fps', '?')} fps)",
        "",
        "ours = the demo with inference in its worker; official = the library's own demo loop on the page's main thread "
        "(pose-detection live_video, face-landmarks-detection estimateFaces, @tensorflow-models/mobilenet classify); "
        "page = the demo with `?worker=0`.",
        "",
        "| model | backend | ours fps | official fps (camera fps seen) | ours / official (rounds) | page fps | page / official | latency p50 / p95 ms: ours | official | page | long tasks (total ms): ours | official | page |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.get("rows", []):
        if r.get("error"):
            out.append(f"| {r['model']} | {r['backend']} | error: {r['error']} |" + " |" * 10)
            continue
        w, p = r.get("worker") or {}, r.get("page") or {}
        out.append(
            " | ".join(
                [
                    f"| {r['model']}",
                    r["backend"],
                    _fps(w.get("ours")),
                    f"{_fps(w.get('official'))} ({_spread((w.get('official') or {}).get('camera_fps'), 1)})",
                    f"{_spread(w['vs_official'], 2)}x" if w.get("vs_official") else "–",
                    _fps(p.get("ours")),
                    f"{_spread(p['vs_official'], 2)}x" if p.get("vs_official") else "–",
                    _latency(w.get("ours")),
                    _latency(w.get("official")),
                    _latency(p.get("ours")),
                    _long(w.get("ours")),
                    _long(w.get("official")),
                    f"{_long(p.get('ours'))} |",
                ]
            )
        )
    without = {r["model"]: r["no_official"] for r in _rows(results) if r.get("no_official")}
    if without:
        out += ["", "No official loop:", ""] + [f"- {model}: none: {why}." for model, why in without.items()]

    out += [
        "",
        "## The demo against the bare model (in the worker)",
        "",
        "| model | backend | demo ms/frame (1000 / fps) | bare model ms/run: mean (p50, p95) | demo / bare (rounds) | per frame p50: capture | inference in the worker (mean) | draw | tensors in the worker | found in the last frame |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in _rows(results):
        w = r.get("worker") or {}
        ours, bare = w.get("ours"), w.get("bare")
        if not ours or not bare:
            continue
        out.append(
            " | ".join(
                [
                    f"| {r['model']}",
                    r["backend"],
                    _num(ours["ms_per_frame"]),
                    f"{_num(bare['mean'])} ({_num(bare['p50'])}, {_num(bare['p95'])})",
                    f"{_spread(w['vs_bare'], 2)}x" if w.get("vs_bare") else "–",
                    _num(ours.get("captureMs"), 2),
                    f"{_num(ours.get('inferMs'), 2)} ({_num(ours.get('inferMs_mean'), 2)})",
                    _num(ours.get("drawMs"), 2),
                    _num(w.get("tensors")),
                    f"{_num(w.get('found'))} |",
                ]
            )
        )

    out += cpu_lines(results)

    out += [
        "",
        "## Loads and start-up",
        "",
        "| model | backend | weights | cold load ms | warm load ms | warm-up ms (worker) | ready ms, warm: worker | page | worker / page | load + warm-up ms: worker | page | 2nd visit: model B, scripts B |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in _rows(results):
        sv = r["second_visit"]
        wp = r.get("warm_page") or {}
        out.append(
            " | ".join(
                [
                    f"| {r['model']}",
                    r["backend"],
                    f"{(r.get('weight_bytes') or 0) / 1e6:.1f} MB{' ' + r['quantization'] if r.get('quantization') else ''}",
                    _spread(r["cold"]["load_ms"]),
                    _spread(r["warm"]["load_ms"]),
                    _spread(r["warm"]["warmup_ms"]),
                    _spread(r["warm"]["ready_ms"]),
                    _spread(wp.get("ready_ms")),
                    f"{_spread(r['startup_vs_page'], 2)}x" if r.get("startup_vs_page") else "–",
                    _spread(r["warm"]["load_warmup_ms"]),
                    _spread(wp.get("load_warmup_ms")),
                    f"{sv['model_bytes']:,}, {sv['script_bytes'] + sv['wasm_bytes']:,} |",
                ]
            )
        )

    runs = [m for m in results.get("memory") or [] if not m.get("error")]
    if runs:
        out += [
            "",
            "## Tensors in the worker over a long run",
            "",
            "| model | demo | backend | frames | seconds (frames/s) | `tf.memory().numTensors`, sampled as it ran |",
            "|---|---|---|---|---|---|",
        ]
        for m in runs:
            out.append(
                f"| {m['model']} | {m['demo']} | {m['backend']} | {m['frames']:,} | "
                f"{m['seconds']:.0f} ({m['frames'] / m['seconds']:.1f}) | "
                + ", ".join(f"{s['numTensors']} @{s['frame']}" for s in m["samples"])
                + " |"
            )

    if results.get("quantized"):
        out += [
            "",
            "## Quantized copies against float32 (wasm)",
            "",
            "| float32 | quantized | weight bytes | ratio | demo ms/frame f32 / quantized | bare ms f32 / quantized | top-1 per photo (f32 → quantized, max |Δp|) |",
            "|---|---|---|---|---|---|---|",
        ]
        by = {(r["model"], r["backend"]): r.get("worker") or {} for r in _rows(results)}
        for q in results["quantized"]:
            f, g = by.get((q["float"], "wasm"), {}), by.get((q["quantized"], "wasm"), {})

            def fig(w, key):
                return _num(
                    (w.get("ours") or {}).get("ms_per_frame") if key == "demo" else (w.get("bare") or {}).get("mean")
                )

            photos = (
                "; ".join(
                    f"{p['photo']}: {p['answers'][0]['top1']} → {p['answers'][1]['top1']} ({p['max_abs_prob_diff']:.4f})"
                    for p in q.get("photos", [])
                )
                or "not measured (no classifier pair)"
            )
            out.append(
                f"| {q['float']} | {q['quantized']} | {q['float_weight_bytes']:,} → {q['quantized_weight_bytes']:,} | "
                f"{q['quantized_weight_bytes'] / q['float_weight_bytes']:.3f} | "
                f"{fig(f, 'demo')} / {fig(g, 'demo')} | {fig(f, 'bare')} / {fig(g, 'bare')} | {photos} |"
            )

    if results.get("auto"):
        a = results["auto"]
        out += [
            "",
            "## `?backend=auto`",
            "",
            f"On {a['model']}: picked **{a['backend']}**; its probe said: {a['note'].strip()}",
            f"Fastest bare model measured on {a['model']}: **{fastest_backend(results, a['model'])}** "
            "("
            + ", ".join(
                f"{r['backend']} {r['worker']['bare']['mean']:.1f} ms"
                for r in _rows(results)
                if r["model"] == a["model"] and (r.get("worker") or {}).get("bare")
            )
            + ").",
        ]

    s = results.get("serving")
    if s:
        out += [
            "",
            f"## Serving model files ({s['concurrency']} concurrent requests, {s['reps']} interleaved repetitions)",
            "",
            "| workload | gallery | aiohttp static | gallery / aiohttp static |",
            "|---|---|---|---|",
        ]
        for w in s["files"]:
            unit, key = ("MB/s", "mb_per_s") if w == "weights" else ("req/s", "req_per_s")
            out.append(
                f"| {w} ({s['files'][w]} files × {s['passes'][w]}) | "
                + " | ".join(_spread(s["servers"][n][w][key], 0, f" {unit}") for n in ("gallery", "aiohttp_static"))
                + f" | {_spread(s['ratio_vs_aiohttp_static'][w], 2)} |"
            )

    out += teach.markdown(results)

    if results.get("skipped_models"):
        out += ["", "## Not measured", ""] + [
            f"- {m['id']} ({m['task']}): {m['why']}" for m in results["skipped_models"]
        ]
    return "\n".join(out) + "\n"


def chart(results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in _rows(results) if r.get("worker")]
    fig, axes = plt.subplots(1, 3 if results.get("serving") else 2, figsize=(17, max(3.5, 0.45 * len(rows) + 1.5)))
    labels = [f"{r['model']}\n{r['backend']}" for r in rows]
    y = range(len(rows))

    def fps(r, where, loop):
        got = ((r.get(where) or {}).get(loop) or {}).get("fps")
        return got["median"] if got else 0

    ax = axes[0]
    ax.barh([i - 0.27 for i in y], [fps(r, "worker", "ours") for r in rows], 0.27, label="ours (worker)")
    ax.barh(list(y), [fps(r, "worker", "official") for r in rows], 0.27, label="official loop")
    ax.barh([i + 0.27 for i in y], [fps(r, "page", "ours") for r in rows], 0.27, label="ours, ?worker=0")
    ax.set_yticks(list(y), labels, fontsize=7)
    ax.set_xscale("log")  # 1 to 60 frames a second across backends
    ax.set_xlabel("frames handled per second (median of rounds, log)")
    ax.invert_yaxis()
    ax.legend(fontsize=7)
    ax.set_title("Live loops")
    ax = axes[1]
    ax.barh(
        [i + 0.2 for i in y],
        [r["cold"]["load_ms"]["median"] if r["cold"]["load_ms"] else 0 for r in rows],
        0.4,
        label="cold (network)",
    )
    ax.barh(
        [i - 0.2 for i in y],
        [r["warm"]["load_ms"]["median"] if r["warm"]["load_ms"] else 0 for r in rows],
        0.4,
        label="warm (cache)",
    )
    ax.set_yticks(list(y), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("model load, ms (median)")
    ax.legend(fontsize=7)
    ax.set_title("Model load")
    s = results.get("serving")
    if s:
        ax = axes[2]
        names = ["gallery", "aiohttp_static"]
        meds = [s["servers"][n]["weights"]["mb_per_s"]["median"] for n in names]
        lows = [m - s["servers"][n]["weights"]["mb_per_s"]["min"] for m, n in zip(meds, names, strict=True)]
        highs = [s["servers"][n]["weights"]["mb_per_s"]["max"] - m for m, n in zip(meds, names, strict=True)]
        ax.bar(names, meds, yerr=[lows, highs], capsize=4)
        ax.set_ylabel("MB/s (median, min–max)")
        ax.set_title(f"Model files, {s['concurrency']} concurrent requests")
    fig.suptitle(
        f"TF.js gallery benchmark, {results['machine']['date']}, {results['machine']['cores']} cores, "
        f"Chromium {results.get('browser', {}).get('browser_version')}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write(results, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    results["targets"] = targets(results)
    paths = {"json": out / "latest.json", "md": out / "latest.md", "png": out / "latest.png"}
    paths["json"].write_text(json.dumps(results, indent=1) + "\n")
    paths["md"].write_text(markdown(results))
    chart(results, paths["png"])
    return paths
