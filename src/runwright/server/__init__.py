"""The tracking server: MLflow's REST API 2.0 over the same services as the Python API."""

from __future__ import annotations

from runwright.server.app import ServerConfig, create_app

__all__ = ["ServerConfig", "create_app"]
