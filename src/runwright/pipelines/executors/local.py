"""Steps in parallel on this machine, each attempt in a worker process.

Worker processes come from a forkserver, so they start clean (no copies of the
driver's threads or database connections) yet fast. A step past its timeout has its
worker killed and replaced; a worker that dies is reported as the step's failure.

Unlike plain multiprocessing, workers do not re-import the script that started the
pipeline: step functions travel by value (cloudpickle), so the script needs no
``if __name__ == "__main__":`` guard and its top-level code runs once.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
from collections.abc import Sequence
from multiprocessing import context as mp_context
from multiprocessing import spawn
from typing import TYPE_CHECKING, Any

from runwright.pipelines.executors.base import Executor
from runwright.pipelines.resources import Resources
from runwright.pipelines.task import TaskResult, TaskSpec

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = ["LocalExecutor", "machine_memory"]


_launching = threading.local()
_preparation_data = spawn.get_preparation_data


def _preparation_data_without_main(name: str) -> dict[str, Any]:
    data: dict[str, Any] = _preparation_data(name)
    if getattr(_launching, "worker", False):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


# Only launches of our workers (flagged per thread below) leave the main module out.
spawn.get_preparation_data = _preparation_data_without_main


class _WorkerProcess(mp_context.ForkServerProcess):
    def start(self) -> None:
        _launching.worker = True
        try:
            super().start()
        finally:
            _launching.worker = False


class _WorkerContext(mp_context.ForkServerContext):
    Process = _WorkerProcess


def machine_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


class LocalExecutor(Executor):
    name = "local"

    def __init__(self, *, max_workers: int | None = None) -> None:
        self._cpus = max(1, max_workers or os.cpu_count() or 1)
        self._pool: Any = None
        self._preload: Sequence[str] = ()
        self._running: dict[Any, TaskSpec] = {}

    def prepare(self, modules: Sequence[str]) -> None:
        self._preload = modules

    def start(self, client: Client) -> None:
        """Nothing yet: the workers start with the first step that must run, so a
        rerun served wholly from the cache never waits for a forkserver and its
        workers to come up (about a quarter of a second)."""

    def _start_pool(self, modules: Sequence[str]) -> None:
        import pebble

        context = _WorkerContext()
        # Imported once in the forkserver, so every worker forked from it has them:
        # what running a step needs, and the modules defining the steps (an import
        # that fails there is skipped, and happens again in the worker).
        context.set_forkserver_preload(
            ["runwright.pipelines.task", "runwright.tracking.fluent", *modules]
        )
        pool = pebble.ProcessPool(max_workers=self._cpus, context=context)
        pool.schedule(os.getpid).result()  # the pool starts its workers on first use
        self._pool = pool

    def capacity(self) -> Resources:
        return Resources(cpus=float(self._cpus), memory=machine_memory() or None)

    def submit(self, spec: TaskSpec, resources: Resources) -> None:
        import cloudpickle

        from runwright.pipelines.task import execute_pickled

        if self._pool is None:
            self._start_pool(self._preload)

        future = self._pool.schedule(
            execute_pickled, args=(cloudpickle.dumps(spec),), timeout=spec.timeout
        )
        self._running[future] = spec

    def wait(self, timeout: float | None) -> list[TaskResult]:
        if not self._running:
            return []
        done, _pending = concurrent.futures.wait(
            list(self._running), timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED
        )
        return [self._outcome(future, self._running.pop(future)) for future in done]

    @staticmethod
    def _outcome(future: Any, spec: TaskSpec) -> TaskResult:
        import pebble

        failed = TaskResult(spec.node_id, spec.run.run_id, spec.attempt, ok=False)
        try:
            result: TaskResult = future.result()
            return result
        except concurrent.futures.TimeoutError:
            failed.timed_out = True
            failed.error = (
                f"the step ran longer than its timeout of {spec.timeout:g} s; "
                "its worker process was killed"
            )
        except pebble.ProcessExpired as exc:
            failed.error = f"the worker process died (exit code {exc.exitcode}) running the step"
        except concurrent.futures.CancelledError:
            failed.error = "the step was cancelled"
        except Exception as exc:  # e.g. a value that could not be sent to the worker
            failed.error = f"{type(exc).__name__}: {exc}"
        return failed

    def cancel_running(self) -> list[TaskResult]:
        cancelled = []
        for future, spec in list(self._running.items()):
            future.cancel()
            cancelled.append(
                TaskResult(spec.node_id, spec.run.run_id, spec.attempt, ok=False, error="cancelled")
            )
        self._running.clear()
        return cancelled

    def close(self) -> None:
        if self._pool is not None:
            if self._running:
                self._pool.stop()
            else:
                self._pool.close()
            self._pool.join()
            self._pool = None
