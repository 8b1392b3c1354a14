# qglm developer entry points. Both targets create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.qglm-installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,aer,ibm,stim,dist]"
	touch $(STAMP)

DEMO_OUT ?= build/demo

# Compile the text-classifier example for a built-in device; write every target + report.json.
demo: $(STAMP)
	$(VENV)/bin/qglmc compile examples/text_classifier.qglm --device heavy-hex:3 -O3 --validate --target all -o $(DEMO_OUT) --seed 7
	@echo "artifacts in $(DEMO_OUT):" && ls $(DEMO_OUT)

lint: $(STAMP)
	$(VENV)/bin/ruff check qglm_ir tests benchmarks

test: $(STAMP) lint
	$(PY) -m pytest -q -n 2 -p no:cacheprovider

bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
