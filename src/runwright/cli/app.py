"""The root command: global options, the sub-commands, and one-line errors."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from runwright.cli import db, experiments, gc, models, pipelines, run, runs, serve, server
from runwright.cli.context import CliState
from runwright.errors import RunwrightError

__all__ = ["app", "main"]


class _RootGroup(TyperGroup):
    """Turns every Runwright error into `Error: <message>` and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except RunwrightError as exc:
            one_line = " ".join(line.strip() for line in exc.message.splitlines())
            sys.stderr.write(f"Error: {one_line}\n")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_RootGroup,
    name="runwright",
    help="Runwright: track experiments and runs, embedded by default in ./.runwright.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(experiments.app, name="experiments")
app.add_typer(runs.app, name="runs")
app.add_typer(db.app, name="db")
app.add_typer(pipelines.app, name="pipelines")
app.add_typer(models.app, name="models")
app.command("gc")(gc.gc_command)
app.command("run")(run.run_command)
app.command("server")(server.server_command)
app.command("serve")(serve.serve_command)
app.command("predict")(serve.predict_command)


@app.callback()
def _root(
    ctx: typer.Context,
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            "--tracking-uri",
            "-t",
            envvar="RUNWRIGHT_TRACKING_URI",
            help="A folder, sqlite:///file.db or postgresql://… (default ./.runwright).",
        ),
    ] = None,
) -> None:
    ctx.obj = CliState(tracking_uri=tracking_uri)


def main() -> None:
    app()
