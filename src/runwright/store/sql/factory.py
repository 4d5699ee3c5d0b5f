"""Open a SQL store from a tracking URI: locate database and artifacts, check the schema."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from runwright._host import now_ms
from runwright.entities import DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, LifecycleStage
from runwright.errors import InvalidArgumentError, StoreUnavailableError
from runwright.settings import DEFAULT_HOME, Settings
from runwright.store.sql.database import Database, normalise_url
from runwright.store.sql.dialect import upsert
from runwright.store.sql.migrate import HEAD_REVISION, ensure_schema, upgrade
from runwright.store.sql.schema import ExperimentRow
from runwright.store.sql.store import SqlTrackingStore

__all__ = ["SqlLocation", "locate", "open_sql_store", "upgrade_sql_store"]

DATABASE_FILE = "runwright.db"
SQL_SCHEMES = frozenset({"", "file", "sqlite", "postgresql", "postgres", "postgresql+psycopg"})


@dataclass(frozen=True, slots=True)
class SqlLocation:
    database_url: str
    artifact_root: str


def locate(uri: str, settings: Settings) -> SqlLocation:
    """Where the database and the default artifact root are for a tracking URI."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""
    if scheme in ("", "file"):
        home = Path(unquote(parts.path) if scheme == "file" else uri).expanduser().absolute()
        return SqlLocation(
            database_url=f"sqlite:///{home / DATABASE_FILE}",
            artifact_root=settings.artifacts_uri or str(home / "artifacts"),
        )
    if scheme == "sqlite":
        path = uri[len("sqlite:///") :] if uri.startswith("sqlite:///") else ""
        if not path or path.startswith(":memory:"):
            raise InvalidArgumentError(
                f"{uri!r} is not a SQLite file; use sqlite:///path/to/runwright.db"
            )
        database = Path(path).expanduser().absolute()
        return SqlLocation(
            database_url=f"sqlite:///{database}",
            artifact_root=settings.artifacts_uri or str(database.parent / "artifacts"),
        )
    return SqlLocation(
        database_url=normalise_url(uri),
        artifact_root=settings.artifacts_uri or str(Path(DEFAULT_HOME, "artifacts").absolute()),
    )


def _database(location: SqlLocation, settings: Settings) -> Database:
    if location.database_url.startswith("sqlite:///"):
        folder = Path(location.database_url[len("sqlite:///") :]).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidArgumentError(
                f"cannot keep a tracking database in {str(folder)!r}: {exc.strerror}"
            ) from None
    return Database(location.database_url, sqlite_busy_timeout=settings.sqlite_busy_timeout)


def open_sql_store(uri: str, settings: Settings) -> SqlTrackingStore:
    location = locate(uri, settings)
    database = _database(location, settings)
    try:
        if not _in_use(database):
            ensure_schema(database, display_uri=_display(uri))
            _ensure_default_experiment(database, location.artifact_root)
    except (OperationalError, database.engine.dialect.loaded_dbapi.OperationalError) as exc:
        # SQLAlchemy wraps the driver's error, except from a raw connection (`_in_use`).
        database.dispose()
        cause = getattr(exc, "orig", None) or exc
        reason = str(cause).strip().splitlines()[0]
        raise StoreUnavailableError(
            f"cannot open the tracking database at {_display(uri)}: {reason}"
        ) from None
    except BaseException:
        database.dispose()
        raise
    return SqlTrackingStore(database, uri=uri, default_artifact_root=location.artifact_root)


def _in_use(database: Database) -> bool:
    """Whether the store is at the current schema and has its default experiment: one
    query on the driver's connection, which is what opening a store in use costs. Any
    doubt (a new database, an error) is settled by the full checks instead."""
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(
            "SELECT (SELECT version_num FROM alembic_version), "
            f'(SELECT 1 FROM "experiments" WHERE "experiment_id" = {int(DEFAULT_EXPERIMENT_ID)})'
        )
        found = cursor.fetchone()
        cursor.close()
    except database.engine.dialect.loaded_dbapi.Error:
        return False  # no such table, or busy: the full checks say which
    finally:
        raw.close()
    return tuple(found or ()) == (HEAD_REVISION, 1)


def _display(uri: str) -> str:
    """The URI with any password masked, for messages."""
    if "://" in uri and "@" in uri and not uri.startswith(("sqlite", "file")):
        return make_url(normalise_url(uri)).render_as_string(hide_password=True)
    return uri


def upgrade_sql_store(uri: str, settings: Settings) -> str:
    """Migrate the database behind `uri` to the newest schema; returns the revision."""
    from runwright.store.registry import uri_scheme

    if uri_scheme(uri) not in SQL_SCHEMES:
        raise InvalidArgumentError(f"{uri!r} is not a SQL database; nothing to upgrade")
    location = locate(uri, settings)
    database = _database(location, settings)
    try:
        upgrade(database)
        _ensure_default_experiment(database, location.artifact_root)
    finally:
        database.dispose()
    return HEAD_REVISION


def _ensure_default_experiment(database: Database, artifact_root: str) -> None:
    """Experiment "0" always exists, as MLflow clients expect; created on first open."""
    from runwright.artifacts import join_uri

    # Driver SQL, not `session.get`: the first ORM query sets up every mapper (~15 ms)
    # and compiling a statement costs more than running it, which a run that needs
    # neither (a cached pipeline rerun) should not pay.
    if _has_default_experiment(database):
        return
    now = now_ms()
    row = {
        "experiment_id": int(DEFAULT_EXPERIMENT_ID),
        "name": DEFAULT_EXPERIMENT_NAME,
        "artifact_location": join_uri(artifact_root, DEFAULT_EXPERIMENT_ID),
        "lifecycle_stage": LifecycleStage.ACTIVE.value,
        "creation_time": now,
        "last_update_time": now,
    }
    statement = upsert(database.dialect, ExperimentRow, keys=("experiment_id",))
    try:
        database.run_write(lambda session: session.execute(statement, [row]))
    except IntegrityError:
        # Several processes opening a new store at once (a server's workers): on
        # PostgreSQL the loser of the race trips over the unique name, not the id.
        if not _has_default_experiment(database):
            raise


def _has_default_experiment(database: Database) -> bool:
    with database.engine.connect() as connection:
        found = connection.exec_driver_sql(
            f'SELECT 1 FROM "experiments" WHERE "experiment_id" = {int(DEFAULT_EXPERIMENT_ID)}'
        ).first()
    return found is not None
