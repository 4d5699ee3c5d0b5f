"""Run ids: 32 lowercase hex digits like MLflow's, led by the time they were made."""

from __future__ import annotations

import re
import time

import pytest

from runwright import _host
from runwright._host import new_run_id, now_ms

RUN_ID = re.compile(r"[0-9a-f]{32}")


def test_a_run_id_is_32_lowercase_hex_digits() -> None:
    assert RUN_ID.fullmatch(new_run_id())


def test_run_ids_are_unique() -> None:
    ids = [new_run_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)


def test_a_run_id_starts_with_its_creation_time_in_ms() -> None:
    before = now_ms()
    run_id = new_run_id()
    after = now_ms()
    assert before <= int(run_id[:12], 16) <= after


def test_run_ids_made_a_few_ms_apart_sort_in_creation_order() -> None:
    made = []
    for _ in range(10):
        made.append(new_run_id())
        time.sleep(0.003)
    assert sorted(made) == made


@pytest.mark.parametrize(
    "times",
    [
        [15, 16],  # one hex digit to two: needs the zero padding
        [0xFFF, 0x1000],
        [1, 1_000, 10**9, now_ms(), 2**48 - 1],
    ],
)
def test_run_ids_sort_by_time_as_text(monkeypatch: pytest.MonkeyPatch, times: list[int]) -> None:
    clock = iter(times)
    monkeypatch.setattr(_host, "now_ms", lambda: next(clock))
    made = [new_run_id() for _ in times]
    assert sorted(made) == made
    assert [int(run_id[:12], 16) for run_id in made] == times
