# switchctl: `make serve` sets up and runs the service, `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup serve test lint bench clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

serve: setup
	$(BIN)/switchctl init --demo
	$(BIN)/switchctl serve

lint: setup
	$(BIN)/flake8 switchctl tests benchmarks

# Three workers on two cores: two for the CPU-bound tests, while the third runs the real
# FreeSWITCH tier in order (one xdist group, tests/conftest.py), which mostly waits on calls.
test: lint
	$(BIN)/python -m pytest -n 3 --dist loadgroup

bench: setup
	$(BIN)/python benchmarks/xml_curl_bench.py

clean:
	rm -rf $(VENV) build *.egg-info
