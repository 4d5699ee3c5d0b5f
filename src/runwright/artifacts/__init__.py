"""The artifact store: files of runs and models on any fsspec filesystem, kept inside their root,
or behind a tracking server's artifact proxy."""

from __future__ import annotations

from runwright.artifacts.http import HttpArtifactRepository
from runwright.artifacts.opening import artifact_repository_for
from runwright.artifacts.paths import join_uri, normalize_artifact_path
from runwright.artifacts.protocol import ArtifactStore
from runwright.artifacts.repository import ArtifactRepository

__all__ = [
    "ArtifactRepository",
    "ArtifactStore",
    "HttpArtifactRepository",
    "artifact_repository_for",
    "join_uri",
    "normalize_artifact_path",
]
