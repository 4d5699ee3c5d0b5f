"""The root command: where the tracking URI comes from and how errors are shown."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from runwright.cli import app
from runwright.tracking.client import Client
from tests.unit.cli.helpers import error_line, succeeded


def test_tracking_uri_comes_from_the_environment_without_the_option(
    runner: CliRunner, home: str, tracking: Client
) -> None:
    tracking.create_experiment("churn")

    result = runner.invoke(
        app, ["experiments", "list", "--json"], env={"RUNWRIGHT_TRACKING_URI": home}
    )

    assert "churn" in [e["name"] for e in json.loads(succeeded(result))]


def test_the_option_wins_over_the_environment(
    runner: CliRunner, home: str, tracking: Client, tmp_path: Path
) -> None:
    tracking.create_experiment("churn")
    elsewhere = str(tmp_path / "elsewhere")

    result = runner.invoke(
        app,
        ["--tracking-uri", home, "experiments", "list", "--json"],
        env={"RUNWRIGHT_TRACKING_URI": elsewhere},
    )

    assert "churn" in [e["name"] for e in json.loads(succeeded(result))]


def test_an_invalid_setting_in_the_environment_is_one_error_line(
    runner: CliRunner, home: str
) -> None:
    result = runner.invoke(
        app, ["--tracking-uri", home, "runs", "list"], env={"RUNWRIGHT_STALE_AFTER": "soon"}
    )

    assert "RUNWRIGHT_STALE_AFTER" in error_line(result)


def test_an_unknown_uri_scheme_is_one_error_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--tracking-uri", "ftp://host/runs", "experiments", "list"])

    assert "'ftp'" in error_line(result)


def test_no_arguments_prints_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, [])

    for command in ("experiments", "runs", "db", "gc"):
        assert command in result.output


def test_a_file_given_as_the_tracking_folder_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "plain.txt"
    not_a_folder.write_text("x")

    result = runner.invoke(app, ["-t", str(not_a_folder / "sub"), "experiments", "list"])

    assert result.exit_code == 1
    assert "cannot keep a tracking database" in error_line(result)


def test_python_dash_m_runwright_is_the_cli() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "runwright", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "experiments" in result.stdout
