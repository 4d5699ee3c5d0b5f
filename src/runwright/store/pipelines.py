"""The pipeline store: pipeline runs, step runs, their outputs and lineage.

Each step run is an ordinary tracking run plus a `StepRecord`; the journal writes
both in one transaction, so a pipeline killed at any moment leaves every step either
recorded whole or not at all, and `resume` can trust what it finds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from runwright.entities import RunInfo, RunStatus, Tag
from runwright.entities.pipelines import (
    CacheStatus,
    LineageEdge,
    OutputRef,
    PipelineRunRecord,
    StepInput,
    StepRecord,
)

__all__ = ["PipelineStore", "StepJournal"]


class PipelineStore(ABC):
    @abstractmethod
    def create_pipeline_run(
        self,
        *,
        experiment_id: str,
        run_name: str,
        user_id: str,
        start_time: int,
        tags: Sequence[Tag],
        params: Mapping[str, str],
        pipeline_name: str,
        source: Mapping[str, str],
        parameters_blob: bytes,
        parameters: Mapping[str, Any],
        graph: Mapping[str, Any],
        options: Mapping[str, Any],
    ) -> str:
        """Create the pipeline's tracking run (RUNNING) with its record; returns its id."""

    @abstractmethod
    def get_pipeline_run(self, *, run_id: str) -> PipelineRunRecord: ...

    @abstractmethod
    def list_pipeline_runs(
        self, *, pipeline_name: str | None = None, max_results: int = 100
    ) -> list[PipelineRunRecord]:
        """Newest first."""

    @abstractmethod
    def open_step_journal(self, *, pipeline_run_id: str) -> StepJournal:
        """Where the driver of this pipeline run records its steps; close it after."""

    @abstractmethod
    def list_steps(self, *, pipeline_run_id: str) -> list[StepRecord]:
        """Every step run of a pipeline run, oldest first (a retried node appears again)."""

    @abstractmethod
    def get_step(self, *, run_id: str) -> StepRecord: ...

    @abstractmethod
    def lineage_edges(
        self,
        *,
        producer_run_ids: Sequence[str] = (),
        consumer_run_ids: Sequence[str] = (),
        content_hashes: Sequence[str] = (),
    ) -> list[LineageEdge]:
        """Edges touching any of the given producers, consumers or artifacts."""


class StepJournal(ABC):
    """The step runs of one pipeline run, recorded by its driver as they move.

    Each call is whole or absent, and once committed (at its end, or at the end of the
    `batch` it is made in) it survives a crash of the process (a killed driver loses
    nothing it recorded). Surviving a crash of the machine is what `checkpoint`
    is for: it flushes everything recorded so far, through any connection, to disk.
    The driver calls it every so often and before it reports the run's outcome, so
    that a pipeline of many short steps pays for one flush, not one per step.
    """

    pipeline_run_id: str

    @abstractmethod
    def batch(self) -> AbstractContextManager[None]:
        """Calls made inside become one transaction, committed when the block ends (each
        call still whole or absent): the driver records everything it has to between
        two waits at the cost of one commit. The block holds the store's write lock, so
        it must not wait or run anyone else's code."""

    @abstractmethod
    def start_step(
        self,
        *,
        run_name: str,
        start_time: int,
        tags: Sequence[Tag],
        params: Mapping[str, str],
        node_id: str,
        step_name: str,
        cache_key: str | None,
        cache_status: CacheStatus,
        cache_reason: str,
        cache_components: Mapping[str, Any],
        scheduled: bool = False,
    ) -> RunInfo:
        """Create a RUNNING step run nested in the pipeline run (SCHEDULED if it is
        queued to start later: `begin_step` then marks it running)."""

    @abstractmethod
    def begin_step(self, *, run_id: str, start_time: int) -> None:
        """A SCHEDULED step run started: it is RUNNING since ``start_time``."""

    @abstractmethod
    def finish_step(
        self,
        *,
        run_id: str,
        status: RunStatus,
        end_time: int,
        attempts: int,
        outputs: Sequence[OutputRef],
        inputs: Sequence[StepInput],
        tags: Sequence[Tag],
    ) -> None:
        """End a step run and record what it read and wrote, all at once."""

    @abstractmethod
    def record_cached_step(
        self,
        *,
        run_name: str,
        time: int,
        tags: Sequence[Tag],
        params: Mapping[str, str],
        node_id: str,
        step_name: str,
        cache_key: str,
        cache_reason: str,
        cache_components: Mapping[str, Any],
        cached_from: StepRecord,
        inputs: Sequence[StepInput],
    ) -> str:
        """A FINISHED step run that reuses ``cached_from``'s outputs; returns its id."""

    @abstractmethod
    def find_cached_step(self, *, cache_key: str) -> StepRecord | None:
        """The newest step run that computed (not reused) outputs under this key, with
        its outputs (its inputs are left out: a hit never needs them)."""

    @abstractmethod
    def previous_step(self, *, node_id: str) -> StepRecord | None:
        """The newest finished run of this node in another run of the pipeline: what a
        cache miss is explained against (without its outputs and inputs)."""

    @abstractmethod
    def checkpoint(self, *, heartbeat_time: int) -> None:
        """Make every write so far durable (and note the driver is alive)."""

    @abstractmethod
    def end_pipeline(self, *, status: RunStatus, end_time: int) -> None:
        """End the pipeline run itself; durable, like a checkpoint."""

    @abstractmethod
    def close(self) -> None: ...
