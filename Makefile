# The two commands of the README: `make run` and `make test`. Both install what they need.
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: run demo test setup bench bench-desktop ui

setup:
	bash scripts/setup.sh

ui: setup
	cd ui && npm run build

## Runs the Carenet desktop app (builds the UI and the app, size-optimised `dist` profile, first).
run: ui
	$(CARGO) build --profile dist -p carenet-desktop
	"$${CARGO_TARGET_DIR:-target}/dist/carenet-desktop"

## A guided CLI demo on a throw-away vault.
demo: setup
	$(CARGO) build --release --bin carenet
	bash scripts/demo.sh "$${CARGO_TARGET_DIR:-target}/release/carenet"

## Runs every test: unit, integration, CLI end to end, crash cycles, UI components, app end to end.
test: setup
	bash scripts/test.sh

## Benchmarks (criterion); medians are recorded in bench/README.md.
bench: setup
	$(CARGO) bench --bench vault
	$(CARGO) bench --bench spaces
	$(CARGO) bench --bench sync

## Desktop figures: binary size, cold start, memory and slowest command on 10,000 records.
bench-desktop: ui
	bash scripts/bench-desktop.sh
