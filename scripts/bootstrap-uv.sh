#!/usr/bin/env bash
# Puts a pinned uv at .tools/bin/uv using nothing but python3 (3.11+).
# A private virtual environment keeps it off the system Python (PEP 668 safe);
# where the venv module is missing (Debian without python3-venv), pip --target.
set -euo pipefail
UV_VERSION="0.13.8"
PYTHON="${PYTHON:-python3}"
cd "$(dirname "$0")/.."

if [ -x .tools/bin/uv ] && [ "$(.tools/bin/uv --version | cut -d' ' -f2)" = "$UV_VERSION" ]; then
  exit 0
fi
rm -rf .tools
if "$PYTHON" -m venv .tools >/dev/null 2>&1; then
  .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
else
  rm -rf .tools
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --target .tools/pkgs "uv==$UV_VERSION"
  mkdir -p .tools/bin
  ln -sf ../pkgs/bin/uv .tools/bin/uv
fi
.tools/bin/uv --version >/dev/null
