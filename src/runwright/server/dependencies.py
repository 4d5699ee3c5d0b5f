"""What a route needs from the running app: the one Client every request shares, and
its store as the pipeline store."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from runwright.errors import StoreUnavailableError
from runwright.store.pipelines import PipelineStore
from runwright.tracking.client import Client

__all__ = ["ClientDep", "PipelineStoreDep"]


def _client(request: Request) -> Client:
    client: Client = request.app.state.client
    return client


ClientDep = Annotated[Client, Depends(_client)]


def _pipeline_store(client: ClientDep) -> PipelineStore:
    store = client.store
    if not isinstance(store, PipelineStore):
        raise StoreUnavailableError(
            f"this server's store ({type(store).__name__}) does not keep pipeline runs"
        )
    return store


PipelineStoreDep = Annotated[PipelineStore, Depends(_pipeline_store)]
