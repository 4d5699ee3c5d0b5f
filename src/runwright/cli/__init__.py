"""The `runwright` command line: thin commands over the tracking services."""

from __future__ import annotations

from runwright.cli.app import app, main

__all__ = ["app", "main"]
