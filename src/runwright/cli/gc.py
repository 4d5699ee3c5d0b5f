"""`runwright gc`: permanently remove deleted runs, logged models and experiments."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from runwright.cli.context import client_from
from runwright.cli.output import console
from runwright.errors import InvalidArgumentError

__all__ = ["gc_command", "parse_age"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> float:
    """'90s', '15m', '12h', '30d', '2w' in seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if match is None:
        raise InvalidArgumentError(
            f"--older-than takes a number and a unit (s, m, h, d, w), e.g. 30d; got {text!r}"
        )
    return float(match.group(1)) * _UNITS[match.group(2)]


def gc_command(
    ctx: typer.Context,
    older_than: Annotated[
        str | None,
        typer.Option("--older-than", help="Only what was deleted longer ago, e.g. 30d."),
    ] = None,
    run_id: Annotated[
        list[str] | None, typer.Option("--run-id", help="Purge this deleted run (repeatable).")
    ] = None,
    experiment_id: Annotated[
        list[str] | None,
        typer.Option("--experiment-id", help="Purge this deleted experiment (repeatable)."),
    ] = None,
    model_id: Annotated[
        list[str] | None,
        typer.Option("--model-id", help="Purge this deleted logged model (repeatable)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would go.")] = False,
) -> None:
    """Permanently remove deleted runs, logged models and experiments, artifacts included."""
    from runwright.tracking.gc import collect_garbage

    report = collect_garbage(
        client_from(ctx),
        older_than_seconds=None if older_than is None else parse_age(older_than),
        run_ids=run_id or [],
        experiment_ids=experiment_id or [],
        model_ids=model_id or [],
        dry_run=dry_run,
    )
    verb = "Would purge" if dry_run else "Purged"
    console.print(
        f"{verb} {len(report.run_ids)} run(s), {len(report.model_ids)} logged model(s) "
        f"and {len(report.experiment_ids)} experiment(s)"
    )
    for rid in report.run_ids:
        console.print(f"  run {rid}")
    for mid in report.model_ids:
        console.print(f"  logged model {mid}")
    for eid in report.experiment_ids:
        console.print(f"  experiment {eid}")
