"""Outputs whose files are gone (deleted by hand, or lost with the machine's power) are
computed again, by a cached rerun and by `resume`, instead of being handed on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import runwright as rw
from runwright.pipelines import load_output, resume
from runwright.pipelines.outputs import local_path_of
from runwright.pipelines.result import PipelineResult, StepState
from tests.integration.pipelines import defs


def _output_file(result: PipelineResult, node_id: str) -> Path:
    """Where a step's output is on disk (it must be there)."""
    path = local_path_of(result.steps[node_id].outputs["output"].uri)
    assert path is not None and path.is_file()
    return path


def _states(result: PipelineResult) -> dict[str, StepState]:
    return {node_id: step.state for node_id, step in result.steps.items()}


# -- a rerun that would be served from the cache -----------------------------------------


def test_a_deleted_output_is_computed_again_and_the_rest_stays_cached(journal: str) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    _output_file(first, "train[1]").unlink()

    second = defs.training.run(journal=journal, executor="inline")
    assert _states(second) == {
        "load": StepState.CACHED,
        "train[0]": StepState.CACHED,
        "train[1]": StepState.DONE,
        "train[2]": StepState.CACHED,
        "pick": StepState.CACHED,  # its input came out the same
    }
    assert defs.executions(journal)[5:] == ["train:1.0"]
    assert second.output == first.output


def test_a_recomputed_step_says_why_it_missed(journal: str) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    _output_file(first, "load").unlink()
    second = defs.training.run(journal=journal, executor="inline")
    assert second.steps["load"].cache_reason == (
        f"the outputs of the matching run {first.steps['load'].run_id} are no longer available"
    )


def test_a_truncated_output_is_computed_again(journal: str) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    path = _output_file(first, "load")
    path.write_bytes(path.read_bytes()[:3])

    second = defs.training.run(journal=journal, executor="inline")
    assert second.steps["load"].state is StepState.DONE
    assert {s.state for n, s in second.steps.items() if n != "load"} == {StepState.CACHED}
    assert defs.executions(journal)[5:] == ["load"]
    assert second.output == first.output
    assert _output_file(second, "load").read_bytes() != path.read_bytes()


def test_a_missing_final_output_is_computed_again_and_the_output_is_right(journal: str) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    _output_file(first, "pick").unlink()
    second = defs.training.run(journal=journal, executor="inline")
    assert second.steps["pick"].state is StepState.DONE
    assert second.output == {"best": 200.0, "count": 3.0}


def test_the_recomputed_output_serves_the_next_rerun_from_the_cache(journal: str) -> None:
    first = defs.training.run(journal=journal, executor="inline")
    _output_file(first, "train[1]").unlink()
    second = defs.training.run(journal=journal, executor="inline")
    third = defs.training.run(journal=journal, executor="inline")
    assert {s.state for s in third.steps.values()} == {StepState.CACHED}
    assert third.steps["train[1]"].cached_from == second.steps["train[1]"].run_id
    assert len(defs.executions(journal)) == 6


@rw.step
def count(journal: str) -> int:
    """Answers differently each time it runs: how many steps have run so far."""
    defs.note(journal, "count")
    return len(defs.executions(journal))


@rw.step
def double(journal: str, value: int) -> int:
    defs.note(journal, "double")
    return value * 2


@rw.step
def other(journal: str) -> str:
    defs.note(journal, "other")
    return "unchanged"


@rw.pipeline
def counting(journal: str) -> Any:
    return double(journal, count(journal)), other(journal)


def test_only_steps_whose_inputs_changed_run_after_a_recomputed_output(journal: str) -> None:
    first = counting.run(journal=journal, executor="inline")
    assert first.output == (2, "unchanged")
    _output_file(first, "count").unlink()

    second = counting.run(journal=journal, executor="inline")
    assert _states(second) == {
        "count": StepState.DONE,
        "double": StepState.DONE,  # its input came out different
        "other": StepState.CACHED,
    }
    assert second.steps["double"].cache_reason == "input changed: value"
    assert second.output == (8, "unchanged")


# -- resume ------------------------------------------------------------------------------


@rw.step
def guarded(journal: str, data: list[int], block_file: str) -> int:
    """Fails while ``block_file`` exists: a failure the test can lift before resuming."""
    defs.note(journal, "guarded")
    if Path(block_file).exists():
        raise RuntimeError("blocked")
    return sum(data)


@rw.pipeline
def blocked(journal: str, block_file: str) -> Any:
    data = defs.load(journal, 4)
    return guarded(journal, data, block_file)


@rw.pipeline
def counting_then_blocked(journal: str, block_file: str) -> Any:
    counted = count(journal)
    return double(journal, counted), guarded(journal, [counted], block_file)


def _failed_run(journal: str, tmp_path: Path) -> tuple[PipelineResult, Path]:
    block = tmp_path / "block"
    block.touch()
    failed = blocked.run(journal=journal, block_file=str(block), executor="inline")
    assert failed.status == "FAILED"
    assert failed.steps["load"].state is StepState.DONE
    return failed, block


def test_resume_reruns_a_finished_step_whose_output_was_deleted(
    journal: str, tmp_path: Path
) -> None:
    failed, block = _failed_run(journal, tmp_path)
    block.unlink()
    _output_file(failed, "load").unlink()

    resumed = resume(failed.run_id)
    assert resumed.status == "FINISHED"
    assert resumed.output == 6
    assert defs.executions(journal) == ["load", "guarded", "load", "guarded"]
    assert resumed.steps["load"].state is StepState.DONE
    assert resumed.steps["load"].run_id != failed.steps["load"].run_id
    assert load_output(resumed.steps["load"].outputs["output"]) == [0, 1, 2, 3]


def test_a_step_resume_recomputes_says_its_output_was_lost(journal: str, tmp_path: Path) -> None:
    failed, block = _failed_run(journal, tmp_path)
    block.unlink()
    _output_file(failed, "load").unlink()

    resumed = resume(failed.run_id)
    assert resumed.steps["load"].cache_reason == (
        f"the outputs of the matching run {failed.steps['load'].run_id} are no longer available"
    )


def test_resume_reruns_a_finished_step_whose_output_was_truncated(
    journal: str, tmp_path: Path
) -> None:
    failed, block = _failed_run(journal, tmp_path)
    block.unlink()
    _output_file(failed, "load").write_bytes(b"[")

    resumed = resume(failed.run_id)
    assert resumed.output == 6
    assert defs.executions(journal).count("load") == 2


def test_resume_keeps_a_finished_step_whose_output_is_intact(journal: str, tmp_path: Path) -> None:
    failed, block = _failed_run(journal, tmp_path)
    block.unlink()
    resumed = resume(failed.run_id)
    assert resumed.output == 6
    assert resumed.steps["load"].run_id == failed.steps["load"].run_id
    assert defs.executions(journal) == ["load", "guarded", "guarded"]


def test_resume_reruns_what_depends_on_a_recomputed_step_whose_output_changed(
    journal: str, tmp_path: Path
) -> None:
    block = tmp_path / "block"
    block.touch()
    failed = counting_then_blocked.run(journal=journal, block_file=str(block), executor="inline")
    assert failed.steps["double"].state is StepState.DONE  # from count's first answer, 1
    block.unlink()
    _output_file(failed, "count").unlink()

    resumed = resume(failed.run_id)
    doubled, counted = resumed.output
    assert doubled == 2 * counted  # both from the same answer of `count`


def test_resuming_a_finished_run_recomputes_an_output_that_is_gone(
    journal: str,
) -> None:
    done = defs.training.run(journal=journal, executor="inline")
    expected = done.output
    _output_file(done, "pick").unlink()
    again = resume(done.run_id)
    assert again.status == "FINISHED"
    assert {step.state.finished for step in again.steps.values()} == {True}
    assert again.output == expected
    assert defs.executions(journal)[5:] == ["pick"]
