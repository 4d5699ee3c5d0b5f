"""Entry point for uvicorn workers: the app configured from RUNWRIGHT_* settings.

`runwright server` puts its flags into the environment, so every worker process
builds the same app."""

from __future__ import annotations

from fastapi import FastAPI

from runwright.server.app import ServerConfig, create_app
from runwright.settings import Settings

__all__ = ["app_from_env"]


def app_from_env() -> FastAPI:
    settings = Settings.from_env()
    return create_app(
        ServerConfig(
            backend_store_uri=settings.tracking_uri,
            artifacts_destination=settings.artifacts_destination,
        ),
        settings=settings,
    )
