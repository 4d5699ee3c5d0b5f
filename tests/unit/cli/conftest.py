"""Fixtures for the CLI tests: a tracking folder, a Client that fills it, and the CLI.

Each test gets a fresh folder under tmp_path; data is written with the Client and
read back through `runwright.cli.app` in-process, as a user would type the command.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from runwright.cli import app
from runwright.tracking.client import Client
from tests.unit.cli.helpers import Invoke


@pytest.fixture
def home(tmp_path: Path) -> str:
    """The tracking URI of the test: a folder that does not exist yet."""
    return str(tmp_path / "rw")


@pytest.fixture
def tracking(home: str) -> Iterator[Client]:
    """A Client on `home`, for creating what the commands should show."""
    client = Client(home)
    yield client
    client.close()


@pytest.fixture
def runner() -> CliRunner:
    # Rich sizes tables to the terminal when pytest runs with -s in one; a fixed
    # width keeps run ids whole in every setting.
    return CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def cli(runner: CliRunner, home: str) -> Invoke:
    """Run `runwright --tracking-uri <home> ARGS…`; unexpected exceptions propagate."""

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--tracking-uri", home, *args], catch_exceptions=False)

    return invoke
