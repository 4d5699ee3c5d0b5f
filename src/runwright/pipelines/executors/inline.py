"""Steps one after another in this process: for a debugger, and for the lowest overhead."""

from __future__ import annotations

import time
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
        self._submitted: list[TaskSpec] = []
        self._echo = echo

    def start(self, client: Client) -> None:
        self._client = client

    def capacity(self) -> Resources:
        return Resources(cpus=float("inf"), gpus=float("inf"))

    def submit(self, spec: TaskSpec, resources: Resources) -> None:
        spec.echo = self._echo
        self._submitted.append(spec)

    def wait(self, timeout: float | None) -> list[TaskResult]:
        """Run what was submitted, here and now; with nothing to run, sleep out the
        timeout (the driver is waiting for a retry to fall due)."""
        if not self._submitted:
            if timeout:
                time.sleep(timeout)
            return []
        submitted, self._submitted = self._submitted, []
        return [execute(spec, self._client) for spec in submitted]

    def cancel_running(self) -> list[TaskResult]:
        self._submitted = []
        return []

    def close(self) -> None:
        self._submitted = []
