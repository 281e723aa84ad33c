# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make run   – base case (and later every analysis) on the shipped inputs/ into outputs/
#   make test  – the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The model's matrices are small: BLAS threads only compete for the 2 cores (EVPPI was 10x slower with them).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: run test bench lock clean

# Install exactly what requirements.lock pins, every file checked against its SHA-256 (pip refuses anything
# unpinned or unhashed), then cea itself without touching those pins.  A changed lock rebuilds the venv from empty.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Refresh the lock after changing a dependency range in pyproject.toml (needs pip-tools >= 7.4 on Python 3.11).
lock:
	pip-compile $(LOCK_FLAGS) --quiet --extra test --build-deps-for editable --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

run: $(STAMP)
	$(BIN)/cea all --inputs inputs --out outputs

# Both cores: pytest-xdist, one worker per core, each test file on one worker (its module fixtures built once).
test: $(STAMP)
	$(BIN)/pytest -n auto --dist loadfile

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) outputs/*
