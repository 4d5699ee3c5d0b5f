"""`runwright runs list|show|delete|restore`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from runwright.cli.context import client_from, resolve_experiment_id
from runwright.cli.options import JsonOption, MaxResultsOption, View, ViewOption
from runwright.cli.output import (
    console,
    format_duration,
    format_number,
    format_time,
    plain,
    print_json,
    runs_table,
    status_text,
)
from runwright.entities import DEFAULT_EXPERIMENT_ID

app = typer.Typer(help="List, inspect, delete and restore runs.", no_args_is_help=True)


@app.command("list")
def list_runs(
    ctx: typer.Context,
    experiment: Annotated[
        list[str] | None,
        typer.Option("--experiment", "-e", help="Experiment id or name (repeatable)."),
    ] = None,
    filter_string: Annotated[
        str | None,
        typer.Option("--filter", "-f", help="e.g. \"metrics.acc > 0.9 and params.C = '1.0'\""),
    ] = None,
    order_by: Annotated[
        list[str] | None, typer.Option("--order-by", "-o", help="e.g. 'metrics.acc DESC'")
    ] = None,
    max_results: MaxResultsOption = 100,
    view: ViewOption = View.active,
    as_json: JsonOption = False,
) -> None:
    """List runs as a table (newest first unless --order-by says otherwise)."""
    client = client_from(ctx)
    experiment_ids = [resolve_experiment_id(client, e) for e in experiment or []]
    found = client.search_runs(
        experiment_ids or [DEFAULT_EXPERIMENT_ID],
        filter_string,
        view.view_type(),
        max_results,
        order_by,
    )
    if as_json:
        print_json(list(found))
        return
    names = ", ".join(experiment or ["Default"])
    title = f"Runs of {names} ({len(found)}{'+' if found.token else ''})"
    stale = int(client.settings.stale_after * 1000)
    console.print(runs_table(found, title=title, stale_after_ms=stale))


@app.command("show")
def show_run(
    ctx: typer.Context,
    run_id: str,
    as_json: JsonOption = False,
) -> None:
    """Everything about one run: info, params, latest metrics, tags, inputs, artifacts."""
    client = client_from(ctx)
    run = client.get_run(run_id)
    artifacts = client.list_artifacts(run_id)
    if as_json:
        print_json({"run": run, "artifacts": artifacts})
        return
    info = run.info
    stale = int(client.settings.stale_after * 1000)
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    for label, value in (
        ("run id", info.run_id),
        ("name", plain(info.run_name)),
        ("experiment", info.experiment_id),
        ("status", status_text(run, stale_after_ms=stale)),
        ("stage", info.lifecycle_stage.value),
        ("started", format_time(info.start_time)),
        ("ended", format_time(info.end_time)),
        ("duration", format_duration(info.start_time, info.end_time)),
        ("parent", run.parent_run_id or "-"),
        ("artifacts", plain(info.artifact_uri)),
    ):
        summary.add_row(label, value)
    console.print(summary)
    for title, values in (
        ("Params", dict(run.data.params)),
        ("Metrics (latest)", {k: format_number(v) for k, v in run.data.metrics.items()}),
        ("Tags", dict(run.data.tags)),
    ):
        if values:
            console.print(_key_value_table(title, values))
    if run.inputs:
        inputs = Table(title="Inputs", title_justify="left", header_style="bold")
        for column in ("dataset", "digest", "context", "source"):
            inputs.add_column(column)
        for item in run.inputs:
            d = item.dataset
            inputs.add_row(
                plain(d.name), plain(d.digest), plain(item.context or "-"), plain(d.source)
            )
        console.print(inputs)
    if artifacts:
        files = Table(title="Artifacts", title_justify="left", header_style="bold")
        files.add_column("path")
        files.add_column("size", justify="right")
        for entry in artifacts:
            files.add_row(
                plain(entry.path + ("/" if entry.is_dir else "")), str(entry.file_size or "")
            )
        console.print(files)


def _key_value_table(title: str, values: dict[str, str]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("key")
    table.add_column("value")
    for key in sorted(values):
        table.add_row(plain(key), plain(values[key]))
    return table


@app.command("delete")
def delete_run(ctx: typer.Context, run_id: str) -> None:
    """Soft-delete a run (restore undoes it; gc purges it)."""
    client_from(ctx).delete_run(run_id)
    console.print(f"Deleted run {run_id}")


@app.command("restore")
def restore_run(ctx: typer.Context, run_id: str) -> None:
    """Restore a deleted run."""
    client_from(ctx).restore_run(run_id)
    console.print(f"Restored run {run_id}")
