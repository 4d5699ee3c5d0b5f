"""Which repository serves an artifact root URI, when nothing but the URI is known."""

from __future__ import annotations

from runwright.artifacts.http import HttpArtifactRepository, is_proxy_url, shared_client
from runwright.artifacts.protocol import ArtifactStore
from runwright.artifacts.repository import ArtifactRepository

__all__ = ["artifact_repository_for"]


def artifact_repository_for(uri: str) -> ArtifactStore:
    """A URL below a tracking server's artifact proxy goes through that proxy (on the
    process's shared client, without credentials); anything else through fsspec, which
    picks the filesystem by scheme. A tracking store's `artifact_repository` knows
    more (its server's ``mlflow-artifacts:`` roots, its credentials): prefer it when
    there is one."""
    if is_proxy_url(uri):
        return HttpArtifactRepository.from_artifact_uri(uri, http=shared_client())
    return ArtifactRepository(uri)
