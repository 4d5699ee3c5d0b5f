"""`runwright db upgrade`: explicit schema migrations."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from runwright.cli import app
from runwright.store.sql.migrate import HEAD_REVISION
from tests.unit.cli.helpers import Invoke, succeeded


def test_upgrade_creates_a_fresh_database_at_the_newest_revision(
    runner: CliRunner, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh"

    out = succeeded(runner.invoke(app, ["db", "upgrade", str(fresh)]))

    assert out.strip() == f"Database at {fresh} is at schema revision {HEAD_REVISION}"
    assert (fresh / "runwright.db").is_file()


def test_upgrade_without_argument_migrates_the_tracking_uri(cli: Invoke, home: str) -> None:
    out = succeeded(cli("db", "upgrade"))

    assert out.strip() == f"Database at {home} is at schema revision {HEAD_REVISION}"
    assert (Path(home) / "runwright.db").is_file()


def test_upgrade_twice_is_harmless(cli: Invoke, home: str) -> None:
    succeeded(cli("db", "upgrade"))

    out = succeeded(cli("db", "upgrade"))

    assert out.strip().endswith(f"schema revision {HEAD_REVISION}")


def test_an_upgraded_database_serves_the_other_commands(cli: Invoke) -> None:
    succeeded(cli("db", "upgrade"))

    out = succeeded(cli("experiments", "list"))

    assert "Default" in out
