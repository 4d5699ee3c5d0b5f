"""`runwright runs show`: everything about one run."""

from __future__ import annotations

import json

import pytest

from runwright.tracking.client import Client
from tests.unit.cli.helpers import Invoke, error_line, log_run, succeeded


@pytest.fixture
def run_id(tracking: Client) -> str:
    """A finished run with one param, metric and tag, and a text artifact."""
    run_id = log_run(
        tracking,
        "0",
        "baseline",
        metrics={"acc": 0.875},
        params={"optimizer": "adam"},
        tags={"team": "growth"},
        finish=False,
    )
    tracking.log_text(run_id, "trained on March data", "notes/readme.txt")
    tracking.log_text(run_id, "{}", "config.json")
    tracking.set_terminated(run_id)
    return run_id


def row_of(out: str, first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is `first_cell`."""
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row starting with {first_cell!r} in:\n{out}")


def test_shows_the_run_id_name_and_status(cli: Invoke, run_id: str) -> None:
    out = succeeded(cli("runs", "show", run_id))

    assert run_id in out
    assert "baseline" in out
    assert "FINISHED" in out


def test_shows_params_metrics_and_tags_as_key_value_rows(cli: Invoke, run_id: str) -> None:
    out = succeeded(cli("runs", "show", run_id))

    assert row_of(out, "optimizer") == ["optimizer", "adam"]
    assert row_of(out, "acc") == ["acc", "0.875"]
    assert row_of(out, "team") == ["team", "growth"]


def test_lists_the_top_level_artifacts(cli: Invoke, run_id: str) -> None:
    out = succeeded(cli("runs", "show", run_id))

    assert row_of(out, "notes/")[0] == "notes/"
    assert row_of(out, "config.json") == ["config.json", "2"]


def test_json_holds_the_run_and_its_artifacts(cli: Invoke, run_id: str) -> None:
    shown = json.loads(succeeded(cli("runs", "show", run_id, "--json")))

    assert shown["run"]["info"]["run_id"] == run_id
    assert shown["run"]["data"]["params"] == {"optimizer": "adam"}
    assert shown["run"]["data"]["metrics"] == {"acc": 0.875}
    assert shown["run"]["data"]["tags"]["team"] == "growth"
    assert sorted(a["path"] for a in shown["artifacts"]) == ["config.json", "notes"]


def test_an_unknown_run_id_is_one_error_line_naming_it(cli: Invoke, tracking: Client) -> None:
    line = error_line(cli("runs", "show", "0123456789abcdef0123456789abcdef"))

    assert "'0123456789abcdef0123456789abcdef'" in line


def test_a_malformed_run_id_is_one_error_line(cli: Invoke, tracking: Client) -> None:
    line = error_line(cli("runs", "show", "../etc"))

    assert "not a valid run id" in line
