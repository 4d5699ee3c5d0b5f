"""`runwright experiments list|create|delete|restore`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from runwright.cli.context import client_from, resolve_experiment_id
from runwright.cli.options import JsonOption, MaxResultsOption, View, ViewOption
from runwright.cli.output import console, experiments_table, print_json

app = typer.Typer(help="Create, list, delete and restore experiments.", no_args_is_help=True)


@app.command("list")
def list_experiments(
    ctx: typer.Context,
    view: ViewOption = View.active,
    filter_string: Annotated[
        str | None, typer.Option("--filter", "-f", help="e.g. \"name LIKE 'churn%'\"")
    ] = None,
    order_by: Annotated[list[str] | None, typer.Option("--order-by", "-o")] = None,
    max_results: MaxResultsOption = 1000,
    as_json: JsonOption = False,
) -> None:
    """List experiments."""
    found = client_from(ctx).search_experiments(
        view.view_type(), max_results, filter_string, order_by
    )
    if as_json:
        print_json(list(found))
    else:
        console.print(experiments_table(found))


@app.command("create")
def create_experiment(
    ctx: typer.Context,
    name: str,
    artifact_location: Annotated[
        str | None, typer.Option("--artifact-location", help="Where its runs keep artifacts.")
    ] = None,
) -> None:
    """Create an experiment and print its id."""
    experiment_id = client_from(ctx).create_experiment(name, artifact_location)
    console.print(f"Created experiment [bold]{escape(name)}[/bold] with id {experiment_id}")


@app.command("delete")
def delete_experiment(
    ctx: typer.Context,
    experiment: Annotated[str, typer.Argument(help="Experiment id or name.")],
) -> None:
    """Soft-delete an experiment and its runs (restore undoes it; gc purges it)."""
    client = client_from(ctx)
    experiment_id = resolve_experiment_id(client, experiment)
    client.delete_experiment(experiment_id)
    console.print(f"Deleted experiment {experiment_id}")


@app.command("restore")
def restore_experiment(
    ctx: typer.Context,
    experiment: Annotated[str, typer.Argument(help="Experiment id or name.")],
) -> None:
    """Restore a deleted experiment with the runs its deletion took."""
    client = client_from(ctx)
    experiment_id = resolve_experiment_id(client, experiment)
    client.restore_experiment(experiment_id)
    console.print(f"Restored experiment {experiment_id}")
