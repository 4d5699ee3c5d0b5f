"""`runwright server`: the MLflow-compatible tracking server."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

__all__ = ["server_command"]


def server_command(
    host: Annotated[str, typer.Option("--host", "-h", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535)] = 5000,
    backend_store_uri: Annotated[
        str | None,
        typer.Option(
            "--backend-store-uri",
            help="Folder, sqlite:///… or postgresql://… (default ./.runwright).",
        ),
    ] = None,
    artifacts_destination: Annotated[
        str | None,
        typer.Option("--artifacts-destination", help="Where proxied artifacts are kept."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the MLflow REST API: point MLFLOW_TRACKING_URI at it."""
    import uvicorn

    if backend_store_uri:
        os.environ["RUNWRIGHT_TRACKING_URI"] = backend_store_uri
    if artifacts_destination:
        os.environ["RUNWRIGHT_ARTIFACTS_DESTINATION"] = artifacts_destination
    config = uvicorn.Config(
        "runwright.server.asgi:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    if workers == 1:
        uvicorn.Server(config).run()
        return
    # With several workers uvicorn leaves Nagle's algorithm on for every connection,
    # which costs ~40 ms per request on a reused connection (delayed ACKs). Accepted
    # sockets inherit TCP_NODELAY from the listening socket, so set it there.
    from uvicorn.supervisors import Multiprocess

    listener = config.bind_socket()
    if listener.family in (socket.AF_INET, socket.AF_INET6):
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[listener]).run()
