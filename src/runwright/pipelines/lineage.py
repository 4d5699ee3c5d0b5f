"""Lineage: which step runs made an artifact, and which read it, walked both ways."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runwright.entities.pipelines import LineageEdge, OutputRef
from runwright.errors import InvalidArgumentError

if TYPE_CHECKING:
    from runwright.store.pipelines import PipelineStore

__all__ = ["Lineage", "lineage"]


@dataclass(frozen=True, slots=True)
class Lineage:
    """Edges upstream of the start (what it was made from) and downstream (what used it)."""

    upstream: tuple[LineageEdge, ...]
    downstream: tuple[LineageEdge, ...]

    @property
    def upstream_runs(self) -> list[str]:
        return list(dict.fromkeys(e.producer_run_id for e in self.upstream))

    @property
    def downstream_runs(self) -> list[str]:
        return list(dict.fromkeys(e.consumer_run_id for e in self.downstream))


def _walk(store: PipelineStore, start: Iterable[str], *, up: bool) -> tuple[LineageEdge, ...]:
    found: dict[tuple[str, str, str, str], LineageEdge] = {}
    frontier = list(dict.fromkeys(start))
    seen = set(frontier)
    while frontier:
        edges = (
            store.lineage_edges(consumer_run_ids=frontier)
            if up
            else store.lineage_edges(producer_run_ids=frontier)
        )
        frontier = []
        for edge in edges:
            key = (edge.producer_run_id, edge.output_name, edge.consumer_run_id, edge.arg)
            found.setdefault(key, edge)
            following = edge.producer_run_id if up else edge.consumer_run_id
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return tuple(found.values())


def lineage(item: str | OutputRef, *, tracking_uri: str | None = None) -> Lineage:
    """Lineage of a step run (its id) or of a step output (an `OutputRef`, e.g. from
    ``result.steps["train[0]"].outputs["output"]``)."""
    from runwright.pipelines.session import client_for, pipeline_store

    with client_for(tracking_uri) as client:
        return _lineage(pipeline_store(client), item)


def _lineage(store: PipelineStore, item: str | OutputRef) -> Lineage:
    if isinstance(item, OutputRef):
        upstream = _walk(store, [item.producer_run_id], up=True)
        first = [
            e
            for e in store.lineage_edges(content_hashes=[item.content_hash])
            if e.producer_run_id == item.producer_run_id and e.output_name == item.name
        ]
        later = _walk(store, [e.consumer_run_id for e in first], up=False)
        return Lineage(upstream, tuple(dict.fromkeys([*first, *later])))
    if not isinstance(item, str) or not item:
        raise InvalidArgumentError(f"lineage() takes a step run id or an OutputRef, not {item!r}")
    store.get_step(run_id=item)  # a clear error for an id that is not a step run
    return Lineage(_walk(store, [item], up=True), _walk(store, [item], up=False))
