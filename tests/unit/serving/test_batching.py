"""The batcher merges what arrives together, returns each caller its own outcome, and
never makes a lone request wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from runwright.serving.batching import Batcher, Outcome


@dataclass
class Rows:
    values: list[int]

    @property
    def rows(self) -> int:
        return len(self.values)


class Recorder:
    def __init__(self, delay: float = 0.0) -> None:
        self.cycles: list[list[list[int]]] = []
        self.delay = delay

    def __call__(self, items: Sequence[Rows]) -> list[Outcome]:
        self.cycles.append([item.values for item in items])
        time.sleep(self.delay)
        return [
            Outcome(error=ValueError(f"bad {item.values}"))
            if -1 in item.values
            else Outcome(value=[v * 10 for v in item.values])
            for item in items
        ]


def _run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


def test_requests_queued_together_share_a_cycle_and_get_their_own_rows() -> None:
    recorder = Recorder(delay=0.05)

    async def scenario() -> list[object]:
        with ThreadPoolExecutor(1) as pool:
            batcher = Batcher(recorder, executor=pool, max_rows=100, max_wait=0.0)
            first = asyncio.ensure_future(batcher.submit(Rows([0])))
            await asyncio.sleep(0.01)  # the first cycle is running
            rest = [batcher.submit(Rows([i, i + 1])) for i in range(1, 20, 2)]
            answers = await asyncio.gather(first, *rest)
            await batcher.close()
            return answers

    answers = _run(scenario())

    assert answers[0] == [0]
    assert answers[1:] == [[i * 10, (i + 1) * 10] for i in range(1, 20, 2)]
    assert len(recorder.cycles) == 2
    assert len(recorder.cycles[1]) == 10


def test_an_error_reaches_only_the_request_that_caused_it() -> None:
    recorder = Recorder(delay=0.02)

    async def scenario() -> list[object]:
        with ThreadPoolExecutor(1) as pool:
            batcher = Batcher(recorder, executor=pool, max_rows=100, max_wait=0.0)
            calls = [batcher.submit(Rows([v])) for v in (1, -1, 3)]
            answers = await asyncio.gather(*calls, return_exceptions=True)
            await batcher.close()
            return answers

    good, bad, other = _run(scenario())

    assert good == [10] and other == [30]
    assert isinstance(bad, ValueError)


def test_a_cycle_takes_at_most_max_rows_but_a_large_request_goes_alone() -> None:
    recorder = Recorder(delay=0.02)

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as pool:
            batcher = Batcher(recorder, executor=pool, max_rows=4, max_wait=0.0)
            calls = [batcher.submit(Rows(list(range(n)))) for n in (3, 2, 9, 1, 1)]
            await asyncio.gather(*calls)
            await batcher.close()

    _run(scenario())

    sizes = [[len(v) for v in cycle] for cycle in recorder.cycles]
    assert sizes == [[3], [2], [9], [1, 1]]


def test_a_lone_request_does_not_wait_for_max_wait() -> None:
    recorder = Recorder()

    async def scenario() -> float:
        with ThreadPoolExecutor(1) as pool:
            batcher = Batcher(recorder, executor=pool, max_rows=100, max_wait=5.0)
            began = time.perf_counter()
            await batcher.submit(Rows([1]))
            took = time.perf_counter() - began
            await batcher.close()
            return took

    assert _run(scenario()) < 2.0


def test_a_cycle_waits_for_a_request_still_being_read() -> None:
    recorder = Recorder()

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as pool:
            batcher = Batcher(recorder, executor=pool, max_rows=100, max_wait=5.0)

            async def slow_reader() -> object:
                with batcher.arriving():
                    await asyncio.sleep(0.05)
                return await batcher.submit(Rows([2]))

            late = asyncio.ensure_future(slow_reader())
            await asyncio.sleep(0)
            assert await batcher.submit(Rows([1])) == [10]
            assert await late == [20]
            await batcher.close()

    _run(scenario())

    assert recorder.cycles == [[[1], [2]]]


@pytest.mark.parametrize("max_wait", [0.0, 0.01])
def test_closing_fails_what_is_still_queued(max_wait: float) -> None:
    async def scenario() -> None:
        with ThreadPoolExecutor(1) as pool:
            batcher = Batcher(Recorder(delay=0.2), executor=pool, max_rows=1, max_wait=max_wait)
            first = asyncio.ensure_future(batcher.submit(Rows([1])))
            second = asyncio.ensure_future(batcher.submit(Rows([2])))
            await asyncio.sleep(0.05)
            await batcher.close()
            with pytest.raises((RuntimeError, asyncio.CancelledError)):
                await second
            first.cancel()

    _run(scenario())
