"""Where a loop's CPU time went: every thread of the browser under test, from /proc (Linux).

A frame rate says how fast a loop was, not why. Chromium runs a page in several processes
(the page's renderer, the GPU process that composites what the page shows, the video capture
service), each with named threads, and the kernel counts each thread's CPU time. Read before
and after a loop, the difference says which thread was busy and for how long: the inference
worker (renderer, `DedicatedWorker`), the page's own thread (renderer, `main`), the
compositor drawing the video and overlay in software (GPU process), the camera.

Only this process's own descendants are counted (the harness's browsers), so other programs
on the machine are not. Elsewhere than Linux there is no /proc: `sample` returns None.
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# The groups a row reports, by (process type, thread name): the first that matches wins.
GROUPS = (
    ("worker", lambda kind, thread: kind == "renderer" and thread == "DedicatedWorker"),
    ("page", lambda kind, thread: kind == "renderer" and thread == "main"),
    ("renderer other", lambda kind, thread: kind == "renderer"),
    ("gpu", lambda kind, thread: kind == "gpu-process"),
    ("camera", lambda kind, thread: "video_capture" in kind),
    ("browser", lambda kind, thread: True),
)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it exited
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kind(pid: int) -> str | None:
    """Chromium's process type from its command line (--type=renderer...), 'browser' for the
    browser process itself, None for anything that is not Chromium (the Playwright driver)."""
    try:
        # Chromium's child processes rewrite their command line as one space-separated string.
        args = (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split()
    except OSError:
        return None
    if not args or "chrom" not in Path(args[0]).name:
        return None
    flags = dict(a[2:].split("=", 1) for a in args if a.startswith("--") and "=" in a)
    kind = flags.get("type", "browser")
    return flags.get("utility-sub-type", kind) if kind == "utility" else kind


def sample() -> dict[tuple[str, str, int], float] | None:
    """CPU seconds so far of every thread of the browsers this process started:
    {(process type, thread name, thread id): seconds}. The main thread of a process is
    named 'main' (the kernel names it after the program)."""
    if not PROC.is_dir():
        return None
    out = {}
    for pid in _descendants(os.getpid()):
        kind = _kind(pid)
        if kind is None:
            continue
        for task in (PROC / str(pid) / "task").glob("[0-9]*"):
            try:
                comm = (task / "comm").read_text().strip()
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            thread = "main" if task.name == str(pid) else comm.rstrip("0123456789")
            out[(kind, thread, int(task.name))] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return out


def busy(before: dict | None, after: dict | None, seconds: float) -> dict | None:
    """Each group's share of one core between two samples (1.0 = one core all the time),
    and the total."""
    if before is None or after is None or seconds <= 0:
        return None
    shares = {name: 0.0 for name, _ in GROUPS}
    for key, used in after.items():
        kind, thread, _ = key
        spent = used - before.get(key, 0.0)
        group = next(name for name, matches in GROUPS if matches(kind, thread))
        shares[group] += spent / seconds
    shares["total"] = sum(shares.values())
    return shares
