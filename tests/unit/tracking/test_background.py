"""The background metric writer: nothing lost, failures surfaced, bounded memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from runwright import LoggingFlushError
from runwright.settings import Settings
from runwright.tracking.client import Client


def _client(home: Path, **overrides: object) -> Client:
    return Client(str(home), settings=Settings().with_overrides(**overrides))


def test_every_value_of_a_tight_loop_is_stored(tmp_path: Path) -> None:
    client = _client(tmp_path)
    run_id = client.create_run("0").run_id
    for step in range(100_000):
        client.log_metric(run_id, "loss" if step % 2 else "acc", float(step), step=step)
    client.flush()
    loss = client.get_metric_history(run_id, "loss")
    acc = client.get_metric_history(run_id, "acc")
    assert (len(loss), len(acc)) == (50_000, 50_000)
    assert sum(m.value for m in loss + acc) == sum(range(100_000))


def test_a_full_queue_makes_the_caller_wait_instead_of_dropping(tmp_path: Path) -> None:
    client = _client(tmp_path, log_queue_size=500, log_batch_size=100)
    run_id = client.create_run("0").run_id
    for step in range(20_000):
        client.log_metric(run_id, "m", 1.0, step=step)
    client.flush()
    assert len(client.get_metric_history(run_id, "m")) == 20_000


def test_values_for_several_runs_land_in_their_own_run(tmp_path: Path) -> None:
    client = _client(tmp_path)
    runs = [client.create_run("0").run_id for _ in range(3)]
    for step in range(3_000):
        client.log_metric(runs[step % 3], "m", float(step % 3), step=step)
    client.flush()
    assert [client.get_run(r).data.metrics["m"] for r in runs] == [0.0, 1.0, 2.0]
    assert [len(client.get_metric_history(r, "m")) for r in runs] == [1_000] * 3


def test_a_failed_write_is_raised_at_flush_and_names_what_was_lost(tmp_path: Path) -> None:
    client = _client(tmp_path)
    run_id = client.create_run("0").run_id
    other = _client(tmp_path)
    other.delete_run(run_id)
    for step in range(10):
        client.log_metric(run_id, "m", 1.0, step=step)
    with pytest.raises(LoggingFlushError, match="10 metric values"):
        client.flush()


def test_a_failed_write_is_raised_by_the_next_log_call(tmp_path: Path) -> None:
    client = _client(tmp_path, log_flush_interval=0.01)
    run_id = client.create_run("0").run_id
    _client(tmp_path).delete_run(run_id)
    client.log_metric(run_id, "m", 1.0)
    with pytest.raises(LoggingFlushError):
        for _ in range(1_000_000):  # the writer thread fails within its flush interval
            client.log_metric(run_id, "m", 1.0)


def test_a_failure_is_reported_once(tmp_path: Path) -> None:
    client = _client(tmp_path)
    run_id = client.create_run("0").run_id
    _client(tmp_path).delete_run(run_id)
    client.log_metric(run_id, "m", 1.0)
    with pytest.raises(LoggingFlushError):
        client.flush()
    client.flush()
