"""`runwright db upgrade`: explicit schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from runwright.cli.context import CliState
from runwright.cli.output import console

app = typer.Typer(help="Manage the tracking database's schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    uri: Annotated[
        str | None,
        typer.Argument(help="Tracking URI to migrate (default: the one in force)."),
    ] = None,
) -> None:
    """Migrate the database to the newest schema (creating it if it is empty)."""
    from runwright.settings import Settings
    from runwright.store.registry import resolve_tracking_uri
    from runwright.store.sql.factory import upgrade_sql_store

    state = ctx.find_object(CliState)
    settings = Settings.from_env()
    target = resolve_tracking_uri(uri or (state.tracking_uri if state else None), settings)
    revision = upgrade_sql_store(target, settings)
    console.print(f"Database at {escape(target)} is at schema revision {revision}")
