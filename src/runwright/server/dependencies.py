"""What a route needs from the running app: the one Client every request shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from runwright.tracking.client import Client

__all__ = ["ClientDep"]


def _client(request: Request) -> Client:
    client: Client = request.app.state.client
    return client


ClientDep = Annotated[Client, Depends(_client)]
