# The two commands of the README's Quickstart: `make run` and `make test`.
# Both need only python3 (3.11+) and make; everything else is installed here.

PYTHON ?= python3
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: setup run test lint bench clean

$(UV): scripts/bootstrap-uv.sh
	PYTHON=$(PYTHON) ./scripts/bootstrap-uv.sh

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --inexact --compile-bytecode --quiet --python $(PYTHON)
	touch $@

# Bytecode is compiled ahead: with PYTHONDONTWRITEBYTECODE set (as on CI machines) every
# process would otherwise recompile SQLAlchemy and friends from source on import.
setup: .venv/.synced
	@.venv/bin/python -m compileall -q src

run: setup
	.venv/bin/runwright run examples/pipeline.py:training --experiment breast-cancer-pipeline
	@echo "--- the same pipeline again: every step comes from the cache ---"
	.venv/bin/runwright run examples/pipeline.py:training --experiment breast-cancer-pipeline
	.venv/bin/runwright pipelines list
	.venv/bin/runwright models show breast-cancer
	@echo "Serve the champion:  .venv/bin/runwright serve models:/breast-cancer@champion --port 8080"
	@echo "Score two rows:      curl -s localhost:8080/invocations -H 'Content-Type: application/json' -d @examples/request.json"

lint: setup
	.venv/bin/ruff check src tests bench examples
	.venv/bin/ruff format --check src tests bench examples
	.venv/bin/mypy

test: setup
	./scripts/ensure-postgres.sh
	./scripts/ensure-torch.sh
	$(MAKE) --no-print-directory lint
	.venv/bin/pytest

bench: setup
	.venv/bin/python bench/tracking_local.py
	.venv/bin/python bench/tracking_server.py
	.venv/bin/python bench/pipelines.py
	.venv/bin/python bench/serving.py

clean:
	rm -rf .venv .tools .runwright
