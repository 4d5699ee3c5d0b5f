"""Upgrading a database made by revision 0001 (before logged models) to the head."""

from __future__ import annotations

from pathlib import Path

import pytest

from runwright import StoreSchemaError
from runwright.settings import Settings
from runwright.store.registry import open_store
from runwright.store.sql.database import Database
from runwright.store.sql.factory import locate, upgrade_sql_store
from runwright.store.sql.migrate import HEAD_REVISION, upgrade
from runwright.tracking.client import Client
from runwright.tracking.logged_models import LoggedModels


def _database_at_0001(uri: str) -> None:
    location = locate(uri, Settings())
    if location.database_url.startswith("sqlite:///"):
        Path(location.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True)
    database = Database(location.database_url, sqlite_busy_timeout=5)
    try:
        upgrade(database, revision="0001")
    finally:
        database.dispose()


def test_a_0001_database_is_refused_until_upgraded(sql_tracking_uri: str) -> None:
    _database_at_0001(sql_tracking_uri)
    with pytest.raises(StoreSchemaError, match="runwright db upgrade"):
        open_store(sql_tracking_uri, Settings())


def test_an_upgraded_0001_database_keeps_logged_models(sql_tracking_uri: str) -> None:
    _database_at_0001(sql_tracking_uri)
    assert upgrade_sql_store(sql_tracking_uri, Settings()) == HEAD_REVISION
    client = Client(sql_tracking_uri)
    try:
        run = client.create_run("0")
        model = LoggedModels(client).create_logged_model("0", "clf", source_run_id=run.run_id)
        assert LoggedModels(client).get_logged_model(model.model_id).source_run_id == run.run_id
    finally:
        client.close()
