"""Resuming a pipeline run after a failure and after its driver was killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import runwright as rw
from runwright.pipelines.result import StepState
from runwright.pipelines.session import pipeline_store
from runwright.tracking.client import Client
from tests.integration.pipelines import defs


def test_resume_after_a_failure_reruns_only_what_did_not_finish(
    journal: str, tmp_path: Path
) -> None:
    hold = tmp_path / "hold"
    hold.write_text("")
    # A step that fails while the hold file exists; resume after removing it.
    failing = defs.retrying.run(journal=journal, fail_times=10, executor="inline")
    assert failing.status == "FAILED"
    before = len(defs.executions(journal))
    # Make the step succeed on its next attempt: it succeeds once the journal is long enough.
    with open(journal, "a") as stream:
        stream.write("x\n" * 10)
    resumed = rw.pipelines.resume(failing.run_id)
    assert resumed.run_id == failing.run_id
    assert resumed.status == "FINISHED"
    assert resumed.output == "ok"
    assert len(defs.executions(journal)) == before + 10 + 1
    assert Client().get_run(failing.run_id).info.status.value == "FINISHED"


def test_resume_keeps_finished_steps_and_their_outputs(journal: str) -> None:
    first = defs.failing.run(journal=journal, executor="inline")
    assert first.steps["explode"].state is StepState.FAILED
    resumed = rw.pipelines.resume(first.run_id)
    assert resumed.steps["load"].run_id == first.steps["load"].run_id
    assert resumed.steps["slow_branch"].run_id == first.steps["slow_branch"].run_id
    assert resumed.steps["explode"].state is StepState.FAILED  # still broken
    assert defs.executions(journal).count("load") == 1
    assert defs.executions(journal).count("explode") == 2


def test_resuming_a_finished_run_changes_nothing(journal: str) -> None:
    done = defs.training.run(journal=journal, executor="inline")
    again = rw.pipelines.resume(done.run_id)
    assert again.status == "FINISHED"
    assert again.output == done.output
    assert len(defs.executions(journal)) == 5


def test_resume_of_an_unknown_run_is_a_clear_error() -> None:
    with pytest.raises(rw.NotFoundError, match="no pipeline run"):
        rw.pipelines.resume("0" * 32)


DRIVER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from tests.integration.pipelines import defs
    defs.{pipeline}.run(journal={journal!r}, hold_file={hold!r}, executor={executor!r},
                   tracking_uri={store!r})
    """
)


def kill_driver_in_gate(tmp_path: Path, journal: str, pipeline: str, executor: str) -> str:
    """Run ``pipeline`` in a subprocess, SIGKILL it (and its workers) while its gate step
    runs, then open the gate; returns the tracking store."""
    store = str(tmp_path / "store")
    hold = str(tmp_path / "hold")
    Path(hold).touch()
    root = str(Path(__file__).resolve().parents[3])
    script = tmp_path / "driver.py"
    script.write_text(
        DRIVER.format(
            root=root, pipeline=pipeline, journal=journal, hold=hold, executor=executor, store=store
        )
    )
    process = subprocess.Popen([sys.executable, str(script)], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not Path(hold + ".started").exists():
            assert process.poll() is None, "the driver ended before the gate step started"
            assert time.monotonic() < deadline, "the gate step never started"
            time.sleep(0.05)
        [running] = pipeline_store(client := Client(store)).list_pipeline_runs()
        with pytest.raises(rw.InvalidStateError, match="still running"):
            rw.pipelines.resume(running.run_id, tracking_uri=store)
        client.close()
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the driver and any worker it started
        process.wait()
    os.remove(hold)
    return store


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["inline", "local"])
def test_resume_after_the_driver_is_killed(journal: str, tmp_path: Path, executor: str) -> None:
    store = kill_driver_in_gate(tmp_path, journal, "gated", executor)

    client = Client(store)
    store_ = pipeline_store(client)
    [record] = store_.list_pipeline_runs()
    assert record.status == "RUNNING"
    resumed = rw.pipelines.resume(record.run_id, tracking_uri=store, executor="inline")
    assert resumed.status == "FINISHED"
    assert resumed.output == {"best": 6.0, "count": 1.0}
    assert defs.executions(journal) == ["load", "gate", "gate", "pick"]
    gate_runs = [s for s in store_.list_steps(pipeline_run_id=record.run_id) if s.node_id == "gate"]
    assert [s.status for s in gate_runs] == ["KILLED", "FINISHED"]
    assert client.get_run(record.run_id).info.status.value == "FINISHED"
    client.close()


@pytest.mark.slow
def test_resume_after_the_driver_is_killed_inside_a_computed_map(
    journal: str, tmp_path: Path
) -> None:
    store = kill_driver_in_gate(tmp_path, journal, "gated_map", "inline")
    client = Client(store)
    [record] = pipeline_store(client).list_pipeline_runs()
    resumed = rw.pipelines.resume(record.run_id, tracking_uri=store)
    assert resumed.status == "FINISHED"
    assert resumed.output == {"best": 5.0, "count": 2.0}
    # The list was kept; the killed branch and the one after it ran, then the fan-in.
    assert defs.executions(journal) == ["chunked", "gate", "gate", "gate", "pick"]
    steps = pipeline_store(client).list_steps(pipeline_run_id=record.run_id)
    assert [(s.node_id, s.status) for s in steps if s.node_id.startswith("gate")] == [
        ("gate[0]", "KILLED"),
        ("gate[0]", "FINISHED"),
        ("gate[1]", "FINISHED"),
    ]
    client.close()


def test_resume_refuses_a_pipeline_whose_graph_changed(tmp_path: Path) -> None:
    source = tmp_path / "changing.py"
    source.write_text(
        textwrap.dedent(
            """
            import runwright as rw

            @rw.step
            def fail(x: int) -> int:
                raise RuntimeError("no")

            @rw.pipeline
            def changing(x: int = 1):
                return fail(x)
            """
        )
    )
    failed = rw.pipelines.load_pipeline(f"{source}:changing").run(executor="inline")
    source.write_text(source.read_text().replace("return fail(x)", "return fail(fail(x))"))
    import sys as _sys

    for name in [n for n in _sys.modules if n.startswith("runwright_user_changing")]:
        del _sys.modules[name]
    with pytest.raises(rw.InvalidArgumentError, match="different graph"):
        rw.pipelines.resume(failed.run_id)
