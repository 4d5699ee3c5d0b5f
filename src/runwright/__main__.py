"""`python -m runwright` is the `runwright` command."""

from __future__ import annotations

from runwright.cli import main

main()
