"""The cache: hits skip work, and every miss says why."""

from __future__ import annotations

import textwrap
from pathlib import Path

import runwright as rw
from runwright.pipelines.result import StepState
from runwright.pipelines.session import pipeline_store
from runwright.tracking.client import Client
from tests.integration.pipelines import defs


def test_an_unchanged_rerun_is_served_from_the_cache(journal: str) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    second = defs.training.run(journal=journal, executor="inline")
    assert {s.state for s in second.steps.values()} == {StepState.CACHED}
    assert second.output == first.output
    assert len(defs.executions(journal)) == 5  # nothing ran the second time
    assert second.steps["load"].cached_from == first.steps["load"].run_id
    assert second.steps["load"].outputs == first.steps["load"].outputs


def test_a_cached_step_is_a_finished_run_pointing_at_the_earlier_one(journal: str) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    second = defs.training.run(journal=journal, executor="inline")
    run = Client().get_run(second.steps["pick"].run_id)
    assert run.info.status.value == "FINISHED"
    assert run.data.tags["runwright.cache.status"] == "hit"
    assert first.steps["pick"].run_id in run.data.tags["runwright.cache.reason"]


def test_a_parameter_change_misses_only_downstream_of_it(journal: str) -> None:
    defs.training.run(journal=journal, executor="inline")
    changed = defs.training.run(journal=journal, cs=[0.1, 1.0, 5.0], executor="inline")
    states = {node: s.state for node, s in changed.steps.items()}
    assert states == {
        "load": StepState.CACHED,
        "train[0]": StepState.CACHED,
        "train[1]": StepState.CACHED,
        "train[2]": StepState.DONE,
        "pick": StepState.DONE,
    }
    assert changed.steps["train[2]"].cache_reason == "parameter changed: c"
    assert changed.steps["pick"].cache_reason == "input changed: scores"


def test_an_input_change_is_named(journal: str) -> None:
    defs.training.run(journal=journal, executor="inline")
    changed = defs.training.run(journal=journal, n=6, executor="inline")
    assert changed.steps["load"].cache_reason == "parameter changed: n"
    assert changed.steps["train[0]"].cache_reason == "input changed: data"


def test_cache_false_runs_everything_and_says_so(journal: str) -> None:
    defs.training.run(journal=journal, executor="inline")
    again = defs.training.run(journal=journal, executor="inline", cache=False)
    assert {s.state for s in again.steps.values()} == {StepState.DONE}
    assert again.steps["load"].cache_reason == "caching is off for this run"
    assert len(defs.executions(journal)) == 10


def test_a_step_with_cache_off_always_runs(journal: str) -> None:
    @rw.step(cache=False)
    def uncached(journal: str) -> int:
        defs.note(journal, "uncached")
        return 1

    @rw.pipeline
    def always():
        return uncached(journal)

    always.run(executor="inline")
    again = always.run(executor="inline")
    assert again.steps["uncached"].state is StepState.DONE
    assert again.steps["uncached"].cache_reason == "caching is off for this step"
    assert defs.executions(journal) == ["uncached", "uncached"]


PIPELINE_FILE = """
import runwright as rw

def helper(x):
    return x + {increment}

@rw.step
def compute(x: int) -> int:
    return helper(x)

@rw.step
def report(value: int) -> str:
    return "value=%d" % value

@rw.pipeline
def edited(x: int = 1):
    return report(compute(x))
"""


def _write(path: Path, increment: int) -> str:
    path.write_text(textwrap.dedent(PIPELINE_FILE.format(increment=increment)))
    return f"{path}:edited"


def test_a_code_change_in_a_called_function_misses_and_names_it(tmp_path: Path) -> None:
    first = rw.pipelines.load_pipeline(_write(tmp_path / "v1.py", 1)).run(executor="inline")
    same = rw.pipelines.load_pipeline(_write(tmp_path / "v1_copy.py", 1)).run(executor="inline")
    edited = rw.pipelines.load_pipeline(_write(tmp_path / "v2.py", 2)).run(executor="inline")
    assert first.output == "value=2"
    assert same.steps["compute"].state is StepState.CACHED
    assert edited.steps["compute"].state is StepState.DONE
    assert edited.steps["compute"].cache_reason == "code changed: helper"
    assert edited.steps["report"].cache_reason == "input changed: value"
    assert edited.output == "value=3"


def test_an_explicit_version_replaces_the_code_hash(journal: str) -> None:
    def build(version: str) -> rw.pipelines.Pipeline:
        @rw.step(version=version)
        def versioned(journal: str) -> int:
            defs.note(journal, "versioned")
            return 1

        @rw.pipeline
        def by_version():
            return versioned(journal)

        return by_version

    build("1").run(executor="inline")
    assert build("1").run(executor="inline").steps["versioned"].state is StepState.CACHED
    bumped = build("2").run(executor="inline")
    assert bumped.steps["versioned"].cache_reason == "code changed: version"


def test_the_cache_is_shared_through_the_store(journal: str, tmp_path: Path) -> None:
    store = str(tmp_path / "shared-store")
    first = defs.training.run(journal=journal, executor="inline", tracking_uri=store)
    second = defs.training.run(journal=journal, executor="local", tracking_uri=store)
    assert {s.state for s in second.steps.values()} == {StepState.CACHED}
    assert second.output == first.output


def test_a_deleted_source_run_is_no_longer_a_cache_entry(journal: str) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    client = Client()
    client.delete_run(first.steps["load"].run_id)
    again = defs.training.run(journal=journal, executor="inline")
    assert again.steps["load"].state is StepState.DONE
    record = pipeline_store(client).get_step(run_id=again.steps["load"].run_id)
    assert record.cache_reason.startswith("no earlier run") or "no longer" in record.cache_reason
