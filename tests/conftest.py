"""Fixtures shared by the whole suite.

Every test runs with its own working directory and no RUNWRIGHT_* settings from the
outside, so the embedded default (./.runwright) lands in a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import runwright as rw
from runwright.tracking.client import Client

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.live_server",
    "tests.fixtures.rest_server",
    "tests.fixtures.s3",
]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("RUNWRIGHT_") and name != "RUNWRIGHT_REQUIRE_POSTGRES":
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield
    # Leave no active run or open client behind for the next test.
    while rw.active_run() is not None:
        rw.end_run()
    rw.set_tracking_uri(None)


@pytest.fixture
def tracking_dir(tmp_path: Path) -> Path:
    return tmp_path / "runwright-home"


@pytest.fixture(params=["sqlite", "postgres", "rest"])
def tracking_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each contract test runs on every backend: SQLite, PostgreSQL, and a tracking
    server over HTTP (the REST store; the server keeps a fresh SQLite store)."""
    if request.param == "rest":
        return str(request.getfixturevalue("rest_server").url)
    return _sql_uri(request, tmp_path, request.param)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_tracking_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every SQL backend, for tests of the SQL store itself."""
    return _sql_uri(request, tmp_path, request.param)


def _sql_uri(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> str:
    if backend == "sqlite":
        return str(tmp_path / "store")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def client(tracking_uri: str, tmp_path: Path) -> Iterator[Client]:
    settings = rw_settings(artifacts_uri=str(tmp_path / "artifacts"))
    created = Client(tracking_uri, settings=settings)
    yield created
    created.close()


def rw_settings(**overrides: object):  # type: ignore[no-untyped-def]
    from runwright.settings import Settings

    return Settings().with_overrides(**overrides)
