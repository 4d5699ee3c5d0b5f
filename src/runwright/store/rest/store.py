"""The REST tracking store: `http(s)://` tracking URIs, served by a tracking server."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from runwright.artifacts.http import PROXY_ROUTE, PROXY_SCHEME, HttpArtifactRepository
from runwright.settings import Settings
from runwright.store.base import TrackingStore
from runwright.store.rest.experiments import RestExperiments
from runwright.store.rest.logged_models import RestLoggedModels
from runwright.store.rest.pipelines import RestPipelines
from runwright.store.rest.registry import RestRegistry
from runwright.store.rest.runs import RestRuns
from runwright.store.rest.transport import RestTransport

if TYPE_CHECKING:
    from runwright.artifacts import ArtifactStore

__all__ = ["RestTrackingStore", "open_rest_store"]


class RestTrackingStore(
    RestExperiments, RestRuns, RestLoggedModels, RestRegistry, RestPipelines, TrackingStore
):
    """Every store operation as a request to a Runwright (or MLflow) tracking server.

    It uses MLflow's REST endpoints wherever MLflow has one, so the mlflow client and
    this store see the same server; heartbeats, metrics logged on a logged model without
    a run, listing deleted runs and models, purging, the model registry's audit
    history and pipelines use `/api/2.0/runwright/...`,
    which an MLflow server does not have. One connection pool per store: call
    :meth:`close` when done.
    """

    def __init__(self, uri: str, *, transport: RestTransport | None = None) -> None:
        self.uri = uri
        self._http = transport or RestTransport(uri)
        # The server picks the root of new experiments; with its artifact proxy on,
        # it is this one.
        self.default_artifact_root = PROXY_SCHEME + "/"

    @property
    def server_url(self) -> str:
        """The server's URL without credentials."""
        return self._http.url

    def artifact_repository(self, root_uri: str) -> ArtifactStore:
        """`mlflow-artifacts:` roots, and URLs below this server's proxy (as step outputs
        record them), go through the server's artifact proxy; anything else (a shared
        folder, s3://...) is reached directly, with this process's credentials."""
        if root_uri.startswith(f"{self.server_url}{PROXY_ROUTE}/"):
            return HttpArtifactRepository.from_artifact_uri(root_uri, http=self._http.client)
        if not root_uri.startswith(PROXY_SCHEME):
            return super().artifact_repository(root_uri)
        parts = urlsplit(root_uri)
        if parts.netloc:
            # mlflow-artifacts://host:port/... names another server: its own connection,
            # and none of this server's credentials.
            base = f"{urlsplit(self.server_url).scheme}://{parts.netloc}"
            return HttpArtifactRepository(base, parts.path.strip("/"))
        return HttpArtifactRepository(
            self.server_url, parts.path.strip("/"), http=self._http.client
        )

    def close(self) -> None:
        self._http.close()


def open_rest_store(uri: str, settings: Settings) -> RestTrackingStore:
    """The store for `http://host:port[/prefix]`; no request is made until one is needed.

    Timeouts and retries are the transport's defaults; `settings` holds none for HTTP yet.
    """
    return RestTrackingStore(uri)
