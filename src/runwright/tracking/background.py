"""The background writer that keeps `log_metric` off the database's critical path.

Callers append to an in-memory queue (a deque: no lock on the hot path); one daemon
thread writes the queue in batches, and sends heartbeats for the runs it watches.
The queue is bounded: when it is full, callers wait for room rather than lose values.
A failed write is kept and raised on the caller's next call, at `flush()` or at the
end of the run, so no value disappears silently.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from operator import itemgetter

from runwright._host import now_ms
from runwright.entities import Metric
from runwright.errors import LoggingFlushError, RunwrightError
from runwright.store.base import TrackingStore

__all__ = ["BackgroundWriter"]

_run_id_of = itemgetter(0)
_metric_of = itemgetter(1)


class BackgroundWriter:
    def __init__(
        self,
        store: Callable[[], TrackingStore],
        *,
        batch_size: int,
        queue_size: int,
        flush_interval: float,
        heartbeat_interval: float,
    ) -> None:
        self._store = store
        self._batch_size = batch_size
        self._queue_size = max(queue_size, batch_size)
        self._flush_interval = flush_interval
        self._heartbeat_interval = heartbeat_interval
        self._items: deque[tuple[str, Metric]] = deque()
        self._wake = threading.Event()
        self._room = threading.Event()
        # `taken` counts items the writer has popped, `done` those it has finished
        # (stored or failed); flush() waits for `done` to reach what was queued.
        self._progress = threading.Condition()
        self._taken = 0
        self._done = 0
        self._error: LoggingFlushError | None = None
        self._watched: set[str] = set()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # -- callers -------------------------------------------------------------------

    def add(self, run_id: str, metric: Metric) -> None:
        """Queue one metric value; costs well under a microsecond unless the queue is full."""
        if self._error is not None:
            self.raise_pending_error()
        items = self._items
        items.append((run_id, metric))
        if len(items) >= self._batch_size:
            self._wake.set()
            if len(items) >= self._queue_size:
                self._wait_for_room()
        if self._thread is None:
            self._start()

    def flush(self) -> None:
        """Return once everything queued before the call is stored; raise a pending error."""
        if self._items:
            thread = self._thread
            if thread is None or not thread.is_alive():
                self._write_queued()
            else:
                with self._progress:
                    target = self._taken + len(self._items)
                self._wake.set()
                with self._progress:
                    while self._done < target:
                        if not thread.is_alive():
                            break
                        self._progress.wait(0.5)
                if self._items and not thread.is_alive():
                    self._write_queued()
        self.raise_pending_error()

    @property
    def pending(self) -> int:
        return len(self._items)

    def raise_pending_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    def watch(self, run_id: str) -> None:
        """Send heartbeats for this run until `unwatch`."""
        self._watched.add(run_id)
        if self._thread is None:
            self._start()

    def unwatch(self, run_id: str) -> None:
        self._watched.discard(run_id)

    def close(self) -> None:
        """Flush and stop the thread; a pending error is raised."""
        try:
            self.flush()
        finally:
            self._closed = True
            self._wake.set()
            if self._thread is not None:
                self._thread.join(timeout=10)

    # -- the writer thread -----------------------------------------------------------

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._run, name="runwright-writer", daemon=True
                )
                self._thread.start()

    def _wait_for_room(self) -> None:
        while len(self._items) >= self._queue_size:
            self._room.clear()
            self._wake.set()
            self._room.wait(0.05)

    def _run(self) -> None:
        next_heartbeat = time.monotonic() + self._heartbeat_interval
        while not self._closed:
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            self._write_queued()
            if time.monotonic() >= next_heartbeat:
                self._send_heartbeats()
                next_heartbeat = time.monotonic() + self._heartbeat_interval
        self._write_queued()

    def _write_queued(self) -> None:
        items = self._items
        while items:
            with self._progress:
                count = min(len(items), self._batch_size)
                popleft = items.popleft
                batch = [popleft() for _ in range(count)]
                self._taken += count
            self._room.set()
            try:
                self._write(batch)
            finally:
                with self._progress:
                    self._done += count
                    self._progress.notify_all()

    def _write(self, batch: list[tuple[str, Metric]]) -> None:
        by_run: dict[str, list[Metric]] = {}
        for run_id, group in itertools.groupby(batch, key=_run_id_of):
            by_run.setdefault(run_id, []).extend(map(_metric_of, group))
        for run_id, metrics in by_run.items():
            try:
                self._store().log_batch(run_id=run_id, metrics=metrics)
            except Exception as exc:
                reason = exc.message if isinstance(exc, RunwrightError) else repr(exc)
                error = LoggingFlushError(
                    f"{len(metrics)} metric values for run {run_id} were not stored: {reason}"
                )
                error.__cause__ = exc
                self._error = error

    def _send_heartbeats(self) -> None:
        watched = list(self._watched)
        if not watched:
            return
        try:
            self._store().record_heartbeat(run_ids=watched, time=now_ms())
        except Exception:
            # A missed heartbeat only makes a live run look stale for a while; the next
            # one corrects it, so it is not worth failing the user's training over.
            return
