"""Experiments group runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from runwright.entities.lifecycle import LifecycleStage

__all__ = ["DEFAULT_EXPERIMENT_ID", "DEFAULT_EXPERIMENT_NAME", "Experiment"]

# MLflow clients assume an experiment "0" exists; Runwright keeps the same convention.
DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"


@dataclass(frozen=True, slots=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: LifecycleStage
    creation_time: int
    last_update_time: int
    tags: Mapping[str, str] = field(default_factory=dict)
