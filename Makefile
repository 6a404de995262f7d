# Two commands on a fresh machine: `make run` (the demo) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test compiled lint typecheck check bench bench-venv system-deps kafka clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,rocksdb]'
	touch $(STAMP)

## Compile with mypyc, when their sources changed: the simulator's model, the Avro decoders, the JSON parse and
## validators, the indicator engine (pure Python where it cannot; infra/compile.py).
compiled: $(STAMP)
	$(BIN)/python -m baystream.infra.compile

## Start the embedded broker, topics, workers, simulator, dashboard and metrics; Ctrl-C stops all.
run: $(STAMP) compiled
	$(BIN)/baystream demo

## Install what the tests need from the system (headless chromium, promtool, Apache Kafka) and run the suite.
test: $(STAMP) compiled system-deps kafka
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --durations=15

system-deps:
	bash infra/setup/system-deps.sh

## Apache Kafka (version in infra/setup/kafka/pom.xml) from Maven Central into .cache/kafka/; Java 17 and
## Maven from apt-get where missing. Once: later runs are instant and offline.
kafka:
	bash infra/setup/kafka.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP) compiled
	$(BIN)/python bench/publish.py

## bench/peers.py's Quix Streams: the `bench` extra of pyproject.toml in a venv of its own (infra/setup/bench-venv.sh).
bench-venv: .cache/bench-venv/.installed

.cache/bench-venv/.installed: $(STAMP) pyproject.toml
	bash infra/setup/bench-venv.sh $(VENV)
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
