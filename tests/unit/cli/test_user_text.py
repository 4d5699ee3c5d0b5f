"""Names and values users chose are printed as typed, never read as Rich markup."""

from __future__ import annotations

import json

from runwright.tracking.client import Client
from tests.unit.cli.helpers import Invoke, log_run, succeeded


def test_brackets_in_a_run_name_and_param_are_shown_as_typed(cli: Invoke, tracking: Client) -> None:
    run_id = log_run(tracking, "0", "[red]hot", params={"activation": "[relu]"})

    out = succeeded(cli("runs", "list"))

    row = next(line for line in out.splitlines() if run_id in line)
    assert "[red]hot" in row
    assert "[relu]" in row


def test_an_experiment_name_that_looks_like_a_closing_tag_is_created_and_listed(
    cli: Invoke,
) -> None:
    created = succeeded(cli("experiments", "create", "[/bold]x"))
    listed = succeeded(cli("experiments", "list"))

    assert created.startswith("Created experiment [/bold]x with id ")
    assert "[/bold]x" in listed


def test_runs_list_title_shows_the_experiment_as_typed(cli: Invoke, tracking: Client) -> None:
    tracking.create_experiment("[/b]")

    out = succeeded(cli("runs", "list", "-e", "[/b]"))

    assert out.splitlines()[0].strip() == "Runs of [/b] (0)"


def test_runs_show_prints_bracketed_tags_and_artifact_paths_as_typed(
    cli: Invoke, tracking: Client
) -> None:
    run_id = log_run(tracking, "0", "r", tags={"note": "[/i] done"}, finish=False)
    tracking.log_text(run_id, "x", "model[v1].txt")

    out = succeeded(cli("runs", "show", run_id))

    assert "[/i] done" in out
    assert "model[v1].txt" in out
    shown = json.loads(succeeded(cli("runs", "show", run_id, "--json")))
    assert [a["path"] for a in shown["artifacts"]] == ["model[v1].txt"]
