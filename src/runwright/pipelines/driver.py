"""The driver: walks the graph, asks the cache, hands attempts to an executor, records.

It passes references, never values: upstream outputs reach a step as `OutputRef`s and
are loaded by whoever runs the step. Every transition is written to the step journal
before the driver next waits, which is what makes `resume` possible after a crash:
what the driver records between two waits (the steps that ended, the ones it starts
next) is one transaction. Flushing to disk is batched too: the journal's commits and
the outputs written on this machine are flushed together at a checkpoint every second
and before the run's outcome is reported, so a thousand short steps pay for a few
flushes, not a thousand. Listeners hear of each change once it is committed.

On an executor that can queue (the local one), a step that does not fit in what is
free may wait on the worker of a running step that needs at least as much, to start
the moment that one ends: its run is SCHEDULED until the executor says it began. Only
behind a step whose last run here was short: that saves the worker a wait for the
driver, which is most of a short step's cost, while a step queued behind a long one
could wait long after another worker came free.

A `.map` over a list computed at run time is a node of its own until the list is
known; then the driver expands it into one node per item (see `expansion`), and the
map counts as finished when all of them have. A resumed run adopts the steps that
finished before, each one only if everything upstream of it was adopted too.
"""

from __future__ import annotations

import dataclasses
import heapq
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from runwright._host import now_ms
from runwright.artifacts.durability import flush_to_disk
from runwright.entities import RunInfo, RunStatus, Tag
from runwright.entities.pipelines import (
    PIPELINE_RUN_TAG,
    RUN_TYPE_TAG,
    STEP_NODE_TAG,
    CacheStatus,
    OutputRef,
    StepRecord,
)
from runwright.pipelines.admission import Admission
from runwright.pipelines.executors.base import Executor
from runwright.pipelines.expansion import ExpansionError, concrete, expand, fan_in, split_requests
from runwright.pipelines.graph import Graph, Node, Ref, iter_refs
from runwright.pipelines.outputs import local_path_of, output_available
from runwright.pipelines.planner import cache_key, explain_miss, param_values, step_inputs
from runwright.pipelines.resources import Resources
from runwright.pipelines.result import PipelineResult, StepResult, StepState
from runwright.pipelines.task import TaskResult, TaskSpec, UpstreamOutputs

if TYPE_CHECKING:
    from runwright.store.pipelines import StepJournal
    from runwright.tracking.client import Client

__all__ = ["Driver", "StepEvent"]

_ERROR_TAG_LIMIT = 5000
_POLL_SECONDS = 0.5
#: How much finished work a power cut may cost at most: it is re-run by `resume`.
_CHECKPOINT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class StepEvent:
    """A step changed state; the CLI's live view draws these."""

    node_id: str
    state: StepState
    run_id: str | None
    attempt: int = 0
    duration: float | None = None
    detail: str = ""


@dataclass(slots=True)
class _Attempting:
    node: Node
    run: RunInfo
    started: float
    attempt: int = 1
    tracebacks: list[str] = field(default_factory=list)
    #: The node whose attempt this one is queued behind (None once it runs).
    behind: str | None = None


class Driver:
    def __init__(
        self,
        graph: Graph,
        *,
        pipeline_run_id: str,
        client: Client,
        worker_tracking_uri: str,
        journal: StepJournal,
        executor: Executor,
        cache: bool,
        fail_fast: bool,
        on_event: Callable[[StepEvent], None] | None = None,
        completed: Mapping[str, StepRecord] | None = None,
    ) -> None:
        self.graph = graph
        self.pipeline_run_id = pipeline_run_id
        self.client = client
        self.worker_tracking_uri = worker_tracking_uri
        self.journal = journal
        self.executor = executor
        self.cache = cache
        self.fail_fast = fail_fast
        self.on_event = on_event
        self.steps = {
            node_id: StepResult(node_id, node.step.name)
            for node_id, node in graph.nodes.items()
            if not node.mapped
        }
        #: The `.map`s over lists known only at run time; their branches once expanded;
        #: those whose branches have all finished.
        self._maps = {node_id: node for node_id, node in graph.nodes.items() if node.mapped}
        self._branches: dict[str, list[str]] = {}
        self._complete_maps: set[str] = set()
        self._split = split_requests(graph)
        self._children: dict[str, list[str]] = {node_id: [] for node_id in graph.nodes}
        self._waiting: dict[str, set[str]] = {}
        #: (map, map over it): the second waits only for the first's expansion.
        self._expansion_only: set[tuple[str, str]] = set()
        #: Nodes whose inputs are all there, not yet sorted into adopted, expanded or ready.
        self._arrived: deque[str] = deque()
        self._ready: deque[str] = deque()
        self._retries: list[tuple[float, str]] = []
        self._attempting: dict[str, _Attempting] = {}
        self._admission = Admission(executor)
        self._stopping = False
        self._unflushed: list[Path] = []
        self._watching = False
        self._last_checkpoint = time.monotonic()
        self._events: list[StepEvent] = []
        #: Attempts whose records are not committed yet: a step's run must exist before
        #: the step runs (it may log to it), so they go to the executor after the batch;
        #: each with the node it is queued behind, if any.
        self._outgoing: list[tuple[TaskSpec, Resources, str | None]] = []
        self._completed = dict(completed or {})
        self._adopted: set[str] = set()
        for node in graph.nodes.values():
            self._link(node)
        self._settle()

    # -- public ----------------------------------------------------------------------

    def run(self) -> PipelineResult:
        executor = self.executor
        executor.start(self.client)
        status = RunStatus.FAILED
        try:
            results: list[TaskResult] = []
            began: list[tuple[str, int]] = []
            while True:
                with self.journal.batch():
                    for node_id, attempt in began:
                        self._began(node_id, attempt)
                    for result in results:
                        self._record(result)
                    self._due_retries()
                    self._dispatch_ready()
                self._deliver_events()
                self._hand_over()
                self._checkpoint_if_due()
                if not self._attempting and not self._retries and not self._ready:
                    break
                results = executor.wait(self._wait_timeout())
                queuing = self._admission.queuing
                began = queuing.take_started() if queuing is not None else []
            self._skip_pending("its inputs never arrived")
            failed = not self.settled
            status = RunStatus.FAILED if failed else RunStatus.FINISHED
        except BaseException:
            self._kill_running()
            status = RunStatus.KILLED
            raise
        finally:
            executor.close()
            # The outputs first: the durable commit below makes the records pointing
            # at them durable too.
            self._flush_outputs()
            try:
                self.client.flush()  # metrics logged to the pipeline run itself
            finally:
                self.journal.end_pipeline(status=status, end_time=now_ms())
                if self._watching:
                    self.client.unwatch_run(self.pipeline_run_id)
                self._deliver_events()
        return self.result(status)

    def result(self, status: RunStatus) -> PipelineResult:
        return PipelineResult(
            run_id=self.pipeline_run_id,
            pipeline_name=self.graph.pipeline_name,
            status=status.value,
            steps=self.steps,
            output_template=fan_in(self.graph.output, self._branches),
            output_specs={n.id: n.step.outputs for n in self.graph.nodes.values()},
        )

    # -- scheduling ------------------------------------------------------------------

    def _wait_timeout(self) -> float | None:
        if self._ready and not self._attempting:
            return 0.0
        if self._retries:
            return max(0.0, min(_POLL_SECONDS, self._retries[0][0] - time.monotonic()))
        return _POLL_SECONDS

    def _leader_for(self, need: Resources) -> _Attempting | None:
        """A running attempt that a step needing ``need`` may queue behind: not one
        waiting to be retried, queued itself, or already with one queued behind it."""
        waiting = {node_id for _due, node_id in self._retries}
        followed = {a.behind for a in self._attempting.values() if a.behind is not None}
        for node_id, attempting in self._attempting.items():
            if (
                attempting.behind is None
                and node_id not in waiting
                and node_id not in followed
                and self._admission.may_follow(need, attempting.node.step)
            ):
                return attempting
        return None

    @property
    def settled(self) -> bool:
        """Whether every step is finished already (all adopted by a resumed run)."""
        return len(self._complete_maps) == len(self._maps) and all(
            s.state.finished for s in self.steps.values()
        )

    def _dispatch_ready(self) -> None:
        self._settle()
        while self._ready and not self._stopping:
            node = self.graph.nodes[self._ready[0]]
            need = node.step.options.resources
            fits = self._admission.fits(need, anything_running=bool(self._attempting))
            leader = None if fits else self._leader_for(need)
            if not fits and leader is None:
                return
            self._ready.popleft()
            self._start(node, behind=leader)
            self._settle()
            if self.executor.in_process and self._attempting:
                # It runs in the wait that follows: record it before starting the next,
                # so a failure under fail_fast stops its siblings from running at all.
                return

    def _due_retries(self) -> None:
        now = time.monotonic()
        while self._retries and self._retries[0][0] <= now and not self._stopping:
            _due, node_id = heapq.heappop(self._retries)
            attempting = self._attempting[node_id]
            self._submit(attempting)

    # -- one node --------------------------------------------------------------------

    def _upstream_outputs(self, node: Node) -> dict[str, dict[str, OutputRef]]:
        return {parent: self.steps[parent].outputs for parent in node.upstream}

    def _step_tags(self, node: Node) -> list[Tag]:
        return [
            Tag(RUN_TYPE_TAG, "step"),
            Tag(PIPELINE_RUN_TAG, self.pipeline_run_id),
            Tag(STEP_NODE_TAG, node.id),
            Tag("runwright.step.name", node.step.name),
            Tag("mlflow.runName", node.id),
        ]

    def _start(self, node: Node, *, behind: _Attempting | None = None) -> None:
        upstream = self._upstream_outputs(node)
        caching = self.cache and node.step.options.cache
        key = cache_key(node, upstream, split=sorted(self._split.get(node.id, ())))
        params = param_values(node.args)
        tags = self._step_tags(node)
        if caching:
            hit = self.journal.find_cached_step(cache_key=key.key)
            lost = None
            if hit is not None and not self._outputs_available(hit):
                lost, hit = hit, None
            if hit is not None:
                reason = f"same code, inputs and parameters as run {hit.run_id}"
                run_id = self.journal.record_cached_step(
                    run_name=node.id,
                    time=now_ms(),
                    tags=[
                        *tags,
                        Tag("runwright.cache.status", "hit"),
                        Tag("runwright.cache.reason", reason),
                    ],
                    params=params,
                    node_id=node.id,
                    step_name=node.step.name,
                    cache_key=key.key,
                    cache_reason=reason,
                    cache_components=key.components,
                    cached_from=hit,
                    inputs=step_inputs(node, upstream),
                )
                step = self.steps[node.id]
                step.state, step.run_id, step.cached_from = StepState.CACHED, run_id, hit.run_id
                step.cache_reason, step.duration = reason, 0.0
                step.outputs = dict(hit.outputs)
                self._emit(StepEvent(node.id, StepState.CACHED, run_id, detail=hit.run_id))
                self._release(node.id)
                return
            status = CacheStatus.MISS
            if lost is not None:
                reason = f"the outputs of the matching run {lost.run_id} are no longer available"
            else:
                reason = explain_miss(key.components, self.journal.previous_step(node_id=node.id))
        else:
            status = CacheStatus.OFF
            reason = "caching is off for this step" if self.cache else "caching is off for this run"
        info = self.journal.start_step(
            run_name=node.id,
            start_time=now_ms(),
            tags=[
                *tags,
                Tag("runwright.cache.status", status.value),
                Tag("runwright.cache.reason", reason),
            ],
            params=params,
            node_id=node.id,
            step_name=node.step.name,
            cache_key=key.key,
            cache_status=status,
            cache_reason=reason,
            cache_components=key.components,
            scheduled=behind is not None,
        )
        step = self.steps[node.id]
        step.run_id, step.cache_reason = info.run_id, reason
        attempting = _Attempting(node, info, time.monotonic())
        self._attempting[node.id] = attempting
        if behind is None:
            self._admission.use(node.step.options.resources, +1)
        else:
            attempting.behind = behind.node.id
        self._submit(attempting)

    def _began(self, node_id: str, attempt: int) -> None:
        """An attempt queued behind another one started: now it runs, and uses what
        that one used."""
        attempting = self._attempting.get(node_id)
        if attempting is None or attempting.attempt != attempt or attempting.behind is None:
            return
        attempting.behind, attempting.started = None, time.monotonic()
        self._admission.use(attempting.node.step.options.resources, +1)
        self.journal.begin_step(run_id=attempting.run.run_id, start_time=now_ms())
        self._running(attempting)

    def _submit(self, attempting: _Attempting) -> None:
        node = attempting.node
        spec = TaskSpec(
            node_id=node.id,
            run=_as_running(attempting.run),
            attempt=attempting.attempt,
            tracking_uri=self.worker_tracking_uri,
            fn=node.step.fn,
            output_spec=node.step.outputs,
            arguments=node.args,
            upstream=self._read_outputs(node),
            timeout=node.step.options.timeout,
            sync_outputs=not self.executor.on_this_machine,
            split=tuple(sorted(self._split.get(node.id, ()))),
        )
        if not self._watching:
            # Heartbeats from a thread, while a step holds this one (inline) or the
            # driver waits; a run served wholly from the cache never needs them.
            self.client.watch_run(self.pipeline_run_id)
            self._watching = True
        if attempting.behind is None:
            self._running(attempting)
        self._outgoing.append((spec, node.step.options.resources, attempting.behind))

    def _running(self, attempting: _Attempting) -> None:
        step = self.steps[attempting.node.id]
        step.state, step.attempts = StepState.RUNNING, attempting.attempt
        self._emit(
            StepEvent(
                attempting.node.id, StepState.RUNNING, attempting.run.run_id, attempting.attempt
            )
        )

    def _outputs_available(self, step: StepRecord) -> bool:
        """Through the tracking store's artifact repositories: a server's proxy wants
        its credentials."""
        opener = self.client.store.artifact_repository
        return all(output_available(ref, open_root=opener) for ref in step.outputs.values())

    def _read_outputs(self, node: Node) -> dict[str, UpstreamOutputs]:
        """The refs ``node`` reads, by producer: only those, since they travel with every
        attempt (a producer of a mapped list holds a ref per item)."""
        names: dict[str, set[str]] = {}
        for template in node.args.values():
            for ref in iter_refs(template):
                wanted = names.setdefault(ref.node_id, set())
                if ref.output is None:
                    wanted.update(self.graph.nodes[ref.node_id].step.outputs.names)
                else:
                    wanted.add(ref.output)
        found = {}
        for parent, wanted in names.items():
            outputs = self.steps[parent].outputs
            found[parent] = UpstreamOutputs(
                self.graph.nodes[parent].step.outputs, {name: outputs[name] for name in wanted}
            )
        return found

    def _hand_over(self) -> None:
        outgoing, self._outgoing = self._outgoing, []
        queuing = self._admission.queuing
        for spec, resources, behind in outgoing:
            if behind is not None and queuing is not None:
                queuing.queue_behind(spec, resources, leader=behind)
            else:
                self.executor.submit(spec, resources)

    def _record(self, result: TaskResult) -> None:
        attempting = self._attempting.get(result.node_id)
        if attempting is None or attempting.attempt != result.attempt:
            return  # a late answer from an attempt already given up on
        if attempting.behind is not None:  # it began and ended before the driver heard
            self._began(attempting.node.id, attempting.attempt)
        node = attempting.node
        step = self.steps[node.id]
        if result.ok:
            self.journal.finish_step(
                run_id=result.run_id,
                status=RunStatus.FINISHED,
                end_time=now_ms(),
                attempts=attempting.attempt,
                outputs=result.outputs,
                inputs=step_inputs(node, self._upstream_outputs(node)),
                tags=[Tag("runwright.step.attempts", str(attempting.attempt))],
            )
            if self.executor.on_this_machine:
                self._unflushed.extend(_local_files(result.outputs))
            del self._attempting[node.id]
            self._admission.use(node.step.options.resources, -1)
            step.state, step.outputs = StepState.DONE, {o.name: o for o in result.outputs}
            step.duration = time.monotonic() - attempting.started
            self._admission.ran(node.step, result.seconds)
            self._emit(
                StepEvent(node.id, StepState.DONE, result.run_id, attempting.attempt, step.duration)
            )
            self._release(node.id)
            return
        attempting.tracebacks.append(
            f"--- attempt {attempting.attempt} ---\n{result.traceback or result.error or ''}"
        )
        options = node.step.options
        if attempting.attempt <= options.retries and not self._stopping:
            delay = options.retry_delay * options.retry_backoff ** (attempting.attempt - 1)
            attempting.attempt += 1
            heapq.heappush(self._retries, (time.monotonic() + delay, node.id))
            self._emit(
                StepEvent(
                    node.id,
                    StepState.PENDING,
                    result.run_id,
                    attempting.attempt,
                    detail=f"retrying: {result.error}",
                )
            )
            return
        self._fail(attempting, result.error or "failed", RunStatus.FAILED)
        if self.fail_fast:
            self._stopping = True
            self._kill_running()

    def _fail(self, attempting: _Attempting, error: str, status: RunStatus) -> None:
        node = attempting.node
        step = self.steps[node.id]
        if attempting.tracebacks:
            self.client.store.artifact_repository(attempting.run.artifact_uri).write_text(
                "logs/traceback.txt", "\n".join(attempting.tracebacks)
            )
        self.journal.finish_step(
            run_id=attempting.run.run_id,
            status=status,
            end_time=now_ms(),
            attempts=attempting.attempt,
            outputs=[],
            inputs=step_inputs(node, self._upstream_outputs(node)),
            tags=[
                Tag("runwright.step.attempts", str(attempting.attempt)),
                Tag("runwright.step.error", error[:_ERROR_TAG_LIMIT]),
            ],
        )
        if self._attempting.pop(node.id, None) is not None and attempting.behind is None:
            self._admission.use(node.step.options.resources, -1)
        step.state = StepState.FAILED if status is RunStatus.FAILED else StepState.KILLED
        step.error, step.duration = error, time.monotonic() - attempting.started
        self._emit(
            StepEvent(
                node.id, step.state, attempting.run.run_id, attempting.attempt, step.duration, error
            )
        )
        for descendant in sorted(self._descendants(node.id)):
            skipped = self.steps.get(descendant)
            if skipped is not None and skipped.state is StepState.PENDING:
                skipped.state = StepState.SKIPPED
                self._emit(
                    StepEvent(descendant, StepState.SKIPPED, None, detail=f"{node.id} failed")
                )
                if descendant in self._ready:
                    self._ready.remove(descendant)

    def _kill_running(self) -> None:
        self._outgoing.clear()
        self.executor.cancel_running()
        for attempting in list(self._attempting.values()):
            self._fail(
                attempting,
                "stopped: another step failed (fail_fast) or the run was interrupted",
                RunStatus.KILLED,
            )
        self._retries.clear()
        self._ready.clear()
        self._arrived.clear()
        self._skip_pending("the run stopped")

    def _skip_pending(self, why: str) -> None:
        for node_id, step in self.steps.items():
            if step.state is StepState.PENDING:
                step.state = StepState.SKIPPED
                self._emit(StepEvent(node_id, StepState.SKIPPED, None, detail=why))

    # -- the graph as it unfolds -------------------------------------------------------

    def _finished(self, node_id: str, *, expansion: bool = False) -> bool:
        if node_id in self._maps:
            return node_id in (self._branches if expansion else self._complete_maps)
        return self.steps[node_id].state.finished

    def _pending(self, node_id: str) -> bool:
        if node_id in self._maps:
            return node_id not in self._complete_maps
        return self.steps[node_id].state is StepState.PENDING

    def _link(self, node: Node) -> None:
        """Make ``node`` wait for what it reads, or arrive at once if that is all there."""
        waiting = set()
        for parent in node.upstream:
            self._children[parent].append(node.id)
            expansion = node.mapped and parent in self._maps and parent in _mapped_refs(node)
            if expansion:
                self._expansion_only.add((parent, node.id))
            if not self._finished(parent, expansion=bool(expansion)):
                waiting.add(parent)
        self._waiting[node.id] = waiting
        if not waiting:
            self._arrived.append(node.id)

    def _descendants(self, node_id: str) -> set[str]:
        found: set[str] = set()
        pending = [node_id]
        while pending:
            for child in self._children[pending.pop()]:
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return found

    def _release(self, node_id: str, *, expanded: bool = False) -> None:
        """``node_id`` finished (or, ``expanded``, a map learnt its branches): its
        children that now have all they wait for arrive."""
        for child in self._children[node_id]:
            if ((node_id, child) in self._expansion_only) is not expanded:
                continue
            waiting = self._waiting[child]
            if node_id in waiting:
                waiting.discard(node_id)
                if not waiting and self._pending(child) and not self._stopping:
                    self._arrived.append(child)

    def _settle(self) -> None:
        """Sort the arrived nodes: expand maps, adopt what a resumed run kept, queue
        the rest to start."""
        while self._arrived:
            node_id = self._arrived.popleft()
            if node_id not in self._maps:
                node = self.graph.nodes[node_id] = concrete(
                    self.graph.nodes[node_id], self._branches
                )
                if not self._adopt(node):
                    self._ready.append(node_id)
            elif node_id not in self._branches:
                self._expand(self._maps[node_id])
            else:
                self._complete(node_id)

    def _adopt(self, node: Node) -> bool:
        record = self._completed.get(node.id)
        if record is None or not all(parent in self._adopted for parent in node.upstream):
            return False
        step = self.steps[node.id]
        step.state = StepState.CACHED if record.cached_from_run_id else StepState.DONE
        step.run_id, step.cached_from = record.run_id, record.cached_from_run_id
        step.attempts, step.cache_reason = record.attempts, record.cache_reason
        step.outputs = dict(record.outputs)
        self._adopted.add(node.id)
        self._release(node.id)
        return True

    def _expand(self, node: Node) -> None:
        try:
            branches = expand(node, branches=self._branches, outputs=self._output_names)
        except ExpansionError as exc:
            self._fail_expansion(node, str(exc))
            return
        self._branches[node.id] = [branch.id for branch in branches]
        for branch in branches:
            self.graph.nodes[branch.id] = branch
            self.steps[branch.id] = StepResult(branch.id, branch.step.name)
            self._children[branch.id] = [node.id]
            self._emit(StepEvent(branch.id, StepState.PENDING, None))
        self._waiting[node.id] = set(self._branches[node.id])
        for branch in branches:
            self._link(branch)
            if any(
                self.steps[parent].state in (StepState.FAILED, StepState.SKIPPED, StepState.KILLED)
                for parent in branch.upstream
                if parent in self.steps
            ):
                self.steps[branch.id].state = StepState.SKIPPED  # it waits for it forever
                self._emit(StepEvent(branch.id, StepState.SKIPPED, None, detail="an input failed"))
        self._release(node.id, expanded=True)
        if not branches:
            self._complete(node.id)

    def _output_names(self, node_id: str) -> list[str]:
        return list(self.steps[node_id].outputs)

    def _complete(self, map_id: str) -> None:
        self._complete_maps.add(map_id)
        if all(branch in self._adopted for branch in self._branches[map_id]):
            self._adopted.add(map_id)
        self._release(map_id)

    def _fail_expansion(self, node: Node, error: str) -> None:
        """A map whose lists differ in length: a failed step run says so."""
        info = self.journal.start_step(
            run_name=node.id,
            start_time=now_ms(),
            tags=self._step_tags(node),
            params=param_values({n: t for n, t in node.args.items() if n not in node.mapped}),
            node_id=node.id,
            step_name=node.step.name,
            cache_key="",
            cache_status=CacheStatus.OFF,
            cache_reason="not run: its branches could not be made",
            cache_components={},
        )
        self.steps[node.id] = StepResult(node.id, node.step.name, run_id=info.run_id)
        self._fail(_Attempting(node, info, time.monotonic()), error, RunStatus.FAILED)

    # -- flushing to disk ------------------------------------------------------------

    def _flush_outputs(self) -> None:
        unflushed, self._unflushed = self._unflushed, []
        flush_to_disk(unflushed)

    def _checkpoint_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last_checkpoint < _CHECKPOINT_SECONDS:
            return
        self._flush_outputs()
        self.journal.checkpoint(heartbeat_time=now_ms())
        self._last_checkpoint = now

    def _emit(self, event: StepEvent) -> None:
        if self.on_event is not None:
            self._events.append(event)

    def _deliver_events(self) -> None:
        """Tell the listener, outside the journal's batch: it may read the store."""
        events, self._events = self._events, []
        if self.on_event is not None:
            for event in events:
                self.on_event(event)


def _as_running(run: RunInfo) -> RunInfo:
    """A queued attempt's run is SCHEDULED in the store until it begins, and running
    when the step sees it."""
    return (
        run
        if run.status is RunStatus.RUNNING
        else dataclasses.replace(run, status=RunStatus.RUNNING)
    )


def _mapped_refs(node: Node) -> set[str]:
    """The nodes whose results ``node`` maps over directly."""
    return {
        template.node_id for name in node.mapped if isinstance(template := node.args[name], Ref)
    }


def _local_files(outputs: list[OutputRef]) -> list[Path]:
    return [path for path in map(local_path_of, (o.uri for o in outputs)) if path is not None]
