"""The FastAPI application: MLflow's REST API under /api/2.0/mlflow (and the UI's
/ajax-api alias), Runwright's own under /api/2.0/runwright (pipelines among them),
plus /health and /version. Stateless apart from the store, so
several worker processes can serve one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runwright._version import __version__
from runwright.server.errors import error_response, install_error_handlers
from runwright.server.routes import (
    artifact_proxy,
    experiments,
    logged_models,
    pipelines,
    registry,
    runs,
    runwright_api,
)
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
        app.include_router(logged_models.router, prefix=prefix)
        app.include_router(registry.router, prefix=prefix)
    app.include_router(artifact_proxy.router)
    app.include_router(runwright_api.router, prefix="/api/2.0/runwright")
    app.include_router(registry.extension_router, prefix="/api/2.0/runwright")
    app.include_router(pipelines.router, prefix="/api/2.0/runwright")

    app.add_middleware(_JsonBodyGuard)

    @app.get("/health", response_class=PlainTextResponse, tags=["server"])
    def health() -> str:
        return "OK"

    @app.get("/version", response_class=PlainTextResponse, tags=["server"])
    def version() -> str:
        return __version__

    return app


def _too_large(size: str | None = None) -> str:
    of_size = f" of {size} bytes" if size else ""
    return f"Request body{of_size} exceeds the limit of {MAX_JSON_BODY} bytes"


class _BodyTooLargeError(HTTPException):
    """Raised from `receive`: FastAPI passes HTTPExceptions on, so the handler renders it."""

    def __init__(self) -> None:
        super().__init__(413, _too_large())


class _JsonBodyGuard:
    """The JSON bodies of MLflow's API and Runwright's own: refuse one over
    MAX_JSON_BODY, by its Content-Length before reading or, for a chunked body, as soon
    as the bytes read pass the limit; and read an empty JSON body as `{}`, as MLflow
    does. Other paths (artifact files under /api/2.0/mlflow-artifacts, say) pass
    untouched."""

    # The trailing slash keeps /api/2.0/mlflow-artifacts out.
    _PATHS = tuple(f"{prefix}/" for prefix in (*API_PREFIXES, "/api/2.0/runwright"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self._PATHS):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_JSON_BODY:
            response = error_response(413, "REQUEST_LIMIT_EXCEEDED", _too_large(length))
            await response(scope, receive, send)
            return
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        empty_is_object = media_type == "application/json" and scope["method"] != "GET"
        read = 0

        async def guarded_receive() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] != "http.request":
                return message
            body = message.get("body", b"")
            if read == 0 and not body and not message.get("more_body") and empty_is_object:
                message = {**message, "body": b"{}"}
            read += len(body)
            if read > MAX_JSON_BODY:
                raise _BodyTooLargeError
            return message

        await self.app(scope, guarded_receive, send)


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
