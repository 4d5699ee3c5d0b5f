"""Many processes writing to one SQLite file: no errors, nothing lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import runwright as rw
from runwright.entities import RunStatus

WORKER = textwrap.dedent(
    """
    import json, sys, time
    import runwright as rw

    worker, seconds = int(sys.argv[1]), float(sys.argv[2])
    rw.set_experiment("concurrent")
    deadline = time.monotonic() + seconds
    values = runs = 0
    while time.monotonic() < deadline:
        with rw.start_run(run_name=f"w{worker}-{runs}"):
            rw.log_params({"worker": worker, "run": runs})
            for step in range(2_000):
                rw.log_metric("loss", 1.0 / (step + 1), step=step)
            rw.set_tag("done", "yes")
        # leaving the block flushed and ended the run: these values are acknowledged
        values += 2_000
        runs += 1
    print(json.dumps({"values": values, "runs": runs}))
    """
)


@pytest.mark.slow
def test_eight_processes_for_twenty_seconds_lose_nothing(tmp_path: Path) -> None:
    home = tmp_path / "shared"
    env = {**os.environ, "RUNWRIGHT_TRACKING_URI": str(home)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(i), "20"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0 and err == "", err
        reports.append(json.loads(out))

    client = rw.Client(str(home))
    experiment = client.get_experiment_by_name("concurrent")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], max_results=50_000)
    assert len(runs) == sum(r["runs"] for r in reports)
    assert all(r.info.status is RunStatus.FINISHED for r in runs)
    assert all(r.data.tags.get("done") == "yes" for r in runs)
    stored = sum(len(client.get_metric_history(r.run_id, "loss")) for r in runs)
    assert stored == sum(r["values"] for r in reports)
