"""Steps one after another in this process: for a debugger, and for the lowest overhead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runwright.pipelines.executors.base import Executor
from runwright.pipelines.resources import Resources
from runwright.pipelines.task import TaskResult, TaskSpec, execute

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = ["InlineExecutor"]


class InlineExecutor(Executor):
    name = "inline"
    in_process = True

    def __init__(self, *, echo: bool = True) -> None:
        self._client: Client | None = None
        self._done: list[TaskResult] = []
        self._echo = echo

    def start(self, client: Client) -> None:
        self._client = client

    def capacity(self) -> Resources:
        return Resources(cpus=float("inf"), gpus=float("inf"))

    def submit(self, spec: TaskSpec, resources: Resources) -> None:
        spec.echo = self._echo
        self._done.append(execute(spec, self._client))

    def wait(self, timeout: float | None) -> list[TaskResult]:
        done, self._done = self._done, []
        return done

    def cancel_running(self) -> list[TaskResult]:
        return []

    def close(self) -> None:
        self._done = []
