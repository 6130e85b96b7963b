"""The performance harness: `python -m bench` (or `make bench`), explained in docs/PERFORMANCE.md.

cli.py        what runs, in which order, and the summary printed at the end
servers.py    the gallery server (counting the bytes it sends, serving the benchmark's own
              page files under /bench/) and a plain static server
pages.py      one demo x model x backend in headless Chromium: loads, start-up, loops
page_bench.js in every page: long tasks, holding the demo, running one loop for a round
official_pose.js, official_mobilenet.js   the libraries' own demo loops, on the same page
bare_setup.js, bare_task.js               the bare model, back to back, in a worker
agreement.js  float16 against float32 top-1 on real photos
serving.py    model-file throughput: the gallery against the plain static server
machine.py    what the numbers were measured on
report.py     results/latest.json, latest.md and latest.png, and the targets
"""
