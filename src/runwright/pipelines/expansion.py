"""Run-time fan-out: a `.map` over a list that a step computes.

While the pipeline is traced such a `.map` is one node whose length nobody knows. The
list's producer stores it item by item as well as whole (``output[0]``, ``output[1]``,
... beside ``output``), so once it has run the driver counts the items without loading
anything and turns the node into one node per item, each reading its own item. A
step that receives the whole mapped result (a fan-in) gets the list of its branches'
outputs, in order. Item-by-item storage also gives each branch its own cache key: a
list that grows by one item re-runs one branch, not all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from runwright.errors import RunwrightError
from runwright.pipelines.graph import Const, Container, Graph, Node, Ref, Template

__all__ = [
    "ExpansionError",
    "branch_id",
    "concrete",
    "expand",
    "fan_in",
    "is_item_output",
    "item_output",
    "item_outputs",
    "split_requests",
    "whole_outputs",
]


class ExpansionError(RunwrightError):
    """A run-time `.map` could not be expanded (its lists differ in length)."""


def branch_id(node_id: str, index: int) -> str:
    return f"{node_id}[{index}]"


def item_output(name: str, index: int) -> str:
    return f"{name}[{index}]"


def is_item_output(name: str) -> bool:
    return name.endswith("]")


def whole_outputs(names: Sequence[str]) -> list[str]:
    """The outputs a step declared, without the items of any it stored item by item."""
    return [name for name in names if not is_item_output(name)]


def item_outputs(name: str, value: Any) -> dict[str, Any]:
    """``value``'s items as outputs of their own, for a `.map` over it."""
    if not isinstance(value, list | tuple):
        raise ExpansionError(
            f"output {name!r} is mapped over by a .map() in the pipeline, so it must be a "
            f"list or tuple; the step returned {type(value).__name__}"
        )
    return {item_output(name, index): item for index, item in enumerate(value)}


def split_requests(graph: Graph) -> dict[str, set[str]]:
    """By producing node, the outputs some run-time `.map` maps over."""
    found: dict[str, set[str]] = {}
    for node in graph.nodes.values():
        for name in node.mapped:
            template = node.args[name]
            if isinstance(template, Ref) and not graph.nodes[template.node_id].mapped:
                assert template.output is not None  # tracing names the output mapped over
                found.setdefault(template.node_id, set()).add(template.output)
    return found


def _length(
    template: Template,
    *,
    branches: Mapping[str, Sequence[str]],
    outputs: Callable[[str], Sequence[str]],
) -> int:
    if isinstance(template, Ref):
        if template.node_id in branches:
            return len(branches[template.node_id])
        prefix = f"{template.output}["
        return sum(1 for name in outputs(template.node_id) if name.startswith(prefix))
    if isinstance(template, Container):
        return len(template.items)
    return len(template.value)


def _item(template: Template, index: int, branches: Mapping[str, Sequence[str]]) -> Template:
    if isinstance(template, Ref):
        if template.node_id in branches:
            return Ref(branches[template.node_id][index], template.output)
        assert template.output is not None  # tracing names the output mapped over
        return Ref(template.node_id, item_output(template.output, index))
    if isinstance(template, Container):
        return template.items[index][1]
    return Const(template.value[index])


def expand(
    node: Node,
    *,
    branches: Mapping[str, Sequence[str]],
    outputs: Callable[[str], Sequence[str]],
) -> list[Node]:
    """One node per item of ``node``'s mapped arguments. ``branches`` holds the
    branch ids of the run-time maps expanded so far; ``outputs(node_id)`` the output
    names a finished node stored."""
    lengths = {
        name: _length(node.args[name], branches=branches, outputs=outputs) for name in node.mapped
    }
    if len(set(lengths.values())) > 1:
        raise ExpansionError(
            f"{node.step.name}.map() at {node.site} got lists of different lengths {lengths} "
            "when the pipeline ran; wrap an argument in rw.unmapped(...) to pass it whole to "
            "every branch"
        )
    count = next(iter(lengths.values()))
    return [
        replace(
            node,
            id=branch_id(node.id, index),
            args={
                name: _item(template, index, branches) if name in node.mapped else template
                for name, template in node.args.items()
            },
            map_index=index,
            mapped=(),
        )
        for index in range(count)
    ]


def fan_in(template: Template, branches: Mapping[str, Sequence[str]]) -> Template:
    """``template`` with each whole run-time map replaced by the list of its branches."""
    if isinstance(template, Ref) and template.node_id in branches:
        return Container(
            "list",
            tuple(
                (index, Ref(branch, template.output))
                for index, branch in enumerate(branches[template.node_id])
            ),
        )
    if isinstance(template, Container):
        return Container(
            template.kind, tuple((key, fan_in(item, branches)) for key, item in template.items)
        )
    return template


def concrete(node: Node, branches: Mapping[str, Sequence[str]]) -> Node:
    """``node`` reading its run-time maps' branches instead of the maps themselves."""
    if not any(parent in branches for parent in node.upstream):
        return node
    after: list[str] = []
    for parent in node.after:
        after.extend(branches.get(parent, [parent]))
    return replace(
        node,
        args={name: fan_in(template, branches) for name, template in node.args.items()},
        after=tuple(dict.fromkeys(after)),
    )
