"""Stored pipeline runs as a reader sees them: each graph node with its latest step run.

A pipeline run keeps its graph, and every step run it started; a resumed run holds
several step runs for the nodes it ran again. These views pick the newest per node,
turn store statuses into `StepState`s and say why the cache hit or missed. They only
read; `runwright pipelines list|show` and the live view of `runwright run` draw them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runwright._host import now_ms
from runwright.entities import RunStatus
from runwright.entities.pipelines import (
    PIPELINE_RUN_TAG,
    CacheStatus,
    PipelineRunRecord,
    StepRecord,
)
from runwright.errors import NotFoundError
from runwright.pipelines.result import StepState
from runwright.pipelines.session import pipeline_store

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = [
    "STEP_ERROR_TAG",
    "NodeView",
    "PipelineRunView",
    "get_pipeline_run_view",
    "latest_steps",
    "list_pipeline_run_views",
    "step_state",
]

STEP_ERROR_TAG = "runwright.step.error"

_STATE_BY_STATUS = {
    RunStatus.FINISHED.value: StepState.DONE,
    RunStatus.FAILED.value: StepState.FAILED,
    RunStatus.KILLED.value: StepState.KILLED,
    RunStatus.RUNNING.value: StepState.RUNNING,
    RunStatus.SCHEDULED.value: StepState.PENDING,  # queued behind another step
}


@dataclass(frozen=True, slots=True)
class NodeView:
    """One node of the stored graph and what became of it."""

    node_id: str
    step_name: str
    upstream: tuple[str, ...]
    #: "file.py:12": where the pipeline body called the step.
    site: str
    map_index: int | None
    state: StepState
    #: The node's newest step run; None when it never started.
    step: StepRecord | None
    #: How many step runs the node has in this pipeline run (more than one after a resume).
    runs: int = 0
    #: Why the newest step run failed or was killed (only when asked for).
    error: str | None = None

    @property
    def duration_ms(self) -> int | None:
        """Wall time of the newest step run; a running one counts up to now."""
        if self.step is None:
            return None
        end = self.step.end_time if self.step.end_time is not None else now_ms()
        return max(0, end - self.step.start_time)

    @property
    def cache_explanation(self) -> str:
        """'hit (from run X)', 'miss: <reason>' or 'off: <reason>'; '' before it started."""
        step = self.step
        if step is None:
            return ""
        if step.cache_status is CacheStatus.HIT:
            return f"hit (from run {step.cached_from_run_id})"
        return f"{step.cache_status.value}: {step.cache_reason}"


@dataclass(frozen=True, slots=True)
class PipelineRunView:
    record: PipelineRunRecord
    nodes: tuple[NodeView, ...]
    #: RUNNING, but its driver has not written for longer than the stale threshold.
    stale: bool = False

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def duration_ms(self) -> int:
        end = self.record.end_time if self.record.end_time is not None else now_ms()
        return max(0, end - self.record.start_time)

    def counts(self) -> dict[StepState, int]:
        """How many nodes are in each state (every state present, zeros included)."""
        found = dict.fromkeys(StepState, 0)
        for node in self.nodes:
            found[node.state] += 1
        return found

    def to_json(self) -> dict[str, Any]:
        """A JSON-able rendering (the pickled parameters left out)."""
        record = self.record
        return {
            "run_id": record.run_id,
            "pipeline_name": record.pipeline_name,
            "status": record.status,
            "stale": self.stale,
            "start_time": record.start_time,
            "end_time": record.end_time,
            "duration_ms": self.duration_ms,
            "parameters": dict(record.parameters),
            "options": dict(record.options),
            "source": dict(record.source),
            "counts": {state.value: n for state, n in self.counts().items()},
            "steps": [_node_json(node) for node in self.nodes],
        }


def _node_json(node: NodeView) -> dict[str, Any]:
    step = node.step
    return {
        "node_id": node.node_id,
        "step": node.step_name,
        "upstream": list(node.upstream),
        "site": node.site,
        "map_index": node.map_index,
        "status": node.state.value,
        "run_id": step.run_id if step else None,
        "runs": node.runs,
        "attempts": step.attempts if step else 0,
        "start_time": step.start_time if step else None,
        "end_time": step.end_time if step else None,
        "duration_ms": node.duration_ms,
        "cache": None
        if step is None
        else {
            "status": step.cache_status.value,
            "reason": step.cache_reason,
            "cached_from_run_id": step.cached_from_run_id,
            "explanation": node.cache_explanation,
        },
        "error": node.error,
    }


def latest_steps(steps: Iterable[StepRecord]) -> dict[str, tuple[StepRecord, int]]:
    """The newest step run of each node with how many it has, from `list_steps` order
    (oldest first)."""
    found: dict[str, tuple[StepRecord, int]] = {}
    for step in steps:
        _previous, count = found.get(step.node_id, (step, 0))
        found[step.node_id] = (step, count + 1)
    return found


def step_state(step: StepRecord | None, *, pipeline_status: str) -> StepState:
    """A node's state: from its newest step run, or — never started — pending while the
    pipeline is still running and skipped once it has ended."""
    if step is None:
        return (
            StepState.PENDING if pipeline_status == RunStatus.RUNNING.value else StepState.SKIPPED
        )
    state = _STATE_BY_STATUS.get(step.status, StepState.PENDING)
    if state is StepState.DONE and step.cached_from_run_id:
        return StepState.CACHED
    return state


def _view(
    client: Client,
    record: PipelineRunRecord,
    steps: Iterable[StepRecord],
    *,
    with_errors: bool,
) -> PipelineRunView:
    latest = latest_steps(steps)
    nodes = []
    for node in _stored_nodes(record.graph.get("nodes", []), latest):
        step, runs = latest.get(node["id"], (None, 0))
        state = step_state(step, pipeline_status=record.status)
        error = None
        if with_errors and step is not None and state in (StepState.FAILED, StepState.KILLED):
            error = client.get_run(step.run_id).data.tags.get(STEP_ERROR_TAG)
        nodes.append(
            NodeView(
                node_id=node["id"],
                step_name=node.get("step", node["id"]),
                upstream=tuple(node.get("upstream", ())),
                site=node.get("site", ""),
                map_index=node.get("map_index"),
                state=state,
                step=step,
                runs=runs,
                error=error,
            )
        )
    stale = False
    if record.status == RunStatus.RUNNING.value:
        info = client.get_run(record.run_id).info
        stale = info.is_stale(now_ms=now_ms(), threshold_ms=int(client.settings.stale_after * 1000))
    return PipelineRunView(record=record, nodes=tuple(nodes), stale=stale)


def _stored_nodes(
    graph_nodes: Iterable[Mapping[str, Any]], latest: Mapping[str, tuple[StepRecord, int]]
) -> Iterator[Mapping[str, Any]]:
    """The stored graph's nodes, each run-time `.map` replaced by the branches it made
    (itself while it has none, or if it failed before making them)."""
    for node in graph_nodes:
        if not node.get("mapped"):
            yield node
            continue
        branches = sorted(
            (index, node_id)
            for node_id in latest
            if (index := _branch_index(node_id, node["id"])) is not None
        )
        if not branches or node["id"] in latest:
            yield node
        for index, node_id in branches:
            yield {**node, "id": node_id, "map_index": index}


def _branch_index(node_id: str, map_id: str) -> int | None:
    if node_id.startswith(f"{map_id}[") and node_id.endswith("]"):
        index = node_id[len(map_id) + 1 : -1]
        return int(index) if index.isdigit() else None
    return None


def get_pipeline_run_view(client: Client, run_id: str) -> PipelineRunView:
    """One pipeline run with every node's latest step run and the errors of failed ones.

    An id of an ordinary run (a step's, say) is a `NotFoundError` that says so."""
    store = pipeline_store(client)
    try:
        record = store.get_pipeline_run(run_id=run_id)
    except NotFoundError:
        try:
            tags: Mapping[str, str] = client.get_run(run_id).data.tags
        except NotFoundError:
            raise NotFoundError(f"no pipeline run with id {run_id!r}") from None
        owner = tags.get(PIPELINE_RUN_TAG)
        hint = f"; it is a step of pipeline run {owner}" if owner else ""
        raise NotFoundError(f"run {run_id!r} is not a pipeline run{hint}") from None
    return _view(client, record, store.list_steps(pipeline_run_id=run_id), with_errors=True)


def list_pipeline_run_views(
    client: Client, *, pipeline_name: str | None = None, max_results: int = 100
) -> list[PipelineRunView]:
    """Pipeline runs, newest first, with node states (errors not fetched)."""
    store = pipeline_store(client)
    return [
        _view(client, record, store.list_steps(pipeline_run_id=record.run_id), with_errors=False)
        for record in store.list_pipeline_runs(pipeline_name=pipeline_name, max_results=max_results)
    ]
