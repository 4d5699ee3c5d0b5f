"""What a training process leaves behind when it exits, crashes or is killed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import runwright as rw
from runwright.entities import RunStatus


def _run_script(body: str, home: Path, **kwargs):  # type: ignore[no-untyped-def]
    script = "import runwright as rw\n" + textwrap.dedent(body)
    env = {**os.environ, "RUNWRIGHT_TRACKING_URI": str(home)}
    return subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )


def _only_run(home: Path) -> rw.Run:
    client = rw.Client(str(home))
    (run,) = client.search_runs(["0"])
    client.close()
    return run


def test_values_logged_before_a_normal_exit_are_all_stored(tmp_path: Path) -> None:
    home = tmp_path / "rw"
    result = _run_script(
        """
        rw.start_run()
        for step in range(50_000):
            rw.log_metric("loss", step * 0.5, step=step)
        """,
        home,
    )
    assert result.returncode == 0, result.stderr
    run = _only_run(home)
    assert run.info.status is RunStatus.FINISHED
    history = rw.Client(str(home)).get_metric_history(run.run_id, "loss")
    assert [m.step for m in history] == list(range(50_000))


def test_an_uncaught_exception_ends_the_run_failed(tmp_path: Path) -> None:
    home = tmp_path / "rw"
    result = _run_script(
        """
        rw.start_run()
        rw.log_metric("m", 1.0)
        raise RuntimeError("boom")
        """,
        home,
    )
    assert result.returncode == 1 and "boom" in result.stderr
    run = _only_run(home)
    assert (run.info.status, run.data.metrics) == (RunStatus.FAILED, {"m": 1.0})


def test_sys_exit_zero_inside_with_finishes_the_run(tmp_path: Path) -> None:
    home = tmp_path / "rw"
    result = _run_script(
        """
        import sys
        with rw.start_run():
            sys.exit(0)
        """,
        home,
    )
    assert result.returncode == 0, result.stderr
    assert _only_run(home).info.status is RunStatus.FINISHED


def test_a_killed_process_leaves_a_consistent_store_and_a_stale_run(tmp_path: Path) -> None:
    home = tmp_path / "rw"
    env = {
        **os.environ,
        "RUNWRIGHT_TRACKING_URI": str(home),
        "RUNWRIGHT_HEARTBEAT_INTERVAL": "0.2",
    }
    script = textwrap.dedent(
        """
        import sys, runwright as rw
        rw.start_run()
        step = 0
        while True:
            rw.log_metric("loss", 1.0, step=step)
            step += 1
            if step % 20_000 == 0:
                rw.flush()
                print(step, flush=True)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    acknowledged = 0
    for _ in range(3):
        acknowledged = int(process.stdout.readline())
    process.send_signal(signal.SIGKILL)
    process.wait()

    with sqlite3.connect(home / "runwright.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    run = _only_run(home)
    assert run.info.status is RunStatus.RUNNING
    history = rw.Client(str(home)).get_metric_history(run.run_id, "loss")
    assert len(history) >= acknowledged
    time.sleep(1.0)
    now = int(time.time() * 1000)
    assert rw.Client(str(home)).get_run(run.run_id).info.is_stale(now_ms=now, threshold_ms=500)


@pytest.mark.parametrize("threads", [4])
def test_each_thread_logs_to_its_own_run(threads: int) -> None:
    import threading

    run_ids: list[str] = []

    def work(index: int) -> None:
        with rw.start_run() as run:
            run_ids.append(run.run_id)
            for step in range(1_000):
                rw.log_metric("worker", float(index), step=step)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    client = rw.Client()
    values = sorted(client.get_run(r).data.metrics["worker"] for r in run_ids)
    assert values == [float(i) for i in range(threads)]
    assert all(len(client.get_metric_history(r, "worker")) == 1_000 for r in run_ids)
