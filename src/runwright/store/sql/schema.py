"""ORM tables of the SQL store; the only place that knows the database layout.

Latest metric values live in `latest_metrics`, apart from the full history in
`metric_chunks`, so that listing and searching runs never reads a metric's history.
"""

from __future__ import annotations

import json

from sqlalchemy import (
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from runwright.entities import (
    Experiment,
    LifecycleStage,
    LoggedModel,
    LoggedModelMetric,
    LoggedModelStatus,
    ModelVersion,
    ModelVersionStatus,
    RegisteredModel,
    RegistryAction,
    RegistryEvent,
    RunInfo,
    RunStatus,
    Stage,
)

__all__ = [
    "Base",
    "DatasetRow",
    "ExperimentRow",
    "ExperimentTagRow",
    "LatestMetricRow",
    "LoggedModelMetricRow",
    "LoggedModelParamRow",
    "LoggedModelRow",
    "LoggedModelTagRow",
    "MetricChunkRow",
    "ModelVersionRow",
    "ModelVersionTagRow",
    "ParamRow",
    "PipelineRunRow",
    "PipelineStepRow",
    "RegisteredModelAliasRow",
    "RegisteredModelRow",
    "RegisteredModelTagRow",
    "RegistryEventRow",
    "RunInputRow",
    "RunOutputRow",
    "RunRow",
    "StepInputRow",
    "StepOutputRow",
    "TagRow",
]

# Deterministic constraint names keep Alembic migrations portable across dialects.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT primary keys only autoincrement as INTEGER on SQLite.
BigIdentity = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ExperimentRow(Base):
    __tablename__ = "experiments"

    experiment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(500), unique=True)
    artifact_location: Mapped[str] = mapped_column(String(2000))
    lifecycle_stage: Mapped[str] = mapped_column(String(20), index=True)
    creation_time: Mapped[int] = mapped_column(BigInteger)
    last_update_time: Mapped[int] = mapped_column(BigInteger)

    def to_entity(self, tags: dict[str, str]) -> Experiment:
        return Experiment(
            experiment_id=str(self.experiment_id),
            name=self.name,
            artifact_location=self.artifact_location,
            lifecycle_stage=LifecycleStage(self.lifecycle_stage),
            creation_time=self.creation_time,
            last_update_time=self.last_update_time,
            tags=tags,
        )


class ExperimentTagRow(Base):
    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "experiment_tags"

    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(String(5000))


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_experiment_stage_start", "experiment_id", "lifecycle_stage", "start_time"),
    )

    run_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.experiment_id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(250))
    user_id: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(20))
    start_time: Mapped[int] = mapped_column(BigInteger)
    end_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    lifecycle_stage: Mapped[str] = mapped_column(String(20))
    artifact_uri: Mapped[str] = mapped_column(String(2000))
    heartbeat_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    deleted_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    def to_info(self) -> RunInfo:
        return RunInfo(
            run_id=self.run_id,
            experiment_id=str(self.experiment_id),
            run_name=self.name,
            user_id=self.user_id,
            status=RunStatus(self.status),
            start_time=self.start_time,
            end_time=self.end_time,
            lifecycle_stage=LifecycleStage(self.lifecycle_stage),
            artifact_uri=self.artifact_uri,
            heartbeat_time=self.heartbeat_time,
        )


class ParamRow(Base):
    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "params"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(String(6000))


class TagRow(Base):
    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "tags"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(String(8000))


class MetricChunkRow(Base):
    """Full history, stored as packed arrays: one row per (run, key) per written batch.

    A row per point makes every logged value a B-tree insert with its own round of
    driver work; packing a batch's points into three arrays (steps, timestamps,
    values) makes logging cost one insert per key per batch, and reading a 100k-point
    history a hundred decodes. Only get_metric_history reads this table.
    """

    __tablename__ = "metric_chunks"
    __table_args__ = (Index("ix_metric_chunks_run_key", "run_id", "key", "id"),)

    id: Mapped[int] = mapped_column(BigIdentity, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(250))
    count: Mapped[int] = mapped_column(Integer)
    min_step: Mapped[int] = mapped_column(BigInteger)
    max_step: Mapped[int] = mapped_column(BigInteger)
    # Little-endian int64, int64 and float64 arrays of `count` items each; NaN and
    # ±inf survive as IEEE doubles.
    steps: Mapped[bytes] = mapped_column(LargeBinary)
    timestamps: Mapped[bytes] = mapped_column(LargeBinary)
    values: Mapped[bytes] = mapped_column(LargeBinary)


class LatestMetricRow(Base):
    """One row per (run, key): the point with the greatest (step, timestamp, value)."""

    __tablename__ = "latest_metrics"
    # Clustered on (run_id, key) in SQLite: sorting runs by a metric reads fewer pages.
    __table_args__ = (
        Index("ix_latest_metrics_key_value", "key", "value"),
        {"sqlite_with_rowid": False},
    )

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[float] = mapped_column(Double)
    is_nan: Mapped[bool] = mapped_column(Boolean)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[int] = mapped_column(BigInteger)


class DatasetRow(Base):
    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("experiment_id", "name", "digest"),)

    dataset_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.experiment_id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str] = mapped_column(String(36))
    source_type: Mapped[str] = mapped_column(String(36))
    source: Mapped[str] = mapped_column(Text)
    schema: Mapped[str | None] = mapped_column(Text, nullable=True)
    profile: Mapped[str | None] = mapped_column(Text, nullable=True)


class RunInputRow(Base):
    __tablename__ = "run_inputs"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.dataset_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The input's tags (e.g. mlflow.data.context) as a JSON object.
    tags_json: Mapped[str] = mapped_column(Text)
    # Denormalised context so dataset filters need no JSON functions.
    context: Mapped[str | None] = mapped_column(String(500), nullable=True)


class LoggedModelRow(Base):
    """A logged model; `source_run_id` is not a foreign key: purging the run keeps the model."""

    __tablename__ = "logged_models"
    __table_args__ = (
        Index(
            "ix_logged_models_experiment_stage_created",
            "experiment_id",
            "lifecycle_stage",
            "creation_time",
        ),
    )

    model_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.experiment_id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(500))
    artifact_location: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20))
    status_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    lifecycle_stage: Mapped[str] = mapped_column(String(20))
    model_type: Mapped[str | None] = mapped_column(String(500), nullable=True)
    source_run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    creation_time: Mapped[int] = mapped_column(BigInteger)
    last_updated_time: Mapped[int] = mapped_column(BigInteger)

    def to_entity(
        self,
        *,
        tags: dict[str, str],
        params: dict[str, str],
        metrics: tuple[LoggedModelMetric, ...],
    ) -> LoggedModel:
        return LoggedModel(
            model_id=self.model_id,
            experiment_id=str(self.experiment_id),
            name=self.name,
            artifact_location=self.artifact_location,
            status=LoggedModelStatus(self.status),
            lifecycle_stage=LifecycleStage(self.lifecycle_stage),
            creation_timestamp=self.creation_time,
            last_updated_timestamp=self.last_updated_time,
            model_type=self.model_type,
            source_run_id=self.source_run_id,
            status_message=self.status_message,
            tags=tags,
            params=params,
            metrics=metrics,
        )


class LoggedModelTagRow(Base):
    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "logged_model_tags"

    model_id: Mapped[str] = mapped_column(
        ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LoggedModelParamRow(Base):
    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "logged_model_params"

    model_id: Mapped[str] = mapped_column(
        ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LoggedModelMetricRow(Base):
    """Every metric point of a model, one row each (models log few points)."""

    __tablename__ = "logged_model_metrics"
    __table_args__ = (Index("ix_logged_model_metrics_model_key", "model_id", "key"),)

    id: Mapped[int] = mapped_column(BigIdentity, primary_key=True, autoincrement=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("logged_models.model_id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(250))
    # NaN is stored as is_nan with value 0: SQLite turns a NaN double into NULL.
    value: Mapped[float] = mapped_column(Double)
    is_nan: Mapped[bool] = mapped_column(Boolean)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[int] = mapped_column(BigInteger)
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    dataset_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    dataset_digest: Mapped[str | None] = mapped_column(String(36), nullable=True)


class RunOutputRow(Base):
    """A run's output model, at a step; the pair is listed once per step."""

    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "run_outputs"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[str] = mapped_column(
        ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    step: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class PipelineRunRow(Base):
    """The graph and the re-import recipe of a pipeline run; the run itself is in `runs`."""

    __tablename__ = "pipeline_runs"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    pipeline_name: Mapped[str] = mapped_column(String(500), index=True)
    source: Mapped[str] = mapped_column(Text)
    parameters_blob: Mapped[bytes] = mapped_column(LargeBinary)
    parameters: Mapped[str] = mapped_column(Text)
    graph: Mapped[str] = mapped_column(Text)
    options: Mapped[str] = mapped_column(Text)


class PipelineStepRow(Base):
    """One execution of a pipeline node: its cache key and why it was (not) cached."""

    __tablename__ = "pipeline_steps"
    __table_args__ = (Index("ix_pipeline_steps_pipeline_node", "pipeline_name", "node_id"),)

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    pipeline_run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), index=True
    )
    pipeline_name: Mapped[str] = mapped_column(String(500))
    node_id: Mapped[str] = mapped_column(String(500))
    step_name: Mapped[str] = mapped_column(String(250))
    attempts: Mapped[int] = mapped_column(Integer)
    cache_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    cache_status: Mapped[str] = mapped_column(String(8))
    cache_reason: Mapped[str] = mapped_column(Text)
    cache_components: Mapped[str] = mapped_column(Text)
    cached_from_run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class StepOutputRow(Base):
    """A step output artifact, with its content hash and the run that computed it."""

    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "step_outputs"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(250), primary_key=True)
    uri: Mapped[str] = mapped_column(String(2000))
    serializer: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    producer_run_id: Mapped[str] = mapped_column(String(32), index=True)


class StepInputRow(Base):
    """An artifact a step run read: the consuming half of a lineage edge."""

    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "step_inputs"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    arg: Mapped[str] = mapped_column(String(250), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    producer_run_id: Mapped[str] = mapped_column(String(32), index=True)
    output_name: Mapped[str] = mapped_column(String(250))


# -- model registry ----------------------------------------------------------------------


class RegisteredModelRow(Base):
    """A registered model. Its id is never reused (AUTOINCREMENT on SQLite too), so the
    audit history of a deleted model is never mistaken for a later one's."""

    __tablename__ = "registered_models"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    creation_time: Mapped[int] = mapped_column(BigInteger)
    last_updated_time: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The highest version number ever given: numbers of deleted versions are not reused,
    # and incrementing this row serialises concurrent creates.
    last_version: Mapped[int] = mapped_column(Integer)

    def to_entity(
        self,
        *,
        tags: dict[str, str],
        aliases: dict[str, str],
        latest_versions: tuple[ModelVersion, ...],
    ) -> RegisteredModel:
        return RegisteredModel(
            name=self.name,
            creation_timestamp=self.creation_time,
            last_updated_timestamp=self.last_updated_time,
            user_id=self.user_id,
            description=self.description,
            latest_versions=latest_versions,
            tags=tags,
            aliases=aliases,
        )


class RegisteredModelTagRow(Base):
    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "registered_model_tags"

    registered_model_id: Mapped[int] = mapped_column(
        ForeignKey("registered_models.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ModelVersionRow(Base):
    """A registered version; `storage_location` is its source resolved to files."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("registered_model_id", "version"),)

    id: Mapped[int] = mapped_column(BigIdentity, primary_key=True, autoincrement=True)
    registered_model_id: Mapped[int] = mapped_column(
        ForeignKey("registered_models.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    creation_time: Mapped[int] = mapped_column(BigInteger)
    last_updated_time: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    current_stage: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(Text)
    storage_location: Mapped[str | None] = mapped_column(Text, nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    run_link: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    status_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A logged model id (m-...), not a foreign key: purging the model keeps the version.
    model_id: Mapped[str | None] = mapped_column(String(36), nullable=True)

    def to_entity(
        self, *, name: str, tags: dict[str, str], aliases: tuple[str, ...]
    ) -> ModelVersion:
        return ModelVersion(
            name=name,
            version=str(self.version),
            creation_timestamp=self.creation_time,
            last_updated_timestamp=self.last_updated_time,
            current_stage=Stage(self.current_stage),
            source=self.source,
            status=ModelVersionStatus(self.status),
            user_id=self.user_id,
            description=self.description,
            run_id=self.run_id,
            status_message=self.status_message,
            run_link=self.run_link,
            model_id=self.model_id,
            tags=tags,
            aliases=aliases,
        )


class ModelVersionTagRow(Base):
    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "model_version_tags"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RegisteredModelAliasRow(Base):
    """An alias of a model and the version number it points at (deleting the version
    deletes its aliases)."""

    __table_args__ = {"sqlite_with_rowid": False}
    __tablename__ = "registered_model_aliases"

    registered_model_id: Mapped[int] = mapped_column(
        ForeignKey("registered_models.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(255), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class RegistryEventRow(Base):
    """One change to the registry. No foreign key: the history outlives the model; the
    model's id tells its events apart from those of an earlier model of the same name."""

    __tablename__ = "registry_events"
    __table_args__ = (Index("ix_registry_events_model_name_time", "model_name", "time"),)

    id: Mapped[int] = mapped_column(BigIdentity, primary_key=True, autoincrement=True)
    time: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[str] = mapped_column(String(256))
    registered_model_id: Mapped[int] = mapped_column(Integer, index=True)
    model_name: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(50))
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    alias: Mapped[str | None] = mapped_column(String(255), nullable=True)
    before_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    after_json: Mapped[str | None] = mapped_column(Text, nullable=True)

    def to_entity(self) -> RegistryEvent:
        return RegistryEvent(
            id=self.id,
            time=self.time,
            user=self.user_id,
            model_name=self.model_name,
            action=RegistryAction(self.action),
            version=None if self.version is None else str(self.version),
            alias=self.alias,
            before=None if self.before_json is None else json.loads(self.before_json),
            after=None if self.after_json is None else json.loads(self.after_json),
        )
