"""`runwright models list|show|versions|alias|history`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime

import pytest

from runwright.cli.models import parse_moment
from runwright.registry import Registry
from runwright.tracking.client import Client
from tests.unit.cli.helpers import Invoke, error_line, succeeded


@pytest.fixture
def registry(tracking: Client) -> Registry:
    """The registry of the CLI's folder, with `churn` (versions 1-3, `champion` -> 3,
    version 3 in Production) and `fraud` (no versions)."""
    registry = Registry(tracking, user="alice")
    registry.create_registered_model("churn", tags={"team": "ml"}, description="churn model")
    for index in range(3):
        registry.create_model_version("churn", f"/models/churn/{index + 1}")
    registry.set_registered_model_alias("churn", "champion", 3)
    registry.transition_model_version_stage("churn", 3, "Production")
    registry.create_registered_model("fraud")
    return registry


def test_list_shows_each_model_with_its_newest_version_and_aliases(
    cli: Invoke, registry: Registry
) -> None:
    out = succeeded(cli("models", "list"))

    churn = next(line for line in out.splitlines() if "churn" in line)
    assert "champion→3" in churn
    assert " 3 " in churn
    assert "fraud" in out


def test_list_filters_and_prints_json(cli: Invoke, registry: Registry) -> None:
    listed = json.loads(succeeded(cli("models", "list", "--filter", "tags.team = 'ml'", "--json")))

    assert [m["name"] for m in listed] == ["churn"]
    assert listed[0]["aliases"] == {"champion": "3"}


def test_show_prints_tags_aliases_and_latest_versions(cli: Invoke, registry: Registry) -> None:
    out = succeeded(cli("models", "show", "churn"))

    assert "churn model" in out
    assert "team" in out and "ml" in out
    assert "champion" in out
    assert "Production" in out


def test_show_json_is_the_registered_model(cli: Invoke, registry: Registry) -> None:
    shown = json.loads(succeeded(cli("models", "show", "churn", "--json")))

    assert shown["name"] == "churn"
    assert [v["version"] for v in shown["latest_versions"]] == ["3", "2"]


def test_versions_lists_newest_first(cli: Invoke, registry: Registry) -> None:
    listed = json.loads(succeeded(cli("models", "versions", "churn", "--json")))
    table = succeeded(cli("models", "versions", "churn"))

    assert [v["version"] for v in listed] == ["3", "2", "1"]
    assert "/models/churn/1" in table


def test_versions_of_an_unknown_model_fail_with_one_error_line(cli: Invoke) -> None:
    line = error_line(cli("models", "versions", "nope"))

    assert "nope" in line and "not found" in line


def test_alias_moves_an_alias(cli: Invoke, registry: Registry) -> None:
    out = succeeded(cli("models", "alias", "churn", "champion", "1"))

    assert out.strip() == "Alias champion of churn now points at version 1"
    assert registry.get_model_version_by_alias("churn", "champion").version == "1"


def test_alias_delete_removes_it(cli: Invoke, registry: Registry) -> None:
    out = succeeded(cli("models", "alias", "churn", "champion", "--delete"))

    assert out.strip() == "Deleted alias champion of churn"
    assert dict(registry.get_registered_model("churn").aliases) == {}


def test_alias_without_a_version_or_delete_fails(cli: Invoke, registry: Registry) -> None:
    line = error_line(cli("models", "alias", "churn", "champion"))

    assert "VERSION" in line


def test_a_reserved_alias_fails_with_one_error_line(cli: Invoke, registry: Registry) -> None:
    line = error_line(cli("models", "alias", "churn", "latest", "1"))

    assert "reserved" in line


def test_history_lists_every_change_with_its_user(cli: Invoke, registry: Registry) -> None:
    out = succeeded(cli("models", "history", "churn"))

    for action in ("create_registered_model", "create_model_version", "set_alias"):
        assert action in out
    assert "alice" in out
    assert "None → Production" in out


def test_history_of_an_alias_at_a_moment_names_the_version_then(
    cli: Invoke, registry: Registry
) -> None:
    time.sleep(0.005)
    registry.set_registered_model_alias("churn", "champion", 1)
    first_set = registry.history("churn", alias="champion")[0].time

    answer = json.loads(
        succeeded(
            cli(
                "models",
                "history",
                "churn",
                "--alias",
                "champion",
                "--at",
                str(first_set),
                "--json",
            )
        )
    )

    assert answer["aliases"] == {"champion": "3"}
    assert [e["after"] for e in answer["events"]] == [{"version": "3"}]


def test_history_at_a_date_shows_the_aliases_at_the_end_of_that_day(
    cli: Invoke, registry: Registry
) -> None:
    today = datetime.now().date().isoformat()

    out = succeeded(cli("models", "history", "churn", "--at", today))

    assert "champion pointed at version 3" in out


def test_history_of_an_unknown_model_fails(cli: Invoke) -> None:
    line = error_line(cli("models", "history", "nope"))

    assert "nope" in line


def test_history_at_an_unreadable_moment_fails(cli: Invoke, registry: Registry) -> None:
    line = error_line(cli("models", "history", "churn", "--at", "last week"))

    assert "--at" in line


def test_a_date_means_the_end_of_that_day() -> None:
    end = datetime(2026, 3, 3, 23, 59, 59, 999999).astimezone()

    assert parse_moment("2026-03-03") == int(end.timestamp() * 1000)
    assert parse_moment("1772582400000") == 1772582400000
    assert parse_moment("2026-03-03T00:00:00+00:00") == 1772496000000


def test_history_as_a_real_subprocess(home: str, registry: Registry) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "runwright", "--tracking-uri", home, "models", "history", "churn"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "set_alias" in result.stdout
