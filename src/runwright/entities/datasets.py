"""Datasets a run consumed (`log_input`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["CONTEXT_TAG", "Dataset", "DatasetInput"]

CONTEXT_TAG = "mlflow.data.context"


@dataclass(frozen=True, slots=True)
class Dataset:
    """A dataset is identified within an experiment by its name and content digest."""

    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetInput:
    dataset: Dataset
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def context(self) -> str | None:
        return self.tags.get(CONTEXT_TAG)
