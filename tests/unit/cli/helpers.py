"""Small helpers the CLI tests share: seeding runs and reading command results."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Protocol

from typer.testing import Result

from runwright.entities import Metric, Param, Tag
from runwright.tracking.client import Client

# The CLI's Rich console decides at import whether stdout is a terminal; under
# `pytest -s` in one it styles what the runner captures, so tests read plain text.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Invoke(Protocol):
    def __call__(self, *args: str) -> Result: ...


def log_run(
    client: Client,
    experiment_id: str,
    name: str,
    *,
    metrics: Mapping[str, float] | None = None,
    params: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
    finish: bool = True,
) -> str:
    """A run with the given values, FINISHED unless `finish` is False; returns its id."""
    run_id = client.create_run(experiment_id, run_name=name).info.run_id
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        metrics=[Metric(k, v, now, 0) for k, v in (metrics or {}).items()],
        params=[Param(k, v) for k, v in (params or {}).items()],
        tags=[Tag(k, v) for k, v in (tags or {}).items()],
    )
    if finish:
        client.set_terminated(run_id)
    return run_id


def succeeded(result: Result) -> str:
    """The standard output, without styling, of a command that must have succeeded."""
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    return _ANSI_ESCAPE.sub("", result.stdout)


def error_line(result: Result) -> str:
    """The single `Error: …` line of a command that must have failed with status 1."""
    assert result.exit_code == 1, f"exit {result.exit_code}\n{result.output}"
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]
