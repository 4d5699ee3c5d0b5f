"""`runwright run FILE.py:PIPELINE -p NAME=VALUE …`: run a pipeline, watching its steps.

On a terminal the steps are a live table; piped, each step that ends is one line. The
command exits 1 when the pipeline does not finish, so scripts can chain on it.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from runwright.cli.context import client_from
from runwright.cli.output import console, format_duration
from runwright.errors import InvalidArgumentError
from runwright.pipelines.result import StepState

if TYPE_CHECKING:
    from runwright.pipelines import PipelineResult, StepEvent
    from runwright.pipelines.graph import Graph
    from runwright.pipelines.views import PipelineRunView
    from runwright.tracking.client import Client

__all__ = [
    "ExecutorName",
    "ExecutorOption",
    "RayAddressOption",
    "StepBoard",
    "parse_params",
    "report",
    "run_command",
    "watch",
]


class ExecutorName(StrEnum):
    inline = "inline"
    local = "local"
    ray = "ray"


ExecutorOption = Annotated[
    ExecutorName | None,
    typer.Option(
        "--executor",
        "-x",
        help="inline (this process, one step at a time), local (worker processes, the "
        "default for a new run) or ray. A resumed run keeps its own unless given.",
        show_default=False,
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option("--ray-address", help="Ray cluster to run on (with --executor ray)."),
]

STATE_STYLE = {
    StepState.PENDING: "dim",
    StepState.RUNNING: "cyan",
    StepState.CACHED: "blue",
    StepState.DONE: "green",
    StepState.FAILED: "red",
    StepState.SKIPPED: "yellow",
    StepState.KILLED: "magenta",
}
_ENDED = frozenset(
    {StepState.DONE, StepState.CACHED, StepState.FAILED, StepState.SKIPPED, StepState.KILLED}
)


def parse_params(values: Sequence[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs; a value is JSON when it parses as JSON, else the string."""
    params: dict[str, Any] = {}
    for item in values:
        name, separator, text = item.partition("=")
        name = name.strip()
        if not separator or not name:
            raise InvalidArgumentError(
                f"-p takes NAME=VALUE (a JSON value or plain text), e.g. -p n_rows=5000; "
                f"got {item!r}"
            )
        if name in params:
            raise InvalidArgumentError(f"parameter {name!r} is given twice with -p")
        try:
            params[name] = json.loads(text)
        except ValueError:
            params[name] = text
    return params


def seconds(value: float | None) -> str:
    return "-" if value is None else format_duration(0, round(value * 1000))


def one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


@dataclass(slots=True)
class _Row:
    node_id: str
    state: StepState = StepState.PENDING
    run_id: str | None = None
    attempt: int = 0
    #: time.monotonic() when the first attempt started, for the running clock.
    started: float | None = None
    duration: float | None = None
    detail: str = ""


class StepBoard:
    """Every step of one pipeline run as the driver reports it, drawn as a table.

    `update` is the `on_event` callback; `table` may be called from Live's refresh
    thread at the same time, hence the lock."""

    def __init__(self, title: str, rows: Iterable[_Row]) -> None:
        self.title = title
        self._rows = {row.node_id: row for row in rows}
        self._lock = threading.Lock()

    @classmethod
    def for_graph(cls, title: str, graph: Graph) -> StepBoard:
        return cls(title, (_Row(node_id) for node_id in graph.nodes))

    @classmethod
    def for_view(cls, title: str, view: PipelineRunView) -> StepBoard:
        """A resumed run: nodes that finished keep their result, the rest start pending."""
        rows = []
        for node in view.nodes:
            row = _Row(node.node_id)
            if node.step is not None and node.state.finished:
                row.state, row.run_id = node.state, node.step.run_id
                row.attempt = node.step.attempts
                row.duration = (node.duration_ms or 0) / 1000
                row.detail = "kept from before the resume"
            rows.append(row)
        return cls(title, rows)

    def update(self, event: StepEvent) -> None:
        with self._lock:
            row = self._rows.get(event.node_id)
            if row is None:  # a branch of a run-time .map, or a re-traced body's new node
                row = self._add_row(event.node_id)
            row.state, row.run_id = event.state, event.run_id or row.run_id
            row.attempt = event.attempt or row.attempt
            if event.state is StepState.RUNNING and row.started is None:
                row.started = time.monotonic()
            if event.duration is not None:
                row.duration = event.duration
            if event.state is StepState.CACHED:
                row.duration, row.detail = 0.0, f"from run {event.detail}"
            elif event.state is StepState.PENDING and event.detail:
                row.detail = event.detail  # "retrying: <error>"
            elif event.state is StepState.RUNNING:
                row.detail = ""
            else:
                row.detail = event.detail

    def _add_row(self, node_id: str) -> _Row:
        """A new row, where it reads best: a map's branches replace the map's own row
        and follow each other."""
        row = _Row(node_id)
        owner = node_id.rpartition("[")[0]
        ids = list(self._rows)
        siblings = [i for i, known in enumerate(ids) if known.startswith(f"{owner}[")]
        if owner in self._rows and self._rows[owner].state is StepState.PENDING:
            at = ids.index(owner)
            ids[at] = node_id
        elif siblings:
            ids.insert(siblings[-1] + 1, node_id)
        else:
            ids.append(node_id)
        rows = {**self._rows, node_id: row}
        self._rows = {known: rows[known] for known in ids}
        return row

    def row(self, node_id: str) -> _Row:
        """A copy of one step's row as it is now."""
        with self._lock:
            return dataclasses.replace(self._rows[node_id])

    def rows(self) -> list[_Row]:
        """Copies of every row, in graph order."""
        with self._lock:
            return [dataclasses.replace(row) for row in self._rows.values()]

    def table(self) -> Table:
        table = Table(title=self.title, title_justify="left", header_style="bold")
        table.add_column("step", no_wrap=True)
        table.add_column("state", no_wrap=True)
        table.add_column("attempt", justify="right", no_wrap=True, min_width=7)
        table.add_column("duration", justify="right", no_wrap=True, min_width=8)
        # A narrow terminal cuts run ids short before it squeezes the errors away.
        table.add_column("run id", style="dim", overflow="ellipsis", min_width=8)
        table.add_column("detail", overflow="fold", min_width=16)
        now = time.monotonic()
        for row in self.rows():
            duration = row.duration
            if row.state is StepState.RUNNING and row.started is not None:
                duration = now - row.started
            state = row.state.value
            if row.state is StepState.PENDING and row.detail.startswith("retrying"):
                state = "retrying"
            table.add_row(
                Text(row.node_id),
                Text(state, style=STATE_STYLE[row.state]),
                str(row.attempt) if row.attempt else "",
                seconds(duration) if duration is not None else "",
                row.run_id or "",
                Text(one_line(row.detail)),
            )
        return table

    @staticmethod
    def line(row: _Row) -> Text:
        """One ended step (or a failed attempt about to be retried) as a line of text."""
        parts = [row.node_id]
        if row.state is StepState.CACHED:
            parts.append(row.detail)
        elif row.state is StepState.SKIPPED:
            parts.append(one_line(row.detail))
        elif row.state is StepState.PENDING:  # a failed attempt; the next one is due
            error = one_line(row.detail).removeprefix("retrying: ")
            parts.append(f"attempt {row.attempt - 1} failed: {error}")
        else:
            parts += [seconds(row.duration), f"attempt {row.attempt}"]
            if row.detail:
                parts.append(one_line(row.detail))
        if row.run_id:
            parts.append(f"run {row.run_id}")
        label = "retrying" if row.state is StepState.PENDING else row.state.value
        return Text.assemble((f"{label:<8}", STATE_STYLE[row.state]), " ", "  ".join(parts))


def watch(
    board: StepBoard,
    start: Callable[[Callable[[StepEvent], None]], PipelineResult],
) -> PipelineResult:
    """Call ``start(on_event)`` and show the steps as they go: a live table on a
    terminal, else one line per ended step."""
    if console.is_terminal:
        # Pinned to today's stdout: the inline executor swaps sys.stdout to capture a
        # step's prints (echoing them), and a console that follows sys.stdout would draw
        # the table into that capture, which echoes back into the table, without end.
        pinned = Console(file=console.file, force_terminal=True)
        with Live(console=pinned, get_renderable=board.table, refresh_per_second=4):
            return start(board.update)

    def on_event(event: StepEvent) -> None:
        board.update(event)
        row = board.row(event.node_id)
        if row.state in _ENDED or (row.state is StepState.PENDING and row.detail):
            console.print(StepBoard.line(row), soft_wrap=True)

    return start(on_event)


def report(result: PipelineResult) -> None:
    """The closing lines: run id, status, counts, and what to do after a failure.
    Exits 1 unless the pipeline finished."""
    counts: dict[str, int] = {}
    for step in result.steps.values():
        counts[step.state.value] = counts.get(step.state.value, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in counts.items())
    style = "green" if result.status == "FINISHED" else "red"
    console.print(
        Text.assemble(
            "Pipeline run ",
            (result.run_id, "bold"),
            " ",
            (result.status, style),
            f" ({summary})",
        ),
        soft_wrap=True,
    )
    if result.status == "FINISHED":
        return
    for step in result.steps.values():
        if step.state is StepState.FAILED and step.error:
            console.print(
                Text(f"  {step.node_id}: {one_line(step.error)}", style="red"), soft_wrap=True
            )
    console.print(
        f"Inspect it with `runwright pipelines show {result.run_id}`; finish it with "
        f"`runwright pipelines resume {result.run_id}`.",
        soft_wrap=True,
        markup=False,
    )
    raise typer.Exit(1)


def interrupted(client: Client, board: StepBoard) -> typer.Exit:
    """Ctrl-C: the driver has marked the run KILLED; say which run, and how to go on."""
    from runwright.pipelines.session import pipeline_store

    run_id = None
    started = [row.run_id for row in board.rows() if row.run_id]
    if started:
        try:
            run_id = pipeline_store(client).get_step(run_id=started[0]).pipeline_run_id
        except Exception:  # only a hint; the interrupt is what matters
            run_id = None
    where = f"pipeline run {run_id}" if run_id else "the pipeline run"
    sys.stderr.write(
        f"Interrupted: {where} was stopped"
        + (f"; finish it with `runwright pipelines resume {run_id}`" if run_id else "")
        + "\n"
    )
    return typer.Exit(130)


def check_ray_address(executor: ExecutorName | None, ray_address: str | None) -> None:
    if ray_address is not None and executor is not ExecutorName.ray:
        raise InvalidArgumentError("--ray-address only applies with --executor ray")


def run_command(
    ctx: typer.Context,
    pipeline_ref: Annotated[
        str,
        typer.Argument(
            metavar="FILE.py:PIPELINE",
            help="The @rw.pipeline function: path/to/file.py:name or package.module:name.",
        ),
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="NAME=VALUE",
            help="A pipeline parameter (repeatable). VALUE is JSON when it parses "
            "(5000, 0.1, true, '[0.1,1]', '\"5\"'), else plain text.",
        ),
    ] = None,
    executor: ExecutorOption = ExecutorName.local,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Run every step, reusing no earlier result.")
    ] = False,
    fail_fast: Annotated[
        bool,
        typer.Option("--fail-fast", help="Stop the other steps as soon as one step fails."),
    ] = False,
    experiment: Annotated[
        str | None,
        typer.Option("--experiment", "-e", help="Experiment name (created if missing)."),
    ] = None,
    ray_address: RayAddressOption = None,
) -> None:
    """Run a pipeline; every step is a tracked run, reused from the cache when it can be."""
    from runwright.pipelines import load_pipeline

    params = parse_params(param or [])
    check_ray_address(executor, ray_address)
    client = client_from(ctx)
    pipeline = load_pipeline(pipeline_ref)
    # The same trace the run makes, done first so every step has a row from the start
    # (and a bad parameter is refused before any run is created).
    board = StepBoard.for_graph(f"Pipeline {pipeline.name}", pipeline.trace(pipeline.bind(params)))

    def start(on_event: Callable[[StepEvent], None]) -> PipelineResult:
        return pipeline.run(
            executor=(executor or ExecutorName.local).value,
            cache=not no_cache,
            fail_fast=fail_fast,
            experiment=experiment,
            tracking_uri=client.tracking_uri,
            on_event=on_event,
            params=params,
            ray_address=ray_address,
        )

    try:
        result = watch(board, start)
    except KeyboardInterrupt:
        raise interrupted(client, board) from None
    report(result)
