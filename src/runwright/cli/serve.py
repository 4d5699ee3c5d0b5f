"""`runwright serve` (a scoring server) and `runwright predict` (batch scoring of a file)."""

from __future__ import annotations

import os
import socket
import tempfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runwright.cli.context import CliState

if TYPE_CHECKING:
    from runwright.serving.config import ServingConfig

__all__ = ["predict_command", "serve_command"]


def serve_command(
    ctx: typer.Context,
    model_uri: Annotated[
        str,
        typer.Argument(
            help="models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/PATH or a folder; "
            "models:/NAME with --route."
        ),
    ],
    host: Annotated[str, typer.Option("--host", "-h", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535)] = 8080,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Worker processes.")] = 1,
    route: Annotated[
        list[str] | None,
        typer.Option(
            "--route",
            help="ALIAS=WEIGHT (or VERSION=WEIGHT); repeat to split the traffic by weight.",
        ),
    ] = None,
    shadow: Annotated[
        str | None,
        typer.Option(
            "--shadow", help="Also score every request with this alias; answer unchanged."
        ),
    ] = None,
    max_batch_size: Annotated[
        int, typer.Option("--max-batch-size", min=1, help="Most rows per predict call.")
    ] = 4096,
    max_wait_ms: Annotated[
        float,
        typer.Option("--max-wait-ms", min=0.0, help="Longest wait for a batch to fill (ms)."),
    ] = 2.0,
    batching: Annotated[
        bool | None,
        typer.Option(
            "--batching/--no-batching",
            help="Merge concurrent requests (default: when the model scores rows independently).",
            show_default=False,
        ),
    ] = None,
    log_predictions: Annotated[
        float,
        typer.Option(
            "--log-predictions",
            min=0.0,
            max=1.0,
            help="Share of requests whose inputs and outputs go to Parquet in the artifact store.",
        ),
    ] = 0.0,
    max_body_size: Annotated[
        int, typer.Option("--max-body-size", min=1, help="Largest request body, in bytes.")
    ] = 64 * 1024 * 1024,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed of the traffic split and the log sampling."),
    ] = None,
) -> None:
    """Serve a model over HTTP with MLflow's scoring protocol (POST /invocations)."""
    import uvicorn

    from runwright.serving.app import app_factory
    from runwright.serving.config import ServingConfig, parse_route

    state = ctx.find_object(CliState)
    config = ServingConfig(
        model_uri=model_uri,
        routes=tuple(parse_route(r) for r in route or ()),
        shadow=shadow,
        batching=batching,
        max_batch_size=max_batch_size,
        max_wait_ms=max_wait_ms,
        log_predictions=log_predictions,
        max_body_bytes=max_body_size,
        seed=seed,
        tracking_uri=state.tracking_uri if state is not None else None,
    )
    _check_targets(config)
    metrics_dir = None
    if workers > 1:
        # prometheus-client reads this in each worker when it is first imported there.
        metrics_dir = tempfile.mkdtemp(prefix="runwright-serve-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    server = uvicorn.Config(
        partial(app_factory, config, metrics_dir),
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=30,
    )
    if workers == 1:
        uvicorn.Server(server).run()
        return
    from uvicorn.supervisors import Multiprocess

    # Accepted sockets inherit TCP_NODELAY from the listening socket; without it a
    # reused connection waits ~40 ms on delayed ACKs (uvicorn sets it per connection
    # only when it owns the socket).
    listener = server.bind_socket()
    if listener.family in (socket.AF_INET, socket.AF_INET6):
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        Multiprocess(server, sockets=[listener]).run()
    finally:
        import shutil

        shutil.rmtree(metrics_dir or "", ignore_errors=True)


def _check_targets(config: ServingConfig) -> None:
    """Resolve the versions once before starting workers, so that a typo is one error
    line and not a crash in every worker."""
    from runwright.serving.targets import resolve_targets
    from runwright.tracking.client import Client

    client = Client(config.tracking_uri)
    try:
        resolve_targets(config, client)
    finally:
        client.close()


def predict_command(
    ctx: typer.Context,
    model_uri: Annotated[str, typer.Argument(help="The model to score with (any model URI).")],
    input_path: Annotated[
        Path, typer.Option("--input", "-i", help="A .parquet or .csv file of rows.")
    ],
    output_path: Annotated[
        Path, typer.Option("--output", "-o", help="Where the predictions go (.parquet or .csv).")
    ],
    batch_size: Annotated[
        int, typer.Option("--batch-size", "-b", min=1, help="Rows per predict call.")
    ] = 10_000,
) -> None:
    """Score a file in chunks (so files larger than memory work) and write the predictions."""
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from runwright.cli.context import client_from
    from runwright.cli.output import console
    from runwright.models import load_model
    from runwright.serving.files import file_format, score_file

    file_format(input_path)
    file_format(output_path)
    model = load_model(model_uri, client=client_from(ctx))
    columns = (
        TextColumn("[bold]scoring"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    from rich.console import Console

    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task("scoring", total=None)

        def advance(done: int, total: int | None, unit: str) -> None:
            bar.update(task, completed=done, total=total)

        scored = score_file(model, input_path, output_path, batch_size=batch_size, progress=advance)
    console.print(
        f"Scored {scored.rows:,} rows in {scored.chunks:,} chunks of at most "
        f"{batch_size:,}: {scored.output}"
    )
