"""Building the graph from a pipeline body, and the mistakes it refuses up front."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import runwright as rw
from runwright.pipelines.graph import Const, Container, Ref


@rw.step
def load(n: int) -> list[int]:
    return list(range(n))


@rw.step
def train(data: list[int], c: float) -> float:
    return c * sum(data)


@rw.step
def pick(scores: list[float]) -> float:
    return max(scores)


@rw.step
def split(data: list[int]) -> tuple[list[int], list[int]]:
    return data[::2], data[1::2]


@dataclass
class Parts:
    left: list[int]
    right: list[int]


@rw.step
def halves(data: list[int]) -> Parts:
    return Parts(data[:1], data[1:])


@rw.pipeline
def fan(n: int = 4, cs: list[float] = [0.1, 1.0, 10.0]):  # noqa: B006
    data = load(n)
    scores = train.map(data=data, c=cs)
    return pick(scores)


def test_the_body_builds_one_node_per_call_with_map_branches() -> None:
    graph = fan.trace(fan.bind({}))
    assert list(graph.nodes) == ["load", "train[0]", "train[1]", "train[2]", "pick"]
    assert graph.nodes["train[1]"].args == {"data": Ref("load", "output"), "c": Const(1.0)}
    assert graph.nodes["pick"].upstream == ("train[0]", "train[1]", "train[2]")
    assert isinstance(graph.nodes["pick"].args["scores"], Container)
    assert graph.output == Ref("pick", "output")


def test_pipeline_parameters_decide_the_fan_out() -> None:
    graph = fan.trace(fan.bind({"cs": [1.0, 2.0]}))
    assert [n for n in graph.nodes if n.startswith("train")] == ["train[0]", "train[1]"]


def test_a_step_called_twice_gets_numbered_nodes() -> None:
    @rw.pipeline
    def twice():
        return load(1), load(2)

    assert list(twice.trace({}).nodes) == ["load", "load-2"]


def test_tuple_outputs_unpack_into_separate_references() -> None:
    @rw.pipeline
    def unpacked():
        left, right = split(load(4))
        return train(left, 1.0), train(right, 2.0)

    graph = unpacked.trace({})
    assert graph.nodes["train"].args["data"] == Ref("split", "0")
    assert graph.nodes["train-2"].args["data"] == Ref("split", "1")


def test_dataclass_outputs_are_reached_by_attribute() -> None:
    @rw.pipeline
    def by_field():
        parts = halves(load(3))
        return train(parts.right, 1.0)

    assert by_field.trace({}).nodes["train"].args["data"] == Ref("halves", "right")


def test_after_adds_an_ordering_edge_without_data() -> None:
    @rw.pipeline
    def ordered():
        first = load(1)
        return load(2, after=first)

    graph = ordered.trace({})
    assert graph.nodes["load-2"].upstream == ("load",)
    assert graph.nodes["load-2"].args == {"n": Const(2)}


def test_a_wrong_argument_name_names_the_step_and_the_line() -> None:
    @rw.pipeline
    def wrong():
        return train(load(1), cc=1.0)

    with pytest.raises(rw.PipelineDefinitionError) as caught:
        wrong.trace({})
    assert "step 'train'" in caught.value.message
    assert "test_tracing.py:" in caught.value.message
    assert "cc" in caught.value.message


def test_a_missing_input_is_refused_before_anything_runs() -> None:
    @rw.pipeline
    def missing():
        return train(load(1))

    with pytest.raises(rw.PipelineDefinitionError, match="missing a required argument: 'c'"):
        missing.trace({})


def test_a_handle_used_in_another_pipeline_is_refused() -> None:
    leaked = []

    @rw.pipeline
    def first():
        leaked.append(load(1))
        return leaked[0]

    @rw.pipeline
    def second():
        return train(leaked[0], 1.0)

    first.trace({})
    with pytest.raises(rw.PipelineDefinitionError, match="can only be used inside the pipeline"):
        second.trace({})


def test_a_handle_passed_to_a_step_outside_any_pipeline_is_refused() -> None:
    leaked = []

    @rw.pipeline
    def keep():
        leaked.append(load(1))
        return leaked[0]

    keep.trace({})
    with pytest.raises(rw.PipelineDefinitionError, match="outside a pipeline"):
        train(leaked[0], 1.0)


def test_a_step_outside_a_pipeline_is_the_plain_function() -> None:
    assert train([1, 2], 2.0) == 6.0


def test_testing_a_handle_with_if_is_refused() -> None:
    @rw.pipeline
    def branching():
        data = load(1)
        if data:
            return data
        return None

    with pytest.raises(rw.PipelineDefinitionError, match="not known while the pipeline is built"):
        branching.trace({})


def test_map_over_lists_of_different_lengths_is_refused() -> None:
    @rw.pipeline
    def uneven():
        return train.map(data=[[1], [2]], c=[1.0, 2.0, 3.0])

    with pytest.raises(rw.PipelineDefinitionError, match="different lengths"):
        uneven.trace({})


def test_unmapped_passes_a_list_whole_to_every_branch() -> None:
    @rw.pipeline
    def shared():
        return train.map(data=rw.unmapped([1, 2]), c=[1.0, 2.0])

    graph = shared.trace({})
    assert graph.nodes["train[0]"].args["data"] == Const([1, 2])
    assert graph.nodes["train[1]"].args["c"] == Const(2.0)


def test_indexing_a_single_output_step_is_refused() -> None:
    @rw.pipeline
    def indexed():
        return load(3)[0]

    with pytest.raises(rw.PipelineDefinitionError, match="has one output"):
        indexed.trace({})


def test_unknown_pipeline_parameters_are_refused() -> None:
    with pytest.raises(rw.PipelineDefinitionError, match="unexpected keyword argument 'm'"):
        fan.bind({"m": 1})


def test_run_option_names_cannot_be_pipeline_parameters() -> None:
    with pytest.raises(rw.PipelineDefinitionError, match="reserved"):

        @rw.pipeline
        def clash(cache: bool = True):
            return load(1)


def test_a_pipeline_that_calls_no_step_is_refused() -> None:
    @rw.pipeline
    def empty():
        return 1

    with pytest.raises(rw.PipelineDefinitionError, match="calls no steps"):
        empty.trace({})


def test_step_options_are_checked() -> None:
    with pytest.raises(rw.InvalidArgumentError, match="retries"):
        rw.step(retries=-1)(lambda: None)
    with pytest.raises(rw.InvalidArgumentError, match="timeout"):
        rw.step(timeout=0)(lambda: None)


def test_resources_parse_memory_sizes() -> None:
    assert rw.Resources(memory="4GiB").memory_bytes == 4 * 1024**3
    assert rw.Resources(memory="512MB").memory_bytes == 512 * 1000**2
    with pytest.raises(rw.InvalidArgumentError, match="4GiB"):
        rw.Resources(memory="lots")


# -- .map over lists computed at run time ----------------------------------------------


def test_mapping_over_a_step_output_makes_one_node_expanded_at_run_time() -> None:
    @rw.pipeline
    def computed():
        data = load(3)
        scores = train.map(data=rw.mapped(data), c=1.0)
        return pick(scores)

    graph = computed.trace({})
    assert list(graph.nodes) == ["load", "train", "pick"]
    node = graph.nodes["train"]
    assert node.mapped == ("data",)
    assert node.args["data"] == Ref("load", "output")
    assert graph.nodes["pick"].args["scores"] == Ref("train", "output")
    assert graph.to_json()["nodes"][1]["mapped"] == ["data"]


def test_a_computed_map_can_be_mapped_over_again_without_rw_mapped() -> None:
    @rw.pipeline
    def twice():
        first = train.map(data=rw.mapped(load(3)), c=1.0)
        return train.map(data=first, c=2.0)

    graph = twice.trace({})
    assert graph.nodes["train-2"].mapped == ("data",)
    assert graph.nodes["train-2"].args["data"] == Ref("train", "output")


def test_a_step_output_without_rw_mapped_goes_whole_to_every_branch() -> None:
    @rw.pipeline
    def shared():
        return train.map(data=load(3), c=[1.0, 2.0])

    graph = shared.trace({})
    assert [n.mapped for n in graph.nodes.values()] == [(), (), ()]
    assert graph.nodes["train[1]"].args["data"] == Ref("load", "output")


def test_a_computed_map_cannot_be_indexed_or_unpacked_while_tracing() -> None:
    @rw.pipeline
    def indexed():
        return train.map(data=rw.mapped(load(3)), c=1.0)[0]

    with pytest.raises(rw.PipelineDefinitionError, match="known only when the pipeline runs"):
        indexed.trace({})


def test_rw_mapped_outside_map_is_refused() -> None:
    @rw.pipeline
    def misplaced():
        return train(rw.mapped(load(3)), 1.0)

    with pytest.raises(rw.PipelineDefinitionError, match=r"rw.mapped\(...\) outside .map\(\)"):
        misplaced.trace({})


def test_rw_mapped_over_a_step_with_several_outputs_must_name_one() -> None:
    @rw.pipeline
    def whole():
        return train.map(data=rw.mapped(split(load(4))), c=1.0)

    with pytest.raises(rw.PipelineDefinitionError, match="map over one of them"):
        whole.trace({})


def test_rw_mapped_takes_lists_and_step_outputs_only() -> None:
    @rw.pipeline
    def scalar():
        return train.map(data=[1], c=rw.mapped(2.0))

    with pytest.raises(rw.PipelineDefinitionError, match="takes a list or a step's output"):
        scalar.trace({})
