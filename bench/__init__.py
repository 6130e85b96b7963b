"""The performance harness: `python -m bench` (or `make bench`), explained in docs/PERFORMANCE.md.

    cli.py        what runs, in which order, and the summary printed at the end
    servers.py    the gallery server (counting the bytes it sends) and a plain static server
    pages.py      one demo x model x backend in headless Chromium: loads, frames, bare model
    page_bench.js the in-page instrumentation those measurements rely on
    serving.py    model-file throughput: the gallery against the plain static server
    machine.py    what the numbers were measured on
    report.py     results/latest.json, latest.md and latest.png
"""
