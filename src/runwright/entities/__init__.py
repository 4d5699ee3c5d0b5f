"""Plain frozen dataclasses for everything Runwright stores; no I/O here."""

from __future__ import annotations

from runwright.entities.artifacts import FileInfo
from runwright.entities.datasets import CONTEXT_TAG, Dataset, DatasetInput
from runwright.entities.experiments import (
    DEFAULT_EXPERIMENT_ID,
    DEFAULT_EXPERIMENT_NAME,
    Experiment,
)
from runwright.entities.lifecycle import LifecycleStage, RunStatus, ViewType
from runwright.entities.logged_models import (
    LoggedModel,
    LoggedModelDataset,
    LoggedModelMetric,
    LoggedModelOrder,
    LoggedModelOutput,
    LoggedModelStatus,
)
from runwright.entities.paging import PagedList
from runwright.entities.registry import (
    ModelVersion,
    ModelVersionStatus,
    RegisteredModel,
    RegistryAction,
    RegistryEvent,
    Stage,
)
from runwright.entities.runs import PARENT_RUN_TAG, RUN_NAME_TAG, USER_TAG, Run, RunData, RunInfo
from runwright.entities.values import Metric, Param, Tag

__all__ = [
    "CONTEXT_TAG",
    "DEFAULT_EXPERIMENT_ID",
    "DEFAULT_EXPERIMENT_NAME",
    "PARENT_RUN_TAG",
    "RUN_NAME_TAG",
    "USER_TAG",
    "Dataset",
    "DatasetInput",
    "Experiment",
    "FileInfo",
    "LifecycleStage",
    "LoggedModel",
    "LoggedModelDataset",
    "LoggedModelMetric",
    "LoggedModelOrder",
    "LoggedModelOutput",
    "LoggedModelStatus",
    "Metric",
    "ModelVersion",
    "ModelVersionStatus",
    "PagedList",
    "Param",
    "RegisteredModel",
    "RegistryAction",
    "RegistryEvent",
    "Run",
    "RunData",
    "RunInfo",
    "RunStatus",
    "Stage",
    "Tag",
    "ViewType",
]
