"""The traced graph: nodes (one step call each) and the arguments that link them.

An argument is a small tree: constants, references to another node's output, and the
lists/tuples/dicts that hold them (a fan-in is a list of references). The graph holds
no values computed by steps, so it is cheap to build, store and compare.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runwright.pipelines.node import Step

__all__ = ["Const", "Container", "Graph", "Node", "Ref", "Template", "iter_refs"]


@dataclass(frozen=True, slots=True)
class Const:
    value: Any


@dataclass(frozen=True, slots=True)
class Ref:
    """Output ``output`` of node ``node_id``; ``output=None`` means the whole return value."""

    node_id: str
    output: str | None = None


@dataclass(frozen=True, slots=True)
class Container:
    kind: str  # "list" | "tuple" | "dict"
    items: tuple[tuple[Any, Template], ...]  # (index or key, item)


Template = Const | Ref | Container


def iter_refs(template: Template) -> Iterator[Ref]:
    if isinstance(template, Ref):
        yield template
    elif isinstance(template, Container):
        for _key, item in template.items:
            yield from iter_refs(item)


@dataclass(slots=True)
class Node:
    id: str
    step: Step[..., Any]
    #: Bound arguments by parameter name, as the call gave them (defaults not filled in).
    args: dict[str, Template]
    #: Nodes this one waits for without reading their outputs (``after=``).
    after: tuple[str, ...]
    #: "file.py:12": where the pipeline body called the step.
    site: str
    map_index: int | None = None
    #: Arguments mapped over at run time: each holds a list computed by another step
    #: (or another run-time `.map`), so the node becomes one node per item when the
    #: driver learns the list's length. Empty for an ordinary node.
    mapped: tuple[str, ...] = ()

    @property
    def upstream(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for template in self.args.values():
            for ref in iter_refs(template):
                seen[ref.node_id] = None
        for node_id in self.after:
            seen[node_id] = None
        return tuple(seen)


@dataclass(slots=True)
class Graph:
    pipeline_name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    #: What the pipeline body returned, as a template over node outputs.
    output: Template = field(default_factory=lambda: Const(None))

    def to_json(self) -> dict[str, Any]:
        """The graph as stored with the pipeline run: enough to draw it and to check that
        a resumed run re-traced the same graph."""
        return {
            "pipeline": self.pipeline_name,
            "nodes": [
                {
                    "id": node.id,
                    "step": node.step.name,
                    "function": node.step.qualified_name,
                    "upstream": list(node.upstream),
                    "site": node.site,
                    "map_index": node.map_index,
                    **({"mapped": list(node.mapped)} if node.mapped else {}),
                }
                for node in self.nodes.values()
            ],
        }


def describe(template: Template) -> Mapping[str, Any] | str:
    """A short human rendering of an argument, for errors and `pipelines show`."""
    if isinstance(template, Ref):
        return (
            template.node_id if template.output is None else f"{template.node_id}.{template.output}"
        )
    if isinstance(template, Container):
        return {str(key): describe(item) for key, item in template.items}
    text = repr(template.value)
    return text if len(text) <= 60 else text[:57] + "..."
