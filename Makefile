# Every target sets itself up: a fresh clone needs only `make backtest` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CARGO_MANIFEST := passivbot-rust/Cargo.toml
RUST_SOURCES := $(shell find passivbot-rust/src -name '*.rs') passivbot-rust/Cargo.toml passivbot-rust/Cargo.lock passivbot-rust/pyproject.toml

.PHONY: setup test test-rust test-python backtest explore lint bench clean

$(VENV)/.requirements: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Release build of the Rust extension into the virtualenv; rebuilt when Rust sources change.
$(VENV)/.extension: $(VENV)/.requirements $(RUST_SOURCES)
	cd passivbot-rust && VIRTUAL_ENV=$(abspath $(VENV)) $(abspath $(VENV))/bin/maturin develop --release --locked --quiet
	touch $@

setup: $(VENV)/.extension

test: setup test-rust test-python

# Property tests use fixed seeds here so CI is reproducible; `make explore` runs them with fresh
# random seeds to search for new counterexamples.
PROPTEST_SEED ?= 20261121
HYPOTHESIS_SEED ?= 20261121

test-rust:
	PROPTEST_RNG_SEED=$(PROPTEST_SEED) cargo test --manifest-path $(CARGO_MANIFEST) --locked --quiet

test-python: setup
	$(PY) -m pytest -q --hypothesis-seed=$(HYPOTHESIS_SEED)

explore: setup
	cargo test --manifest-path $(CARGO_MANIFEST) --release --quiet \
		--test entries_properties --test closes_properties --test risk_properties
	cargo test --manifest-path $(CARGO_MANIFEST) --release --quiet --lib props::
	MEMO_WALK_SEED=$$(od -An -N8 -tu8 /dev/urandom | tr -d ' ') MEMO_WALKS=4000 \
		cargo test --manifest-path $(CARGO_MANIFEST) --release --quiet --lib memoised_orders
	$(PY) -m pytest -q -k "propert or hypothesis"

# The main job on the bundled default: the template config on the bundled real sample.
backtest: setup
	$(PY) src/backtest.py $(ARGS)

lint: setup
	cargo fmt --manifest-path $(CARGO_MANIFEST) --check
	cargo clippy --manifest-path $(CARGO_MANIFEST) --locked --all-targets --features python -- -D warnings
	$(VENV)/bin/ruff check src tests scripts

clean:
	rm -rf $(VENV) passivbot-rust/target
