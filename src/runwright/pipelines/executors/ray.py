"""Steps as Ray tasks: a local Ray instance, or an existing cluster via ``address``.

Each step's `Resources` become the task's ``num_cpus``/``num_gpus``/``memory``, and
Ray does the scheduling. Workers read inputs and write outputs through the artifact
store, and log through the tracking URI, so on a cluster both must be reachable from
every node (e.g. ``postgresql://`` and ``s3://``), and Runwright must be installed there.

A step's timeout counts from when its attempt starts on a worker, not from when it was
handed to Ray: Ray queues what does not fit, and a step waiting for CPUs has not used
any of its time. Each attempt is a Ray generator task that yields a marker as it starts
(which starts the clock), then its result.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runwright.errors import InvalidArgumentError
from runwright.pipelines.executors.base import Executor
from runwright.pipelines.resources import Resources
from runwright.pipelines.task import SpecPickler, TaskResult, TaskSpec, execute_pickled

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = ["RayExecutor"]

_STARTED = "runwright: attempt started"


def _attempt(blob: bytes) -> Iterator[Any]:
    """The Ray task: a marker as soon as a worker runs it, then the `TaskResult`."""
    yield _STARTED
    yield execute_pickled(blob)


@dataclass(slots=True)
class _Running:
    spec: TaskSpec
    #: Set when the attempt's start marker arrives (if the step has a timeout).
    deadline: float | None = None
    started: bool = False


class RayExecutor(Executor):
    name = "ray"
    limits_concurrency = False
    on_this_machine = False

    def __init__(
        self, *, address: str | None = None, init_options: dict[str, Any] | None = None
    ) -> None:
        self._address = address
        self._init_options = dict(init_options or {})
        #: Ray's generator for each attempt in flight.
        self._running: dict[Any, _Running] = {}
        self._remote: Any = None
        self._pickler = SpecPickler()

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
        self._remote = ray.remote(_attempt)

    def capacity(self) -> Resources:
        return Resources(cpus=float("inf"), gpus=float("inf"))

    def submit(self, spec: TaskSpec, resources: Resources) -> None:
        options: dict[str, Any] = {"num_cpus": resources.cpus, "max_retries": 0}
        if resources.gpus:
            options["num_gpus"] = resources.gpus
        if resources.memory_bytes:
            options["memory"] = resources.memory_bytes
        generator = self._remote.options(**options).remote(self._pickler.dumps(spec))
        self._running[generator] = _Running(spec)

    def wait(self, timeout: float | None) -> list[TaskResult]:
        import ray

        if not self._running:
            return []
        deadlines = [r.deadline for r in self._running.values() if r.deadline is not None]
        if deadlines:
            until_first = max(0.0, min(deadlines) - time.monotonic())
            timeout = until_first if timeout is None else min(timeout, until_first)
        ready, pending = ray.wait(list(self._running), num_returns=1, timeout=timeout)
        if ready and pending:  # take everything else that is ready too, without waiting
            more, _ = ray.wait(pending, num_returns=len(pending), timeout=0)
            ready += more
        results = [result for generator in ready if (result := self._advance(generator))]
        now = time.monotonic()
        for generator, running in list(self._running.items()):
            if running.deadline is not None and now >= running.deadline:
                ray.cancel(generator, force=True)
                del self._running[generator]
                spec = running.spec
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

    def _advance(self, generator: Any) -> TaskResult | None:
        """Take the next item of a ready attempt: its start marker (None) or its result."""
        import ray

        running = self._running[generator]
        spec = running.spec
        try:
            item = ray.get(next(generator))
        except StopIteration:
            item = None  # ended without a result: reported below
        except Exception as exc:  # the worker died, or Ray could not run the task
            del self._running[generator]
            return TaskResult(
                spec.node_id, spec.run.run_id, spec.attempt, ok=False, error=f"Ray: {exc}"
            )
        if item == _STARTED and not running.started:
            running.started = True
            if spec.timeout:
                running.deadline = time.monotonic() + spec.timeout
            return None
        del self._running[generator]
        if isinstance(item, TaskResult):
            return item
        return TaskResult(
            spec.node_id,
            spec.run.run_id,
            spec.attempt,
            ok=False,
            error=f"Ray: the task ended without a result (got {item!r})",
        )

    def cancel_running(self) -> list[TaskResult]:
        import ray

        cancelled = []
        for generator, running in list(self._running.items()):
            ray.cancel(generator, force=True)
            spec = running.spec
            cancelled.append(
                TaskResult(spec.node_id, spec.run.run_id, spec.attempt, ok=False, error="cancelled")
            )
        self._running.clear()
        return cancelled

    def close(self) -> None:
        self._running.clear()
