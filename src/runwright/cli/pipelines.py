"""`runwright pipelines list|show|resume`: stored pipeline runs and their steps."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from runwright.cli.context import client_from
from runwright.cli.options import JsonOption, MaxResultsOption
from runwright.cli.output import console, format_duration, format_time, plain, print_json
from runwright.cli.run import (
    STATE_STYLE,
    ExecutorOption,
    RayAddressOption,
    StepBoard,
    interrupted,
    one_line,
    report,
    watch,
)
from runwright.entities import RunStatus
from runwright.errors import InvalidArgumentError
from runwright.pipelines.result import StepState
from runwright.pipelines.views import (
    NodeView,
    PipelineRunView,
    get_pipeline_run_view,
    list_pipeline_run_views,
)

if TYPE_CHECKING:
    from runwright.pipelines import PipelineResult, StepEvent

app = typer.Typer(help="List, inspect and resume pipeline runs.", no_args_is_help=True)

_RUN_STATUS_STYLE = {
    RunStatus.RUNNING.value: "cyan",
    RunStatus.FINISHED.value: "green",
    RunStatus.FAILED.value: "red",
    RunStatus.KILLED.value: "magenta",
}


def _status(view: PipelineRunView) -> Text:
    if view.stale:
        return Text("RUNNING (stale)", style="yellow")
    return Text(view.status, style=_RUN_STATUS_STYLE.get(view.status, "white"))


def _milliseconds(value: int | None) -> str:
    return "-" if value is None else format_duration(0, value)


@app.command("list")
def list_pipeline_runs(
    ctx: typer.Context,
    pipeline: Annotated[
        str | None, typer.Option("--pipeline", help="Only runs of the pipeline with this name.")
    ] = None,
    max_results: MaxResultsOption = 100,
    as_json: JsonOption = False,
) -> None:
    """List pipeline runs, newest first, with how many steps ran, were reused or failed."""
    views = list_pipeline_run_views(
        client_from(ctx), pipeline_name=pipeline, max_results=max_results
    )
    if as_json:
        print_json([{k: v for k, v in view.to_json().items() if k != "steps"} for view in views])
        return
    title = f"Pipeline runs of {pipeline}" if pipeline else "Pipeline runs"
    table = Table(title=f"{title} ({len(views)})", title_justify="left", header_style="bold")
    table.add_column("run id", style="dim", no_wrap=True)
    table.add_column("pipeline", max_width=32)
    table.add_column("status", no_wrap=True)
    table.add_column("started", no_wrap=True)
    table.add_column("duration", justify="right")
    table.add_column("steps", justify="right")
    for state in (StepState.DONE, StepState.CACHED, StepState.FAILED):
        table.add_column(state.value, justify="right")
    for view in views:
        counts = view.counts()
        table.add_row(
            view.run_id,
            plain(view.record.pipeline_name),
            _status(view),
            format_time(view.record.start_time),
            _milliseconds(view.duration_ms),
            str(len(view.nodes)),
            str(counts[StepState.DONE]),
            str(counts[StepState.CACHED]),
            str(counts[StepState.FAILED]),
        )
    console.print(table)


def _node_label(node: NodeView) -> Text:
    style = STATE_STYLE[node.state]
    label = Text.assemble((node.node_id, "bold"), "  ", (node.state.value, style))
    if node.step is not None:
        label.append(f"  {_milliseconds(node.duration_ms)}  ")
        label.append(f"run {node.step.run_id}", style="dim")
        if node.step.attempts > 1:
            label.append(f"  attempt {node.step.attempts}")
    if node.runs > 1:
        label.append(f"  (latest of {node.runs} runs)", style="dim")
    return label


def steps_tree(view: PipelineRunView) -> Tree:
    """The steps in graph order, each with what became of it and why."""
    root = Tree(
        Text.assemble(
            ("pipeline ", "bold"),
            (view.record.pipeline_name, "bold"),
            "  ",
            _status(view),
            f"  {_milliseconds(view.duration_ms)}",
        )
    )
    for node in view.nodes:
        branch = root.add(_node_label(node))
        if node.upstream:
            branch.add(Text(f"after: {', '.join(node.upstream)}", style="dim"))
        if node.cache_explanation:
            branch.add(Text(f"cache {node.cache_explanation}"))
        if node.error:
            branch.add(Text(f"error: {one_line(node.error)}", style="red"))
    return root


def _parameters(values: dict[str, Any]) -> str:
    shown = (
        f"{k}={v if isinstance(v, str) else json.dumps(v, default=str)}" for k, v in values.items()
    )
    return ", ".join(shown) or "-"


@app.command("show")
def show_pipeline_run(ctx: typer.Context, run_id: str, as_json: JsonOption = False) -> None:
    """A pipeline run's steps in graph order: status, duration, run id and cache decision."""
    view = get_pipeline_run_view(client_from(ctx), run_id)
    if as_json:
        print_json(view.to_json())
        return
    record = view.record
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    for label, value in (
        ("run id", Text(record.run_id)),
        ("pipeline", plain(record.pipeline_name)),
        ("status", _status(view)),
        ("started", Text(format_time(record.start_time))),
        ("ended", Text(format_time(record.end_time))),
        ("parameters", plain(_parameters(dict(record.parameters)))),
        ("executor", plain(str(record.options.get("executor", "-")))),
    ):
        summary.add_row(label, value)
    console.print(summary)
    console.print(steps_tree(view))


@app.command("resume")
def resume_pipeline_run(
    ctx: typer.Context,
    run_id: str,
    executor: ExecutorOption = None,
    ray_address: RayAddressOption = None,
) -> None:
    """Finish a failed or killed pipeline run under the same run id: finished steps keep
    their results, the others run again. The executor defaults to the run's own."""
    from runwright.pipelines import resume

    client = client_from(ctx)
    view = get_pipeline_run_view(client, run_id)
    runs_on = executor.value if executor is not None else view.record.options.get("executor")
    if ray_address is not None and runs_on != "ray":
        raise InvalidArgumentError("--ray-address only applies with --executor ray")
    if view.status == RunStatus.FINISHED.value:
        console.print(f"Pipeline run {run_id} already finished; nothing to run.", markup=False)
    board = StepBoard.for_view(f"Pipeline {view.record.pipeline_name} (resumed)", view)

    def start(on_event: Callable[[StepEvent], None]) -> PipelineResult:
        return resume(
            run_id,
            executor=None if executor is None else executor.value,
            tracking_uri=client.tracking_uri,
            on_event=on_event,
            ray_address=ray_address,
        )

    try:
        result = watch(board, start)
    except KeyboardInterrupt:
        raise interrupted(client, board) from None
    report(result)
