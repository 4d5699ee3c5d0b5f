"""The executor interface the driver schedules against."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

from runwright.pipelines.resources import Resources

if TYPE_CHECKING:
    from runwright.pipelines.task import TaskResult, TaskSpec
    from runwright.tracking.client import Client

__all__ = ["Executor", "QueuingExecutor"]


class Executor(ABC):
    name: str
    #: Whether the driver should hold back steps until their resources are free; an
    #: executor with its own scheduler (Ray) takes every ready step at once.
    limits_concurrency: bool = True
    #: Whether attempts run in this process (and can share the driver's client).
    in_process: bool = False
    #: Whether attempts write their outputs to this machine's disks, so that the
    #: driver can flush them in batches instead of each attempt flushing its own.
    on_this_machine: bool = True

    def prepare(self, modules: Sequence[str]) -> None:
        """Learn the modules that hold the pipeline's step functions, for an executor
        whose workers import them ahead of the first step."""
        del modules  # most executors have no use for them

    @abstractmethod
    def start(self, client: Client) -> None:
        """Get ready to run attempts; ``client`` is the driver's."""

    @abstractmethod
    def capacity(self) -> Resources:
        """What may run at once when `limits_concurrency` is set."""

    @abstractmethod
    def submit(self, spec: TaskSpec, resources: Resources) -> None: ...

    @abstractmethod
    def wait(self, timeout: float | None) -> list[TaskResult]:
        """Attempts finished since the last call; blocks up to ``timeout`` for one."""

    @abstractmethod
    def cancel_running(self) -> list[TaskResult]:
        """Stop every running attempt (fail_fast); returns them as killed."""

    @abstractmethod
    def close(self) -> None: ...


class QueuingExecutor(Executor):
    """An executor that can hold an attempt back behind another one, to start in its
    place the moment it ends, with no round trip through the driver in between.

    For short steps that round trip is most of the cost: each worker idles while the
    driver records its last result and sends the next attempt. An attempt queued
    behind a running one needs no more resources than that one (the driver sees to
    it), so the machine never runs more than the driver allowed.
    """

    @abstractmethod
    def queue_behind(self, spec: TaskSpec, resources: Resources, *, leader: str) -> None:
        """Run ``spec`` after the running attempt of node ``leader``, in its place (or
        at once, in the place it left, if that attempt has already ended)."""

    @abstractmethod
    def take_started(self) -> list[tuple[str, int]]:
        """The (node id, attempt) of queued attempts that began since the last call."""
