"""The FastAPI application: MLflow's REST API under /api/2.0/mlflow (and the UI's
/ajax-api alias), plus /health and /version. Stateless apart from the store, so
several worker processes can serve one database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse

from runwright._version import __version__
from runwright.server.errors import error_response, install_error_handlers
from runwright.server.routes import experiments, runs
from runwright.settings import Settings

__all__ = ["PROXY_SCHEME", "ServerConfig", "create_app"]

API_PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
# Artifact roots handed to clients; the artifact proxy serves them.
PROXY_SCHEME = "mlflow-artifacts:"
# JSON requests bigger than this are refused before they are read (MLflow's log-batch
# limit is 1 MB; this leaves room for large dataset schemas).
MAX_JSON_BODY = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServerConfig:
    backend_store_uri: str | None = None
    artifacts_destination: str | None = None
    serve_artifacts: bool = True


def create_app(config: ServerConfig | None = None, *, settings: Settings | None = None) -> FastAPI:
    config = config or ServerConfig()
    base = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.client = _open_client(config, base)
        try:
            yield
        finally:
            app.state.client.close()

    app = FastAPI(
        title="Runwright tracking server",
        version=__version__,
        description="MLflow REST API 2.0 compatible tracking server.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for prefix in API_PREFIXES:
        app.include_router(experiments.router, prefix=prefix)
        app.include_router(runs.router, prefix=prefix)

    @app.middleware("http")
    async def _refuse_huge_json(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length", "")
        is_api = request.url.path.startswith(API_PREFIXES)
        if is_api and length.isdigit() and int(length) > MAX_JSON_BODY:
            return error_response(
                413,
                "REQUEST_LIMIT_EXCEEDED",
                f"Request body of {length} bytes exceeds the limit of {MAX_JSON_BODY} bytes",
            )
        return await call_next(request)

    @app.get("/health", response_class=PlainTextResponse, tags=["server"])
    def health() -> str:
        return "OK"

    @app.get("/version", response_class=PlainTextResponse, tags=["server"])
    def version() -> str:
        return __version__

    return app


def _open_client(config: ServerConfig, base: Settings):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from runwright.store.registry import open_store, resolve_tracking_uri
    from runwright.tracking.client import Client

    uri = resolve_tracking_uri(config.backend_store_uri, base)
    settings = base
    mounts: dict[str, str] = {}
    if config.serve_artifacts:
        destination = config.artifacts_destination or base.artifacts_destination
        if destination is None:
            destination = str(Path(uri, "artifacts")) if "://" not in uri else "./mlartifacts"
        if "://" not in destination:
            destination = str(Path(destination).absolute())
        settings = base.with_overrides(artifacts_uri=PROXY_SCHEME + "/")
        mounts[PROXY_SCHEME] = destination
    store = open_store(uri, settings)
    store.artifact_mounts = mounts
    return Client(store=store, settings=settings)
