"""The artifact store: files of runs and models on any fsspec filesystem, kept inside their root."""

from __future__ import annotations

from runwright.artifacts.paths import join_uri, normalize_artifact_path
from runwright.artifacts.repository import ArtifactRepository, artifact_repository_for

__all__ = [
    "ArtifactRepository",
    "artifact_repository_for",
    "join_uri",
    "normalize_artifact_path",
]
