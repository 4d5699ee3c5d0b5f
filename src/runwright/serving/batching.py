"""Micro-batching: requests that arrive together are scored in one ``predict`` call.

A :class:`Batcher` queues decoded requests and runs one *cycle* at a time in a worker
thread (so the event loop never waits on ``predict``). A cycle takes every request
queued so far, up to ``max_rows`` rows (a larger request goes alone); while other
requests are still being read it waits up to ``max_wait`` seconds for them, and
otherwise not at all, so a lone client pays nothing. Requests that pile up while a
cycle runs make the next one: the busier the server, the larger the batches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["Batcher", "Outcome", "Sized"]


class Sized(Protocol):
    @property
    def rows(self) -> int: ...


ItemT = TypeVar("ItemT", bound=Sized)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one request of a cycle got: its predictions, or the error it alone caused."""

    value: Any = None
    error: BaseException | None = None


class Batcher(Generic[ItemT]):
    """Queues items and scores them in cycles with ``run`` (see the module docstring).

    ``run`` gets the items of one cycle, in arrival order, and returns one Outcome per
    item; it runs in ``executor``.
    """

    def __init__(
        self,
        run: Callable[[Sequence[ItemT]], Sequence[Outcome]],
        *,
        executor: Executor,
        max_rows: int,
        max_wait: float,
    ) -> None:
        self._run = run
        self._executor = executor
        self._max_rows = max_rows
        self._max_wait = max_wait
        self._queue: deque[tuple[ItemT, asyncio.Future[Any]]] = deque()
        self._arriving = 0
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    @contextmanager
    def arriving(self) -> Iterator[None]:
        """Marks a request that is being read and will be submitted: a cycle about to
        start waits (up to max_wait) for it instead of leaving without it."""
        self._arriving += 1
        try:
            yield
        finally:
            self._arriving -= 1
            if self._wakeup is not None:
                self._wakeup.set()

    async def submit(self, item: ItemT) -> Any:
        """The predictions for ``item``'s rows; raises the error it caused."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = loop.create_task(self._cycles(), name="runwright-batcher")
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append((item, future))
        assert self._wakeup is not None
        self._wakeup.set()
        return await future

    async def close(self) -> None:
        """Stops the cycles; requests still queued fail."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._queue:
            _, future = self._queue.popleft()
            if not future.done():
                future.set_exception(RuntimeError("the server is shutting down"))

    async def _cycles(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wakeup is not None
        wakeup = self._wakeup
        while True:
            if not self._queue:
                wakeup.clear()
                await wakeup.wait()
                continue
            batch = await self._collect(loop, wakeup)
            if not batch:
                continue
            items = [item for item, _ in batch]
            try:
                outcomes = await loop.run_in_executor(self._executor, self._run, items)
            except Exception as exc:
                outcomes = [Outcome(error=exc)] * len(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if outcome.error is not None:
                    future.set_exception(outcome.error)
                else:
                    future.set_result(outcome.value)

    async def _collect(
        self, loop: asyncio.AbstractEventLoop, wakeup: asyncio.Event
    ) -> list[tuple[ItemT, asyncio.Future[Any]]]:
        batch: list[tuple[ItemT, asyncio.Future[Any]]] = []
        rows = 0
        deadline: float | None = None
        while True:
            while self._queue:
                item, future = self._queue[0]
                if batch and rows + item.rows > self._max_rows:
                    return batch
                self._queue.popleft()
                if future.cancelled():
                    continue
                batch.append((item, future))
                rows += item.rows
            if rows >= self._max_rows or self._arriving <= 0 or self._max_wait <= 0:
                return batch
            if deadline is None:
                deadline = loop.time() + self._max_wait
            remaining = deadline - loop.time()
            if remaining <= 0:
                return batch
            wakeup.clear()
            try:
                await asyncio.wait_for(wakeup.wait(), remaining)
            except TimeoutError:
                return batch
