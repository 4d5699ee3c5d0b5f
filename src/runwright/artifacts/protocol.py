"""What every artifact repository offers, whichever way it reaches the files.

:class:`~runwright.artifacts.repository.ArtifactRepository` (fsspec: a local folder,
``s3://``...) and :class:`~runwright.artifacts.http.HttpArtifactRepository` (a tracking
server's artifact proxy) both satisfy :class:`ArtifactStore`; the tracking store hands
out whichever fits a run's artifact root, and callers see only this interface.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

from runwright.artifacts.repository import LocalPath
from runwright.entities.artifacts import FileInfo

__all__ = ["ArtifactStore"]


@runtime_checkable
class ArtifactStore(Protocol):
    """The files under one artifact root; every artifact path is relative to that root.

    Paths follow :func:`runwright.artifacts.paths.normalize_artifact_path`: nothing a
    caller names can leave the root. A missing file raises
    :class:`~runwright.errors.NotFoundError`.
    """

    @property
    def root_uri(self) -> str:
        """Where the root lives, as a URI or an absolute local path."""
        ...

    def log_file(self, local_path: LocalPath, artifact_path: str | None = None) -> None:
        """Copy one local file in, under the folder ``artifact_path`` if given."""
        ...

    def log_dir(self, local_dir: LocalPath, artifact_path: str | None = None) -> None:
        """Copy the files under a local folder into ``artifact_path`` (default: the root)."""
        ...

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        """Store ``data`` as the artifact file ``artifact_file``."""
        ...

    def write_text(self, artifact_file: str, text: str, *, encoding: str = "utf-8") -> None:
        """Store ``text`` as the artifact file ``artifact_file``."""
        ...

    def list(self, path: str | None = None) -> builtins.list[FileInfo]:
        """The direct children of the folder ``path``, sorted; ``[]`` for a file or nothing."""
        ...

    def download(self, path: str, dst_dir: LocalPath) -> Path:
        """Copy the file or folder ``path`` to the same relative path below ``dst_dir``."""
        ...

    def read_bytes(self, path: str) -> bytes:
        """The whole content of the artifact file ``path``."""
        ...

    def open(self, path: str) -> IO[bytes]:
        """A binary file object reading the artifact file ``path``; close it."""
        ...

    def delete(self, path: str | None = None) -> None:
        """Delete the file or folder ``path``, or the whole root; a missing one is fine."""
        ...
