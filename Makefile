# qglm developer entry points. Both targets create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.qglm-installed

.PHONY: demo test lint bench clean graphviz

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,aer,ibm,stim,dist,torch]"
	# warm the cold start: SABRE cores compiled ahead of time into ~/.cache/qglm (optional)
	$(PY) -m qglm_ir.passes.mapping.aot || echo "AOT SABRE build skipped: the JIT is used"
	touch $(STAMP)

DEMO_OUT ?= build/demo

# Compile the text-classifier example for a built-in device; write every target + report.json.
demo: $(STAMP)
	$(VENV)/bin/qglmc compile examples/text_classifier.qglm --device heavy-hex:3 -O3 --validate --target all -o $(DEMO_OUT) --seed 7 \
		--report-html $(DEMO_OUT)/report.html
	$(VENV)/bin/qglmc compile examples/text_classifier.qglm --device heavy-hex:3 -O3 --target png -o $(DEMO_OUT)/ring_ansatz.png --seed 7 -q
	@echo "artifacts in $(DEMO_OUT):" && ls $(DEMO_OUT)

lint: $(STAMP)
	$(VENV)/bin/ruff check qglm_ir tests benchmarks

# Graphviz `dot` renders the host CFG (--target cfg-svg). Installed with apt-get only when that
# needs no password (root, or passwordless sudo); otherwise the CFG-svg tests skip, saying why.
GRAPHVIZ_SKIP = echo "graphviz not installed: --target cfg-svg tests will be skipped"
graphviz:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then $(GRAPHVIZ_SKIP); \
	elif [ "$$(id -u)" = 0 ]; then (apt-get install -y -q graphviz || (apt-get update -q && apt-get install -y -q graphviz)) >/dev/null 2>&1 || $(GRAPHVIZ_SKIP); \
	elif sudo -n true 2>/dev/null; then (sudo -n apt-get install -y -q graphviz || (sudo -n apt-get update -q && sudo -n apt-get install -y -q graphviz)) >/dev/null 2>&1 || $(GRAPHVIZ_SKIP); \
	else $(GRAPHVIZ_SKIP); fi

test: $(STAMP) lint graphviz
	$(PY) -m pytest -q -n 2 -p no:cacheprovider

bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
