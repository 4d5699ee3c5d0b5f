"""Runwright: pipelines, experiment tracking, models and serving in one tool.

The fluent API follows MLflow's names so code moves over with few changes::

    import runwright as rw
    rw.set_experiment("churn")
    with rw.start_run(run_name="baseline"):
        rw.log_param("C", 1.0)
        rw.log_metric("loss", 0.3, step=1)

Importing this package is cheap: SQLAlchemy, fsspec and friends load on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from runwright._version import __version__
from runwright.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    FileInfo,
    LifecycleStage,
    Metric,
    ModelVersion,
    Param,
    Run,
    RunData,
    RunInfo,
    RunStatus,
    Tag,
    ViewType,
)
from runwright.errors import (
    AlreadyExistsError,
    ArtifactPathError,
    FilterSyntaxError,
    InvalidArgumentError,
    InvalidStateError,
    LoggingFlushError,
    NotFoundError,
    PipelineDefinitionError,
    PipelineFailedError,
    RunwrightError,
    SerializationError,
    StoreSchemaError,
)
from runwright.pipelines.node import step
from runwright.pipelines.pipeline import pipeline
from runwright.pipelines.resources import Resources
from runwright.pipelines.tracing import mapped, unmapped
from runwright.tracking.client import Client
from runwright.tracking.fluent import (
    ActiveRun,
    active_run,
    delete_tag,
    end_run,
    flush,
    get_artifact_uri,
    get_experiment_by_name,
    get_run,
    get_tracking_uri,
    log_artifact,
    log_artifacts,
    log_dict,
    log_figure,
    log_input,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_text,
    search_experiments,
    search_runs,
    set_experiment,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
)

__all__ = [
    "ActiveRun",
    "AlreadyExistsError",
    "ArtifactPathError",
    "Client",
    "Dataset",
    "DatasetInput",
    "Experiment",
    "FileInfo",
    "FilterSyntaxError",
    "InvalidArgumentError",
    "InvalidStateError",
    "LifecycleStage",
    "LoggingFlushError",
    "Metric",
    "NotFoundError",
    "Param",
    "PipelineDefinitionError",
    "PipelineFailedError",
    "Resources",
    "Run",
    "RunData",
    "RunInfo",
    "RunStatus",
    "RunwrightError",
    "SerializationError",
    "StoreSchemaError",
    "Tag",
    "ViewType",
    "__version__",
    "active_run",
    "delete_tag",
    "end_run",
    "flush",
    "get_artifact_uri",
    "get_experiment_by_name",
    "get_run",
    "get_tracking_uri",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_text",
    "mapped",
    "models",
    "pipeline",
    "pipelines",
    "register_model",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
    "step",
    "unmapped",
]


def register_model(
    model_uri: str, name: str, tags: Mapping[str, Any] | None = None
) -> ModelVersion:
    """Register the model at `model_uri` (`runs:/<run_id>/<path>`, `models:/<logged model
    id>`, or any artifact URI or folder) as the next version of the registered model
    `name`, creating that if needed; the run or logged model is recorded with it."""
    from runwright.registry import register_model as register

    return register(model_uri, name, tags)


if TYPE_CHECKING:  # what __getattr__ below loads on first use, made known to type checkers
    from runwright import models as models
    from runwright import pipelines as pipelines


def __getattr__(name: str) -> object:
    # `rw.pipelines.resume(...)` and `rw.models.load_model(...)` without making
    # `import runwright` pay for the engine or the model flavors.
    if name in ("pipelines", "models"):
        import importlib

        return importlib.import_module(f"runwright.{name}")
    raise AttributeError(f"module 'runwright' has no attribute {name!r}")
