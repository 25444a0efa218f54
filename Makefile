# The two commands of the README: `make run` and `make test`. Both install what they need.
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: run test setup bench

setup:
	bash scripts/setup.sh

## Runs Carenet: for now a guided CLI demo on a throw-away vault.
run: setup
	$(CARGO) build --release --bin carenet
	bash scripts/demo.sh target/release/carenet

## Runs every test: unit, integration, CLI end to end, crash (kill -9) cycles.
test: setup
	bash scripts/test.sh

## Benchmarks (criterion); medians are recorded in bench/README.md.
bench: setup
	$(CARGO) bench --bench vault
	$(CARGO) bench --bench spaces
