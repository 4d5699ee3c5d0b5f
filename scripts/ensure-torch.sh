#!/usr/bin/env bash
# Put PyTorch into .venv for the PyTorch model-flavor tests, from a local CPU wheel.
#
# PyTorch is not in the lock file: the registry's build pulls several GB of CUDA
# packages. Machines of this project keep a CPU wheel on disk (/opt/wheels); when it is
# there and torch is not installed yet, it is installed next to the locked packages.
# Otherwise prints one line and exits 0: the PyTorch tests are then skipped.
#
# Silent when torch is already importable.
set -euo pipefail
cd "$(dirname "$0")/.."

if .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    exit 0
fi
python_tag=$(.venv/bin/python -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
wheel=$(ls "${TORCH_WHEELS:-/opt/wheels}"/torch-*+cpu-"$python_tag"-*.whl 2>/dev/null | head -n 1 || true)
if [[ -z "$wheel" ]]; then
    echo "ensure-torch: no local CPU wheel of PyTorch for $python_tag; the PyTorch model tests will be skipped." >&2
    exit 0
fi
.tools/bin/uv pip install --quiet --python .venv/bin/python "$wheel"
