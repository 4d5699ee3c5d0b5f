"""`runwright models list|show|versions|alias|history`: the model registry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from runwright.cli.context import client_from
from runwright.cli.options import JsonOption
from runwright.cli.output import console, format_time, plain, print_json
from runwright.entities import ModelVersion, RegisteredModel, RegistryEvent
from runwright.errors import InvalidArgumentError
from runwright.registry import Registry

__all__ = ["app", "parse_moment"]

app = typer.Typer(
    help="Registered models: list, inspect, versions, aliases and their history.",
    no_args_is_help=True,
)

_LIST_LIMIT = 1000


def _registry(ctx: typer.Context) -> Registry:
    return Registry(client_from(ctx))


def parse_moment(text: str) -> int:
    """A moment as people type it, in ms since the epoch: `2026-03-03` (the end of that
    day, local time: "on 3 March"), `2026-03-03T14:30` or `2026-03-03 14:30:00` (local
    time unless an offset is given), or a number of milliseconds."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        end_of_day = datetime.combine(day, time.max).astimezone()
        return int(end_of_day.timestamp() * 1000)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidArgumentError(
            f"--at takes a date (2026-03-03), a date and time (2026-03-03T14:30) or "
            f"milliseconds since the epoch; got {text!r}"
        ) from None
    return int(moment.astimezone().timestamp() * 1000)


def _aliases_text(aliases: Sequence[str]) -> str:
    return ", ".join(aliases) if aliases else "-"


def _versions_table(title: str, versions: Sequence[ModelVersion]) -> Table:
    table = Table(title=escape(title), title_justify="left", header_style="bold")
    for column in ("version", "stage", "aliases", "created", "run id", "source"):
        table.add_column(column, no_wrap=column in ("version", "run id"))
    for version in versions:
        table.add_row(
            version.version,
            version.current_stage.value,
            plain(_aliases_text(version.aliases)),
            format_time(version.creation_timestamp),
            version.run_id or "-",
            plain(version.source),
        )
    return table


@app.command("list")
def list_models(
    ctx: typer.Context,
    filter_string: Annotated[
        str | None,
        typer.Option("--filter", "-f", help="e.g. \"name LIKE 'churn%'\" or \"tags.team = 'ml'\""),
    ] = None,
    max_results: Annotated[
        int, typer.Option("--max-results", "-n", min=1, max=_LIST_LIMIT, help="How many to show.")
    ] = 100,
    as_json: JsonOption = False,
) -> None:
    """List registered models by name, with their newest version and aliases."""
    found = _registry(ctx).search_registered_models(filter_string, max_results)
    if as_json:
        print_json(list(found))
        return
    more = "+" if found.token else ""
    table = Table(title=f"Registered models ({len(found)}{more})", title_justify="left")
    table.header_style = "bold"
    for column in ("name", "latest", "aliases", "updated", "description"):
        table.add_column(column)
    for model in found:
        newest = max((int(v.version) for v in model.latest_versions), default=None)
        aliases = [f"{alias}→{version}" for alias, version in model.aliases.items()]
        table.add_row(
            plain(model.name),
            "-" if newest is None else str(newest),
            plain(_aliases_text(aliases)),
            format_time(model.last_updated_timestamp),
            plain(model.description or ""),
        )
    console.print(table)


@app.command("show")
def show_model(ctx: typer.Context, name: str, as_json: JsonOption = False) -> None:
    """One registered model: its description, tags, aliases and latest version per stage."""
    model = _registry(ctx).get_registered_model(name)
    if as_json:
        print_json(model)
        return
    _print_model(model)


def _print_model(model: RegisteredModel) -> None:
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    for label, value in (
        ("name", plain(model.name)),
        ("created", format_time(model.creation_timestamp)),
        ("updated", format_time(model.last_updated_timestamp)),
        ("user", plain(model.user_id or "-")),
        ("description", plain(model.description or "-")),
    ):
        summary.add_row(label, value)
    console.print(summary)
    if model.tags:
        tags = Table(title="Tags", title_justify="left", header_style="bold")
        tags.add_column("key")
        tags.add_column("value")
        for key in sorted(model.tags):
            tags.add_row(plain(key), plain(model.tags[key]))
        console.print(tags)
    if model.aliases:
        aliases = Table(title="Aliases", title_justify="left", header_style="bold")
        aliases.add_column("alias")
        aliases.add_column("version")
        for alias, version in sorted(model.aliases.items()):
            aliases.add_row(plain(alias), version)
        console.print(aliases)
    if model.latest_versions:
        console.print(_versions_table("Latest versions per stage", model.latest_versions))


@app.command("versions")
def list_versions(
    ctx: typer.Context,
    name: str,
    max_results: Annotated[
        int, typer.Option("--max-results", "-n", min=1, max=200_000, help="How many to show.")
    ] = 100,
    as_json: JsonOption = False,
) -> None:
    """The versions of a registered model, newest first."""
    registry = _registry(ctx)
    registry.get_registered_model(name)  # an unknown model is an error, not an empty list
    quoted = name.replace("\\", "\\\\").replace("'", "\\'")
    found = registry.search_model_versions(
        f"name = '{quoted}'", max_results, order_by=["version_number DESC"]
    )
    if as_json:
        print_json(list(found))
        return
    more = "+" if found.token else ""
    console.print(_versions_table(f"Versions of {name} ({len(found)}{more})", found))


@app.command("alias")
def set_alias(
    ctx: typer.Context,
    name: str,
    alias: str,
    version: Annotated[
        str | None, typer.Argument(help="The version the alias should point at.")
    ] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Delete the alias instead.")] = False,
) -> None:
    """Point ALIAS of model NAME at VERSION (moving it), or delete it with --delete."""
    registry = _registry(ctx)
    if delete:
        if version is not None:
            raise InvalidArgumentError("give either a VERSION or --delete, not both")
        registry.delete_registered_model_alias(name, alias)
        console.print(f"Deleted alias {escape(alias)} of {escape(name)}")
        return
    if version is None:
        raise InvalidArgumentError(f"give the VERSION alias {alias!r} should point at, or --delete")
    registry.set_registered_model_alias(name, alias, version)
    console.print(f"Alias {escape(alias)} of {escape(name)} now points at version {version}")


@app.command("history")
def show_history(
    ctx: typer.Context,
    name: str,
    alias: Annotated[
        str | None, typer.Option("--alias", help="Only changes of this alias.")
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Only changes of this version.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Up to this moment, with the aliases as they were: 2026-03-03 (the end of "
            "that day), 2026-03-03T14:30, or ms since the epoch.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Every recorded change to a model (who, when, what, before and after), oldest first.

    With --at: which version each alias pointed at then ("which version was champion
    on 3 March?": `runwright models history churn --alias champion --at 2026-03-03`).
    """
    registry = _registry(ctx)
    events = registry.history(name, alias=alias, version=version)
    moment = None if at is None else parse_moment(at)
    if moment is not None:
        events = [event for event in events if event.time <= moment]
    if not events and alias is None and version is None and moment is None:
        registry.get_registered_model(name)  # says the model is unknown
    aliases = None if moment is None else _aliases_at(registry, name, events, alias, moment)
    if as_json:
        result: dict[str, Any] = {"name": name, "events": events}
        if aliases is not None:
            result.update(at=moment, aliases=aliases)
        print_json(result)
        return
    console.print(_events_table(name, events))
    if aliases is not None:
        when = format_time(moment)
        if not aliases:
            console.print(f"At {when} no alias of {escape(name)} pointed at a version.")
        for held, held_version in aliases.items():
            target = "no version" if held_version is None else f"version {held_version}"
            console.print(f"At {when}, {escape(held)} pointed at {target}.")


def _aliases_at(
    registry: Registry, name: str, events: Sequence[RegistryEvent], alias: str | None, at: int
) -> dict[str, str | None]:
    names = [alias] if alias is not None else sorted({e.alias for e in events if e.alias})
    found = {held: registry.alias_at(name, held, at) for held in names}
    return found if alias is not None else {k: v for k, v in found.items() if v is not None}


_CHANGE_WIDTH = 80


def _state(state: Any) -> str:
    """A before/after state in a few words: a lone value as itself, a tag as key=value,
    a larger state as its non-empty fields."""
    if state is None:
        return "-"
    if not isinstance(state, dict):
        return str(state)
    if len(state) == 1:
        return str(next(iter(state.values())))
    if set(state) == {"key", "value"}:
        return f"{state['key']}={state['value']}"
    shown = ", ".join(f"{key}={value}" for key, value in state.items() if value)
    return shown or "-"


def _change(event: RegistryEvent) -> str:
    text = f"{_state(event.before)} → {_state(event.after)}"
    return text if len(text) <= _CHANGE_WIDTH else text[: _CHANGE_WIDTH - 1] + "…"


def _events_table(name: str, events: Sequence[RegistryEvent]) -> Table:
    table = Table(
        title=f"History of {escape(name)} ({len(events)})",
        title_justify="left",
        header_style="bold",
    )
    for column in ("time", "user", "action", "version", "alias", "change"):
        table.add_column(column, no_wrap=column in ("time", "action"))
    for event in events:
        table.add_row(
            format_time(event.time),
            plain(event.user or "-"),
            event.action.value,
            event.version or "-",
            plain(event.alias or "-"),
            plain(_change(event)),
        )
    return table
