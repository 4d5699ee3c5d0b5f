"""The PostgreSQL fixtures give each test a working database of its own on a real server."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from tests.fixtures.postgres import PostgresServer


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


def test_url_connects_to_a_real_postgresql_server(engine: Engine, postgres_url: str) -> None:
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version()")).scalar_one()
        database = connection.execute(text("SELECT current_database()")).scalar_one()

    assert re.match(r"PostgreSQL \d{2}\.", version), version
    assert postgres_url.endswith(f"/{database}")


def test_a_table_in_one_test_database_is_absent_from_another(
    engine: Engine, postgres_server: PostgresServer
) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE runs (id integer PRIMARY KEY)"))

    other_name = f"other_{uuid.uuid4().hex[:8]}"
    other_engine = create_engine(postgres_server.create_database(other_name))
    try:
        other_tables = inspect(other_engine).get_table_names()
    finally:
        other_engine.dispose()
        postgres_server.drop_database(other_name)

    assert inspect(engine).get_table_names() == ["runs"]
    assert other_tables == []


def test_dropping_a_database_ends_sessions_still_connected_to_it(
    postgres_server: PostgresServer,
) -> None:
    name = f"dropped_{uuid.uuid4().hex[:8]}"
    postgres_server.create_database(name)
    lingering = psycopg.connect(
        host=postgres_server.host, port=postgres_server.port, user=postgres_server.user, dbname=name
    )

    postgres_server.drop_database(name)

    with psycopg.connect(
        host=postgres_server.host,
        port=postgres_server.port,
        user=postgres_server.user,
        dbname="postgres",
    ) as admin:
        remaining = admin.execute(
            "SELECT datname FROM pg_database WHERE datname = %s", (name,)
        ).fetchall()
    with pytest.raises(psycopg.OperationalError):
        lingering.execute("SELECT 1")
    lingering.close()
    assert remaining == []
