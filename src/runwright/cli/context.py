"""What every command shares: the client for the chosen tracking URI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = ["CliState", "client_from", "resolve_experiment_id"]


@dataclass
class CliState:
    tracking_uri: str | None
    _client: Client | None = field(default=None, repr=False)

    def client(self) -> Client:
        if self._client is None:
            from runwright.tracking.client import Client

            self._client = Client(self.tracking_uri)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def client_from(ctx: typer.Context) -> Client:
    state = ctx.find_object(CliState)
    if state is None:  # a sub-app invoked on its own, as in some tests
        state = CliState(tracking_uri=None)
        ctx.obj = state
    fresh = state._client is None
    client = state.client()
    if fresh:
        ctx.call_on_close(state.close)
    return client


def resolve_experiment_id(client: Client, reference: str) -> str:
    """An experiment given by id or by name, as people type it."""
    from runwright.errors import NotFoundError

    if reference.isdigit():
        try:
            return client.get_experiment(reference).experiment_id
        except NotFoundError:
            pass
    experiment = client.get_experiment_by_name(reference)
    if experiment is None:
        raise NotFoundError(f"no experiment with id or name {reference!r}")
    return experiment.experiment_id
