"""Steps as Ray tasks: a local Ray instance, or an existing cluster via ``address``.

Each step's `Resources` become the task's ``num_cpus``/``num_gpus``/``memory``, and
Ray does the scheduling. Workers read inputs and write outputs through the artifact
store, and log through the tracking URI, so on a cluster both must be reachable from
every node (e.g. ``postgresql://`` and ``s3://``), and Runwright must be installed there.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from runwright.errors import InvalidArgumentError
from runwright.pipelines.executors.base import Executor
from runwright.pipelines.resources import Resources
from runwright.pipelines.task import TaskResult, TaskSpec

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = ["RayExecutor"]


class RayExecutor(Executor):
    name = "ray"
    limits_concurrency = False

    def __init__(
        self, *, address: str | None = None, init_options: dict[str, Any] | None = None
    ) -> None:
        self._address = address
        self._init_options = dict(init_options or {})
        self._running: dict[Any, tuple[TaskSpec, float | None]] = {}
        self._remote: Any = None

    def start(self, client: Client) -> None:
        try:
            import ray
        except ImportError:
            raise InvalidArgumentError(
                "the ray executor needs Ray: pip install 'runwright[ray]'"
            ) from None
        if not ray.is_initialized():
            ray.init(
                address=self._address,
                ignore_reinit_error=True,
                include_dashboard=False,
                log_to_driver=False,
                **self._init_options,
            )
        from runwright.pipelines.task import execute_pickled

        self._remote = ray.remote(execute_pickled)

    def capacity(self) -> Resources:
        return Resources(cpus=float("inf"), gpus=float("inf"))

    def submit(self, spec: TaskSpec, resources: Resources) -> None:
        import cloudpickle

        options: dict[str, Any] = {"num_cpus": resources.cpus, "max_retries": 0}
        if resources.gpus:
            options["num_gpus"] = resources.gpus
        if resources.memory_bytes:
            options["memory"] = resources.memory_bytes
        reference = self._remote.options(**options).remote(cloudpickle.dumps(spec))
        deadline = time.monotonic() + spec.timeout if spec.timeout else None
        self._running[reference] = (spec, deadline)

    def wait(self, timeout: float | None) -> list[TaskResult]:
        import ray

        if not self._running:
            return []
        deadlines = [d for _spec, d in self._running.values() if d is not None]
        if deadlines:
            until_first = max(0.0, min(deadlines) - time.monotonic())
            timeout = until_first if timeout is None else min(timeout, until_first)
        ready, _ = ray.wait(list(self._running), num_returns=1, timeout=timeout)
        results = [self._outcome(reference) for reference in ready]
        now = time.monotonic()
        for reference, (spec, deadline) in list(self._running.items()):
            if deadline is not None and now >= deadline:
                ray.cancel(reference, force=True)
                del self._running[reference]
                results.append(
                    TaskResult(
                        spec.node_id,
                        spec.run.run_id,
                        spec.attempt,
                        ok=False,
                        timed_out=True,
                        error=f"the step ran longer than its timeout of {spec.timeout:g} s; "
                        "its Ray task was cancelled",
                    )
                )
        return results

    def _outcome(self, reference: Any) -> TaskResult:
        import ray

        spec, _deadline = self._running.pop(reference)
        try:
            result: TaskResult = ray.get(reference)
            return result
        except Exception as exc:  # the worker died, or Ray could not run the task
            return TaskResult(
                spec.node_id, spec.run.run_id, spec.attempt, ok=False, error=f"Ray: {exc}"
            )

    def cancel_running(self) -> list[TaskResult]:
        import ray

        cancelled = []
        for reference, (spec, _deadline) in list(self._running.items()):
            ray.cancel(reference, force=True)
            cancelled.append(
                TaskResult(spec.node_id, spec.run.run_id, spec.attempt, ok=False, error="cancelled")
            )
        self._running.clear()
        return cancelled

    def close(self) -> None:
        self._running.clear()
