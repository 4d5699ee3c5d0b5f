"""Steps in parallel on this machine, each attempt in a worker process.

Worker processes come from a forkserver, so they start clean (no copies of the
driver's threads or database connections) yet fast. Each worker holds a pipe to the
driver and runs the attempts sent down it, one at a time, until the driver hangs up.

The driver's loop is the only scheduler: it decides what runs (resources, retries,
fail_fast) and this executor only moves attempts to workers and answers back,
waiting on the workers' pipes in the driver's own thread. A pool with threads of its
own would contend with the driver for the interpreter on every step; here nothing
runs in the driver's process but the driver. Workers start as they are first needed
(a chain of steps uses one, which imports the steps' libraries once), a step past its
timeout has its worker killed, and a worker that dies fails its step and is replaced
when next needed.

A worker may also hold one attempt queued behind the one it runs (`queue_behind`):
it starts the moment the first one answers, so a worker running short steps is not
left idle while the driver records the last one and picks the next.

Unlike plain multiprocessing, workers do not re-import the script that started the
pipeline: step functions travel by value (cloudpickle), so the script needs no
``if __name__ == "__main__":`` guard and its top-level code runs once.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Sequence
from multiprocessing import connection as mp_connection
from multiprocessing import context as mp_context
from multiprocessing import spawn
from typing import TYPE_CHECKING, Any

from runwright.pipelines.executors.base import QueuingExecutor
from runwright.pipelines.resources import Resources
from runwright.pipelines.task import SpecPickler, TaskResult, TaskSpec, execute_pickled

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from runwright.tracking.client import Client

__all__ = ["LocalExecutor", "machine_memory"]

#: How long a worker asked to stop may take before it is killed.
_STOP_SECONDS = 5.0

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


def machine_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def serve(connection: Connection) -> None:
    """A worker's life: run each attempt the driver sends, answer, until it hangs up.

    The answer is a `TaskResult`, or a message when the attempt could not even be
    unpacked here (a module the step needs is missing, say). Ctrl-C is the driver's
    to handle: it stops the workers it no longer wants.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            blob = connection.recv_bytes()
        except (EOFError, OSError):
            return
        answer: TaskResult | str
        try:
            answer = execute_pickled(blob)
        except Exception as exc:
            answer = f"{type(exc).__name__}: {exc}"
        try:
            connection.send_bytes(pickle.dumps(answer))
        except (BrokenPipeError, OSError):
            return


_Attempt = tuple[TaskSpec, bytes]


def _deadline(spec: TaskSpec | None) -> float | None:
    return None if spec is None or spec.timeout is None else time.monotonic() + spec.timeout


class _Worker:
    """One worker process, its end of the pipe, the attempt it is running and the one
    queued behind it (already sent: the worker reads it as soon as it answers)."""

    __slots__ = ("connection", "deadline", "next", "process", "spec")

    def __init__(self, context: mp_context.ForkServerContext) -> None:
        ours, theirs = context.Pipe(duplex=True)
        # Not daemonic: a step may start processes of its own (a DataLoader, joblib).
        self.process = _WorkerProcess(target=serve, args=(theirs,))
        self.process.start()
        theirs.close()  # so that the worker's death reads as end-of-file here
        self.connection = ours
        self.spec: TaskSpec | None = None
        self.next: _Attempt | None = None
        self.deadline: float | None = None

    def begin(self, spec: TaskSpec, blob: bytes) -> None:
        self.connection.send_bytes(blob)
        self.spec, self.deadline = spec, _deadline(spec)

    def enqueue(self, attempt: _Attempt) -> None:
        self.connection.send_bytes(attempt[1])
        self.next = attempt

    def answer(self) -> TaskResult | str:
        """The running attempt's answer; the queued one (if any) is now running."""
        answer: TaskResult | str = pickle.loads(self.connection.recv_bytes())
        self.spec = self.next[0] if self.next is not None else None
        self.next, self.deadline = None, _deadline(self.spec)
        return answer

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()

    def exit_code(self) -> int | None:
        self.process.join(_STOP_SECONDS)
        return self.process.exitcode

    def stop(self) -> None:
        """Hang up: the worker sees end-of-file and exits."""
        self.connection.close()


def _failed(spec: TaskSpec, error: str, *, timed_out: bool = False) -> TaskResult:
    return TaskResult(
        spec.node_id, spec.run.run_id, spec.attempt, ok=False, error=error, timed_out=timed_out
    )


def _died(worker: _Worker, spec: TaskSpec) -> TaskResult:
    code = worker.exit_code()
    worker.kill()
    return _failed(spec, f"the worker process died (exit code {code}) running the step")


class LocalExecutor(QueuingExecutor):
    name = "local"

    def __init__(self, *, max_workers: int | None = None) -> None:
        self._cpus = max(1, max_workers or os.cpu_count() or 1)
        self._preload: Sequence[str] = ()
        self._context: mp_context.ForkServerContext | None = None
        self._idle: list[_Worker] = []
        self._busy: dict[Connection, _Worker] = {}
        #: Attempts waiting for a worker, and whether each is one queued behind
        #: another, whose start the driver must hear of.
        self._queued: deque[tuple[TaskSpec, bytes, bool]] = deque()
        self._answered: list[TaskResult] = []
        self._started: list[tuple[str, int]] = []
        self._pickler = SpecPickler()

    def prepare(self, modules: Sequence[str]) -> None:
        self._preload = modules

    def start(self, client: Client) -> None:
        """Nothing yet: workers start with the first step that must run, so a rerun
        served wholly from the cache never waits for a forkserver to come up."""

    def capacity(self) -> Resources:
        return Resources(cpus=float(self._cpus), memory=machine_memory() or None)

    # -- attempts --------------------------------------------------------------------

    def submit(self, spec: TaskSpec, resources: Resources) -> None:
        blob = self._dumps(spec)
        if blob is not None:
            self._queued.append((spec, blob, False))
            self._assign()

    def queue_behind(self, spec: TaskSpec, resources: Resources, *, leader: str) -> None:
        blob = self._dumps(spec)
        if blob is None:
            return
        for worker in self._busy.values():
            if worker.next is None and worker.spec is not None and worker.spec.node_id == leader:
                try:
                    worker.enqueue((spec, blob))
                    return
                except OSError:  # the worker died: its answer says so when collected
                    break
        self._queued.appendleft((spec, blob, True))
        self._assign()

    def take_started(self) -> list[tuple[str, int]]:
        started, self._started = self._started, []
        return started

    def _dumps(self, spec: TaskSpec) -> bytes | None:
        try:
            return self._pickler.dumps(spec)
        except Exception as exc:  # e.g. an argument that cannot be sent to a worker
            self._answered.append(_failed(spec, f"{type(exc).__name__}: {exc}"))
            return None

    def wait(self, timeout: float | None) -> list[TaskResult]:
        if not self._answered and self._busy:
            ready = set(mp_connection.wait(list(self._busy), timeout=self._until_deadline(timeout)))
            for connection in [c for c in self._busy if c in ready]:
                self._collect(self._busy.pop(connection))
            self._expire_overdue()
            self._assign()
        answered, self._answered = self._answered, []
        return answered

    def _until_deadline(self, timeout: float | None) -> float | None:
        deadlines = [w.deadline for w in self._busy.values() if w.deadline is not None]
        if not deadlines:
            return timeout
        left = max(0.0, min(deadlines) - time.monotonic())
        return left if timeout is None else min(timeout, left)

    def _collect(self, worker: _Worker) -> None:
        spec = worker.spec
        assert spec is not None
        try:
            answer = worker.answer()
        except (EOFError, OSError):
            self._requeue_next(worker)
            self._answered.append(_died(worker, spec))
            return
        if worker.spec is None:
            self._idle.append(worker)
        else:
            self._busy[worker.connection] = worker
            self._started.append((worker.spec.node_id, worker.spec.attempt))
        if isinstance(answer, str):
            answer = _failed(spec, answer)
        self._answered.append(answer)

    def _requeue_next(self, worker: _Worker) -> None:
        """The attempt queued on a worker that is gone starts on another, first."""
        if worker.next is not None:
            self._queued.appendleft((*worker.next, True))
            worker.next = None

    def _expire_overdue(self) -> None:
        now = time.monotonic()
        for connection, worker in list(self._busy.items()):
            if worker.deadline is not None and worker.deadline <= now:
                spec = worker.spec
                assert spec is not None
                del self._busy[connection]
                worker.kill()
                self._requeue_next(worker)
                self._answered.append(
                    _failed(
                        spec,
                        f"the step ran longer than its timeout of {spec.timeout:g} s; "
                        "its worker process was killed",
                        timed_out=True,
                    )
                )

    def _assign(self) -> None:
        while self._queued and (self._idle or len(self._busy) < self._cpus):
            spec, blob, queued_behind = self._queued.popleft()
            worker = self._idle.pop() if self._idle else self._launch()
            try:
                worker.begin(spec, blob)
            except OSError:  # it died while idle: a fresh one takes over
                worker.kill()
                worker = self._launch()
                try:
                    worker.begin(spec, blob)
                except OSError:
                    self._answered.append(_died(worker, spec))
                    continue
            self._busy[worker.connection] = worker
            if queued_behind:
                self._started.append((spec.node_id, spec.attempt))

    def _launch(self) -> _Worker:
        if self._context is None:
            context = mp_context.ForkServerContext()
            # Imported once in the forkserver, so every worker forked from it has them:
            # what running a step needs, and the modules defining the steps (an import
            # that fails there is skipped, and happens again in the worker).
            context.set_forkserver_preload([__name__, "runwright.tracking.fluent", *self._preload])
            self._context = context
        return _Worker(self._context)

    def cancel_running(self) -> list[TaskResult]:
        cancelled = [_failed(spec, "cancelled") for spec, _blob, _behind in self._queued]
        self._queued.clear()
        for worker in self._busy.values():
            assert worker.spec is not None
            cancelled.append(_failed(worker.spec, "cancelled"))
            if worker.next is not None:
                cancelled.append(_failed(worker.next[0], "cancelled"))
            worker.kill()
        self._busy.clear()
        return cancelled

    def close(self) -> None:
        self.cancel_running()
        self._answered = []
        idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
        for worker in idle:
            if worker.exit_code() is None:
                worker.kill()
