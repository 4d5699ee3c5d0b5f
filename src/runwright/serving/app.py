"""The scoring app (FastAPI): MLflow's scoring protocol plus health and metrics.

- ``POST /invocations``: JSON or CSV in, ``{"predictions": ...}`` out; every answer
  names the version that gave it (``X-Runwright-Model-Version``);
- ``GET /ping``, ``GET /health``: 200 once the model is loaded (the app is built only
  after it is); ``GET /version``: Runwright's version;
- ``GET /metrics``: Prometheus; ``GET /openapi.json``, ``/docs``: the API, its request
  body derived from the model's signature.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException

from runwright._version import __version__
from runwright.serving.config import ServingConfig
from runwright.serving.metrics import CONTENT_TYPE, ServingMetrics
from runwright.serving.openapi import invocations_openapi
from runwright.serving.service import REQUEST_ID_HEADER, ScoringService

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = ["build_app", "create_app"]

_JSON = "application/json"


def create_app(
    config: ServingConfig,
    *,
    client: Client | None = None,
    multiprocess_dir: str | None = None,
) -> FastAPI:
    """Load the model(s) of ``config`` and return the app that serves them."""
    metrics = ServingMetrics(multiprocess_dir=multiprocess_dir)
    return build_app(ScoringService.open(config, client=client, metrics=metrics))


def build_app(service: ScoringService) -> FastAPI:
    """The app around an opened service; closing the app (its lifespan's end) closes it."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await service.close()

    primary = service.primary
    app = FastAPI(
        title=f"Runwright scoring server: {primary.target.label}",
        version=__version__,
        description=(
            "MLflow's scoring protocol. Served versions: "
            + ", ".join(f"{t.label} ({t.weight:g})" for t in service.router.targets)
            + (f"; shadow {service.shadow.target.label}" if service.shadow else "")
        ),
        lifespan=lifespan,
    )
    app.state.service = service

    @app.post(
        "/invocations",
        openapi_extra=invocations_openapi(primary.model.signature),
        summary="Score rows with the served model",
        response_class=Response,
    )
    async def invocations(request: Request) -> Response:
        headers = request.headers
        answer = await service.invoke(
            headers.get("content-type"),
            headers.get("content-length"),
            request.stream(),
            headers.get(REQUEST_ID_HEADER),
        )
        return Response(answer.body, answer.status, answer.headers, media_type=_JSON)

    @app.get("/ping", response_class=PlainTextResponse, summary="200 once the model is loaded")
    async def ping() -> PlainTextResponse:
        return PlainTextResponse("\n")

    @app.get("/health", response_class=PlainTextResponse, summary="Same as /ping")
    async def health() -> PlainTextResponse:
        return PlainTextResponse("\n")

    @app.get("/version", response_class=PlainTextResponse, summary="Runwright's version")
    async def version() -> PlainTextResponse:
        return PlainTextResponse(__version__)

    @app.get("/metrics", response_class=Response, summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(service.metrics.render(), media_type=CONTENT_TYPE)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 404:
            code, message = "ENDPOINT_NOT_FOUND", f"No endpoint {request.method} {request.url.path}"
        elif exc.status_code == 405:
            code = "BAD_REQUEST"
            message = f"Method {request.method} is not allowed on {request.url.path}"
        else:
            code, message = "BAD_REQUEST", str(exc.detail)
        return JSONResponse({"error_code": code, "message": message}, exc.status_code, exc.headers)

    return app


def app_factory(config: ServingConfig, multiprocess_dir: str | None = None) -> FastAPI:
    """For uvicorn's ``factory=True`` (with ``functools.partial``): each worker process
    builds its own app from the same config.

    Everything loaded so far (the libraries, the model) lives as long as the process:
    frozen out of the garbage collector's reach, it is not rescanned by every full
    collection, which otherwise shows as tens of milliseconds on some requests."""
    import gc

    app = create_app(config, multiprocess_dir=multiprocess_dir)
    gc.collect()
    gc.freeze()
    return app
