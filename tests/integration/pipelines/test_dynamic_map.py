"""`.map` over lists computed while the pipeline runs: branches made at run time."""

from __future__ import annotations

from pathlib import Path

import pytest

import runwright as rw
from runwright.pipelines.result import StepState
from runwright.pipelines.views import get_pipeline_run_view
from runwright.tracking.client import Client
from tests.integration.pipelines import defs

SQUARES_HALVED = [0.0, 50.0, 200.0]  # items 0, 10, 20 squared, then halved


@pytest.mark.parametrize("executor", ["inline", "local"])
def test_a_map_over_a_computed_list_makes_a_branch_per_item(journal: str, executor: str) -> None:
    result = defs.dynamic.run(journal=journal, n=3, executor=executor)
    assert result.status == "FINISHED"
    assert result.output == sum(SQUARES_HALVED)
    assert sorted(result.steps) == [
        "halve[0]",
        "halve[1]",
        "halve[2]",
        "make_items",
        "square[0]",
        "square[1]",
        "square[2]",
        "total",
    ]
    assert {s.state for s in result.steps.values()} == {StepState.DONE}
    ran = ["make_items", "square:0", "square:10", "square:20", "halve:0", "halve:100"]
    assert sorted(defs.executions(journal)) == sorted([*ran, "halve:400", "total"])
    branch = Client().get_run(result.steps["square[2]"].run_id)
    assert branch.info.run_name == "square[2]"
    assert branch.data.params["fail_on"] == "-1"


def test_the_executors_agree_on_a_computed_map(journal: str) -> None:
    inline = defs.dynamic.run(journal=journal, executor="inline", cache=False)
    local = defs.dynamic.run(journal=journal, executor="local", cache=False)
    assert inline.output == local.output
    for node_id, step in inline.steps.items():
        assert {n: r.content_hash for n, r in step.outputs.items()} == {
            n: r.content_hash for n, r in local.steps[node_id].outputs.items()
        }


def test_returning_a_computed_map_gives_the_list_of_its_results(journal: str) -> None:
    assert defs.dynamic_list.run(journal=journal, n=4, executor="inline").output == [
        0,
        100,
        400,
        900,
    ]


def test_an_empty_list_makes_no_branches_and_the_fan_in_gets_an_empty_list(journal: str) -> None:
    result = defs.dynamic.run(journal=journal, n=0, executor="inline")
    assert result.status == "FINISHED"
    assert result.output == 0
    assert sorted(result.steps) == ["make_items", "total"]


def test_unmapped_passes_the_whole_computed_list_to_every_branch(journal: str) -> None:
    result = defs.dynamic_shared.run(journal=journal, n=2, executor="inline")
    assert result.output == [0 + 2, 50 + 2]


def test_one_output_of_several_can_be_mapped_over(journal: str) -> None:
    result = defs.dynamic_parts.run(journal=journal, n=5, executor="inline")
    assert result.output == ([1, 9], [0, 2, 4])
    producer = result.steps["split_parity"].outputs
    assert sorted(producer) == ["evens", "odds", "odds[0]", "odds[1]"]


def test_each_branch_has_its_own_cache_entry(journal: str) -> None:
    defs.dynamic.run(journal=journal, n=3, executor="inline")
    grown = defs.dynamic.run(journal=journal, n=4, executor="inline")
    states = {node_id: step.state for node_id, step in grown.steps.items()}
    assert states["make_items"] is StepState.DONE  # its parameter changed
    assert [states[f"square[{i}]"] for i in range(4)] == [StepState.CACHED] * 3 + [StepState.DONE]
    assert states["total"] is StepState.DONE
    view = get_pipeline_run_view(Client(), grown.run_id)
    explained = {node.node_id: node.cache_explanation for node in view.nodes}
    assert explained["square[0]"].startswith("hit (from run ")
    assert explained["square[3]"] == "miss: no earlier run of this step"
    assert grown.output == sum(SQUARES_HALVED) + 900 / 2


def test_a_failed_branch_skips_the_fan_in_and_spares_its_siblings(journal: str) -> None:
    result = defs.dynamic.run(journal=journal, n=3, fail_on=10, executor="inline")
    assert result.status == "FAILED"
    states = {node_id: step.state for node_id, step in result.steps.items()}
    assert states["square[1]"] is StepState.FAILED
    assert states["halve[1]"] is StepState.SKIPPED
    assert states["total"] is StepState.SKIPPED
    assert states["square[0]"] is states["square[2]"] is StepState.DONE
    assert states["halve[0]"] is states["halve[2]"] is StepState.DONE
    with pytest.raises(rw.PipelineFailedError, match=r"failed steps: square\[1\]"):
        _ = result.output


def test_resume_reruns_only_the_failed_branch_and_what_reads_it(
    journal: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.touch()
    failed = defs.dynamic.run(
        journal=journal, n=3, fail_on=10, fail_while=str(broken), executor="inline", cache=False
    )
    assert failed.status == "FAILED"
    before = len(defs.executions(journal))
    broken.unlink()
    resumed = rw.pipelines.resume(failed.run_id)
    assert resumed.run_id == failed.run_id
    assert resumed.status == "FINISHED"
    assert resumed.output == sum(SQUARES_HALVED)
    assert sorted(defs.executions(journal)[before:]) == ["halve:100", "square:10", "total"]
    kept = {"make_items", "square[0]", "square[2]", "halve[0]", "halve[2]"}
    assert all(resumed.steps[n].run_id == failed.steps[n].run_id for n in kept)
    assert Client().get_run(failed.run_id).info.status.value == "FINISHED"
    again = rw.pipelines.resume(failed.run_id)  # finished: nothing runs
    assert again.output == resumed.output
    assert len(defs.executions(journal)) == before + 3


def test_show_lists_the_branches_of_a_computed_map(journal: str) -> None:
    result = defs.dynamic.run(journal=journal, n=2, executor="inline")
    view = get_pipeline_run_view(Client(), result.run_id)
    assert [(n.node_id, n.map_index, n.state) for n in view.nodes] == [
        ("make_items", None, StepState.DONE),
        ("square[0]", 0, StepState.DONE),
        ("square[1]", 1, StepState.DONE),
        ("halve[0]", 0, StepState.DONE),
        ("halve[1]", 1, StepState.DONE),
        ("total", None, StepState.DONE),
    ]


def test_lineage_links_a_branch_to_its_item_and_the_list_producer(journal: str) -> None:
    result = defs.dynamic.run(journal=journal, n=3, executor="inline")
    item = result.steps["make_items"].outputs["output[1]"]
    first = [e for e in rw.pipelines.lineage(item).downstream if e.output_name == "output[1]"]
    assert [(e.producer_run_id, e.consumer_run_id, e.arg) for e in first] == [
        (result.steps["make_items"].run_id, result.steps["square[1]"].run_id, "x")
    ]
    up = rw.pipelines.lineage(result.steps["total"].run_id)
    assert set(up.upstream_runs) >= {result.steps[f"halve[{i}]"].run_id for i in range(3)}


def test_mapping_over_something_that_is_not_a_list_fails_its_producer(journal: str) -> None:
    result = defs.dynamic_not_a_list.run(journal=journal, executor="inline")
    assert result.status == "FAILED"
    pick = result.steps["pick"]
    assert pick.state is StepState.FAILED
    assert "must be a list or tuple; the step returned dict" in (pick.error or "")


def test_lists_of_different_lengths_at_run_time_fail_the_map(journal: str) -> None:
    result = defs.dynamic_uneven.run(journal=journal, n=3, executor="inline")
    assert result.status == "FAILED"
    failed = result.steps["square"]
    assert failed.state is StepState.FAILED
    assert "different lengths" in (failed.error or "")
    assert Client().get_run(failed.run_id or "").info.status.value == "FAILED"


def test_a_branch_is_sent_only_the_ref_of_its_own_item(journal: str) -> None:
    from runwright.pipelines.executors.inline import InlineExecutor
    from runwright.pipelines.resources import Resources
    from runwright.pipelines.task import TaskSpec

    sent: dict[str, TaskSpec] = {}

    class Recording(InlineExecutor):
        def submit(self, spec: TaskSpec, resources: Resources) -> None:
            sent[spec.node_id] = spec
            super().submit(spec, resources)

    assert defs.dynamic.run(journal=journal, n=5, executor=Recording()).status == "FINISHED"
    assert {p: list(u.refs) for p, u in sent["square[3]"].upstream.items()} == {
        "make_items": ["output[3]"]
    }
    assert sent["make_items"].split == ("output",)
    assert sent["square[3]"].split == ()
    assert list(sent["total"].upstream) == [f"halve[{i}]" for i in range(5)]
