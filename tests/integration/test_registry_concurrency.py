"""Model versions created at the same time by many writers get distinct, consecutive
numbers: on SQLite (one store per thread, so they meet at the database file's lock) and
on PostgreSQL (at the registered model's row lock)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runwright.registry import Registry
from runwright.settings import Settings
from runwright.tracking.client import Client

WRITERS = 8
VERSIONS_EACH = 10


def test_concurrent_creates_get_distinct_consecutive_versions(
    sql_tracking_uri: str, tmp_path: Path
) -> None:
    settings = Settings().with_overrides(artifacts_uri=str(tmp_path / "artifacts"))
    setup = Client(sql_tracking_uri, settings=settings)
    Registry(setup).create_registered_model("churn")

    def write(writer: int) -> list[str]:
        client = Client(sql_tracking_uri, settings=settings)
        try:
            registry = Registry(client, user=f"writer-{writer}")
            return [
                registry.create_model_version("churn", f"/models/{writer}/{index}").version
                for index in range(VERSIONS_EACH)
            ]
        finally:
            client.close()

    with ThreadPoolExecutor(WRITERS) as pool:
        numbers = [n for created in pool.map(write, range(WRITERS)) for n in created]

    total = WRITERS * VERSIONS_EACH
    assert sorted(int(n) for n in numbers) == list(range(1, total + 1))
    registry = Registry(setup)
    stored = registry.search_model_versions("name = 'churn'", max_results=1000)
    assert sorted(int(v.version) for v in stored) == list(range(1, total + 1))
    assert len(registry.history("churn")) == total + 1
    setup.close()
