"""Same results on every executor; lineage walked both ways."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import runwright as rw
from runwright.pipelines.result import StepState
from tests.integration.pipelines import defs


def test_inline_and_local_give_identical_outputs_and_hashes(journal: str) -> None:
    inline = defs.training.run(journal=journal, executor="inline", cache=False)
    local = defs.training.run(journal=journal, executor="local", cache=False)
    assert local.status == inline.status == "FINISHED"
    assert local.output == inline.output
    for node_id, step in inline.steps.items():
        assert {n: r.content_hash for n, r in step.outputs.items()} == {
            n: r.content_hash for n, r in local.steps[node_id].outputs.items()
        }


def test_steps_logging_in_worker_processes_reach_their_runs(journal: str) -> None:
    result = defs.training.run(journal=journal, executor="local")
    run = rw.get_run(result.steps["train[1]"].run_id)
    assert run.data.metrics["train_score"] == 5.0
    assert rw.get_run(result.run_id).data.tags["runwright.pipeline.executor"] == "local"


def test_an_unknown_executor_is_refused_before_any_run(journal: str) -> None:
    with pytest.raises(rw.InvalidArgumentError, match="unknown executor 'threads'"):
        defs.training.run(journal=journal, executor="threads")
    assert rw.search_runs(output_format="list") == []


def test_lineage_of_a_step_run_walks_up_and_down(journal: str) -> None:
    result = defs.training.run(journal=journal, executor="inline")
    lineage = rw.pipelines.lineage(result.steps["train[0]"].run_id)
    assert lineage.upstream_runs == [result.steps["load"].run_id]
    assert lineage.downstream_runs == [result.steps["pick"].run_id]
    whole = rw.pipelines.lineage(result.steps["load"].run_id)
    assert set(whole.downstream_runs) == {
        result.steps[n].run_id for n in ("train[0]", "train[1]", "train[2]", "pick")
    }
    assert (
        rw.pipelines.lineage(result.steps["pick"].run_id).upstream_runs[-1]
        == result.steps["load"].run_id
    )


def test_lineage_of_an_artifact_names_its_producer_and_consumers(journal: str) -> None:
    result = defs.training.run(journal=journal, executor="inline")
    data = result.steps["load"].outputs["output"]
    lineage = rw.pipelines.lineage(data)
    assert lineage.upstream == ()
    consumers = {
        e.consumer_run_id for e in lineage.downstream if e.producer_run_id == data.producer_run_id
    }
    assert consumers == {result.steps[f"train[{i}]"].run_id for i in range(3)}
    assert {e.arg for e in lineage.downstream if e.producer_run_id == data.producer_run_id} == {
        "data"
    }


def test_lineage_follows_cached_outputs_to_the_run_that_computed_them(journal: str) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    second = defs.training.run(journal=journal, executor="inline")
    assert second.steps["load"].state is StepState.CACHED
    produced = second.steps["load"].outputs["output"]
    assert produced.producer_run_id == first.steps["load"].run_id
    readers = rw.pipelines.lineage(produced).downstream_runs
    assert second.steps["train[0]"].run_id in readers
    assert first.steps["train[0]"].run_id in readers


def test_lineage_of_a_run_that_is_not_a_step_is_a_clear_error() -> None:
    with rw.start_run() as run:
        pass
    with pytest.raises(rw.NotFoundError, match="not a pipeline step run"):
        rw.pipelines.lineage(run.run_id)


RERUN = """
import os, sys
sys.path.insert(0, {root!r})
from tests.integration.pipelines import defs
result = defs.training.run(journal={journal!r}, executor="local", tracking_uri={store!r})
def parent(pid):
    return open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[1]
children = [pid for pid in os.listdir("/proc") if pid.isdigit() and parent(pid) == str(os.getpid())]
print(result.status, sorted({{step.state.value for step in result.steps.values()}}), len(children))
"""


def test_a_rerun_served_from_the_cache_starts_no_worker_processes(
    journal: str, tmp_path: Path
) -> None:
    store = str(tmp_path / "store")
    first = defs.training.run(journal=journal, executor="local", tracking_uri=store)
    assert first.status == "FINISHED"
    script = tmp_path / "rerun.py"
    root = str(Path(__file__).resolve().parents[3])
    script.write_text(RERUN.format(root=root, journal=journal, store=store))
    printed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    # No forkserver (it would stay a child of the driver until it exits) and no workers.
    assert printed.split() == ["FINISHED", "['cached']", "0"]
