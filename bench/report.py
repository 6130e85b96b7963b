"""The results as latest.json, latest.md (tables and targets) and latest.png (charts)."""

from __future__ import annotations

import json
from pathlib import Path

# The targets of issue 8, as ratios on this machine.
MAX_OVERHEAD = 1.15  # demo time per frame / bare model time
MAX_VS_LIBRARY = 1.0  # pose demo per frame / pose-detection estimator alone
MAX_WARM_OVER_COLD = 0.5  # model load from IndexedDB / from the network
MAX_F16_BYTES = 0.51  # float16 weight bytes / float32 ("half", plus the odd int tensor)
MIN_SERVING = 0.8  # gallery throughput / plain static server


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
    rows = [r for r in _rows(results) if r["model"] == model_id and r.get("bare")]
    return min(rows, key=lambda r: r["bare"]["p50"])["backend"] if rows else None


def targets(results) -> list[dict]:
    out = []
    rows = _rows(results)

    def add(name, figure, met, detail=""):
        out.append({"target": name, "figure": figure, "met": met, "detail": detail})

    for r in rows:
        label = f"{r['model']} / {r['backend']}"
        if r.get("overhead") is not None:
            add(f"demo overhead ≤ {MAX_OVERHEAD}x bare model: {label}",
                f"{r['overhead']:.2f}x ({r['demo']['p50']:.1f} / {r['bare']['p50']:.1f} ms)", r["overhead"] <= MAX_OVERHEAD)
        if r.get("vs_library") is not None:
            add(f"pose demo ≤ {MAX_VS_LIBRARY}x pose-detection alone: {label}",
                f"{r['vs_library']:.2f}x ({r['demo']['p50']:.1f} / {r['library']['p50']:.1f} ms)", r["vs_library"] <= MAX_VS_LIBRARY)
        ratio = warm_over_cold(r)
        if ratio is not None:
            add(f"warm load ≤ {MAX_WARM_OVER_COLD} x cold: {label}",
                f"{ratio:.2f} ({r['warm']['load_ms']['median']:.0f} / {r['cold']['load_ms']['median']:.0f} ms, warm from "
                f"{'/'.join(r['warm']['load_source']) or 'HTTP cache'})", ratio <= MAX_WARM_OVER_COLD)
        if r.get("second_visit"):
            sv = r["second_visit"]
            add(f"zero model bytes on a second visit: {label}",
                f"{sv['model_bytes']:,} B model, {sv['script_bytes'] + sv['wasm_bytes']:,} B scripts+wasm "
                f"({sv['requests']} requests, {sv['not_modified']} of them 304)", sv["model_bytes"] == 0)
    auto = results.get("auto")
    if auto:
        fastest = fastest_backend(results, auto["model"])
        add("`auto` picks the fastest backend measured", f"auto picked {auto['backend']}; fastest bare model on "
            f"{auto['model']}: {fastest}", auto["backend"] == fastest if fastest else None, auto.get("note", ""))
    for q in results.get("quantized", []):
        if q["float_weight_bytes"] and q["quantized_weight_bytes"]:
            ratio = q["quantized_weight_bytes"] / q["float_weight_bytes"]
            add(f"{q['quantization']} is half the bytes: {q['quantized']}",
                f"{ratio:.3f} ({q['quantized_weight_bytes']:,} / {q['float_weight_bytes']:,} B)", ratio <= MAX_F16_BYTES)
        if q.get("photos"):
            same = sum(p["answers"][0]["top1"] == p["answers"][1]["top1"] for p in q["photos"])
            add(f"same top-1 as float32 on the test photos: {q['quantized']}", f"{same}/{len(q['photos'])} photos",
                same == len(q["photos"]))
    serving = results.get("serving")
    if serving:
        for workload, s in serving["ratio_vs_aiohttp_static"].items():
            if s:
                add(f"model-file serving ≥ {MIN_SERVING}x plain static server ({workload})",
                    f"{s['median']:.2f}x ({s['min']:.2f}–{s['max']:.2f})", s["median"] >= MIN_SERVING)
    return out


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


def markdown(results) -> str:
    out = ["# Benchmark results", "", "Written by `python -m bench` (`make bench`); docs/PERFORMANCE.md explains every column.", ""]
    out += machine_lines(results) + [""]
    out += ["Figures are `median (min–max)` over repetitions: load times over fresh browser contexts, per-frame",
            "times per round of interleaved measurement. Latency p50/p95 are over all frames of all rounds.", ""]

    out += ["## Targets", "", "| target | figure | |", "|---|---|---|"]
    out += [f"| {t['target']} | {t['figure']} | {_ok(t['met'])} |" for t in targets(results)]

    out += ["", "## Demos: model × backend", "",
            "| model | backend | weights | cold load ms | warm load ms | warm-up ms | demo ms/frame p50 (rounds) | p95 | frames | demo FPS (camera FPS) | bare model p50 | overhead | pose-detection alone p50 | demo / pose-detection | 2nd visit: model B, scripts B |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results.get("rows", []):
        if r.get("error"):
            out.append(f"| {r['model']} | {r['backend']} | | error: {r['error']} |" + " |" * 11)
            continue
        d, sv = r["demo"], r["second_visit"]
        lib = r.get("library")
        out.append(" | ".join([
            f"| {r['model']}", r["backend"], f"{(r.get('weight_bytes') or 0) / 1e6:.1f} MB{' ' + r['quantization'] if r.get('quantization') else ''}",
            _spread(r["cold"]["load_ms"]), _spread(r["warm"]["load_ms"]), _spread(r["warm"]["warmup_ms"]),
            f"{_num(d['p50'])} ({_spread(d['p50_per_round'], 1)})", _num(d["p95"]), str(d["frames"]),
            f"{_spread(d['fps'], 1)} ({_spread(d['camera_fps'], 1)})", _num(r["bare"]["p50"]),
            f"{r['overhead']:.2f}x ({_spread(r['overhead_per_round'], 2)})",
            _num(lib["p50"]) if lib else "", f"{r['vs_library']:.2f}x ({_spread(r['vs_library_per_round'], 2)})" if lib else "",
            f"{sv['model_bytes']:,}, {sv['script_bytes'] + sv['wasm_bytes']:,} |",
        ]))

    staged = [r for r in _rows(results) if r.get("stages")]
    if staged:
        out += ["", "## Where a classifier frame goes (stage medians, ms)", "",
                "| model | backend | capture + preprocess | predict | softmax + top-5 | draw | sum | demo frame p50 | reference capture: drawImage into a kept canvas | its max / mean abs difference from the demo's input |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for r in staged:
            s = dict(r["stages"])
            proposed = s.pop("proposed_capture_preprocess", None)
            diff = (r.get("setup") or {}).get("proposed_preprocess_diff") or {}
            out.append(f"| {r['model']} | {r['backend']} | " + " | ".join(_num(s[k], 2) for k in s)
                       + f" | {_num(sum(s.values()), 2)} | {_num(r['demo']['p50'], 2)} | {_num(proposed, 2)} | "
                       + f"{_num(diff.get('max'), 3)} / {_num(diff.get('mean'), 4)} |")
        out += ["", "On webgl/webgpu each stage is read back before the clock stops, which the demo itself never does."]

    if results.get("quantized"):
        out += ["", "## Quantized copies against float32 (wasm)", "",
                "| float32 | quantized | weight bytes | ratio | demo p50 f32 / quantized | bare p50 f32 / quantized | top-1 per photo (f32 → quantized, max |Δp|) |",
                "|---|---|---|---|---|---|---|"]
        by = {(r["model"], r["backend"]): r for r in _rows(results)}
        for q in results["quantized"]:
            f, g = by.get((q["float"], "wasm")), by.get((q["quantized"], "wasm"))
            photos = "; ".join(f"{p['photo']}: {p['answers'][0]['top1']} → {p['answers'][1]['top1']} ({p['max_abs_prob_diff']:.4f})"
                               for p in q.get("photos", [])) or "not measured (no classifier pair)"
            out.append(f"| {q['float']} | {q['quantized']} | {q['float_weight_bytes']:,} → {q['quantized_weight_bytes']:,} | "
                       f"{q['quantized_weight_bytes'] / q['float_weight_bytes']:.3f} | "
                       f"{_num(f['demo']['p50']) if f else '–'} / {_num(g['demo']['p50']) if g else '–'} | "
                       f"{_num(f['bare']['p50']) if f else '–'} / {_num(g['bare']['p50']) if g else '–'} | {photos} |")

    if results.get("auto"):
        a = results["auto"]
        out += ["", "## `?backend=auto`", "", f"On {a['model']}: picked **{a['backend']}**; its probe said: {a['note'].strip()}",
                f"Fastest bare model measured on {a['model']}: **{fastest_backend(results, a['model'])}** "
                "(" + ", ".join(f"{r['backend']} {r['bare']['p50']:.1f} ms" for r in _rows(results)
                                if r["model"] == a["model"] and r.get("bare")) + ")."]

    s = results.get("serving")
    if s:
        out += ["", f"## Serving model files ({s['concurrency']} concurrent requests, {s['reps']} interleaved repetitions)", "",
                "| workload | gallery | aiohttp static | gallery / aiohttp static |",
                "|---|---|---|---|"]
        for w in s["files"]:
            unit, key = ("MB/s", "mb_per_s") if w == "weights" else ("req/s", "req_per_s")
            out.append(f"| {w} ({s['files'][w]} files × {s['passes'][w]}) | "
                       + " | ".join(_spread(s["servers"][n][w][key], 0, f" {unit}") for n in ("gallery", "aiohttp_static"))
                       + f" | {_spread(s['ratio_vs_aiohttp_static'][w], 2)} |")

    if results.get("skipped_models"):
        out += ["", "## Not measured", ""] + [f"- {m['id']} ({m['task']}): {m['why']}" for m in results["skipped_models"]]
    return "\n".join(out) + "\n"


def chart(results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = _rows(results)
    fig, axes = plt.subplots(1, 3 if results.get("serving") else 2, figsize=(17, max(3.5, 0.45 * len(rows) + 1.5)))
    labels = [f"{r['model']}\n{r['backend']}" for r in rows]
    y = range(len(rows))
    ax = axes[0]
    ax.barh([i + 0.27 for i in y], [r["demo"]["p50"] for r in rows], 0.27, label="demo frame p50")
    ax.barh(list(y), [r["bare"]["p50"] for r in rows], 0.27, label="bare model p50")
    ax.barh([i - 0.27 for i in y], [(r.get("library") or {}).get("p50") or 0 for r in rows], 0.27, label="pose-detection alone p50")
    ax.set_yticks(list(y), labels, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("ms per frame (log)")
    ax.invert_yaxis()
    ax.legend(fontsize=7)
    ax.set_title("Per-frame time")
    ax = axes[1]
    ax.barh([i + 0.2 for i in y], [r["cold"]["load_ms"]["median"] if r["cold"]["load_ms"] else 0 for r in rows], 0.4, label="cold (network)")
    ax.barh([i - 0.2 for i in y], [r["warm"]["load_ms"]["median"] if r["warm"]["load_ms"] else 0 for r in rows], 0.4, label="warm (cache)")
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
        lows = [m - s["servers"][n]["weights"]["mb_per_s"]["min"] for m, n in zip(meds, names)]
        highs = [s["servers"][n]["weights"]["mb_per_s"]["max"] - m for m, n in zip(meds, names)]
        ax.bar(names, meds, yerr=[lows, highs], capsize=4)
        ax.set_ylabel("MB/s (median, min–max)")
        ax.set_title(f"Model files, {s['concurrency']} concurrent requests")
    fig.suptitle(f"TF.js gallery benchmark, {results['machine']['date']}, {results['machine']['cores']} cores, "
                 f"Chromium {results.get('browser', {}).get('browser_version')}", fontsize=10)
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
