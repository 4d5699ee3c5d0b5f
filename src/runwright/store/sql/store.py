"""The SQL tracking store: SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

from runwright.store.base import TrackingStore
from runwright.store.pipelines import PipelineStore
from runwright.store.sql.database import Database
from runwright.store.sql.experiments import SqlExperiments
from runwright.store.sql.logged_models import SqlLoggedModels
from runwright.store.sql.logging import SqlLogging
from runwright.store.sql.pipelines import SqlPipelines
from runwright.store.sql.registry import SqlRegistry
from runwright.store.sql.runs import SqlRuns

__all__ = ["SqlTrackingStore"]


class SqlTrackingStore(
    SqlExperiments,
    SqlRuns,
    SqlLogging,
    SqlLoggedModels,
    SqlPipelines,
    SqlRegistry,
    TrackingStore,
    PipelineStore,
):
    """Composed from one module per resource; opened (and its schema checked) by
    `runwright.store.sql.factory.open_sql_store`, never by the constructor."""

    def __init__(self, database: Database, *, uri: str, default_artifact_root: str) -> None:
        self._db = database
        self.uri = uri
        self.default_artifact_root = default_artifact_root

    @property
    def database(self) -> Database:
        return self._db

    def close(self) -> None:
        self._db.dispose()
