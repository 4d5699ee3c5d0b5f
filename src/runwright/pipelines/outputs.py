"""Step outputs in the artifact store: written once with a content hash, read by reference.

Outputs go under the producing run's ``outputs/`` folder, so they show up with the
run's other artifacts. On a local artifact root the file is serialised in place and
renamed into view (no copy, no half-written file); elsewhere (an object store, a
tracking server's artifact proxy) it is written to a temp folder and uploaded.

A ref's URI names the file without any context: a local path, a ``scheme://`` URI,
or, for a tracking server's ``mlflow-artifacts:`` roots, the URL of the file on the
server's proxy, so a worker process, a later run or another machine can read it.
Readers that hold a tracking store pass its `artifact_repository` as ``open_root``:
it adds the store's credentials and connection pool.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from runwright.artifacts import ArtifactStore, artifact_repository_for, join_uri
from runwright.artifacts.durability import fsync_file
from runwright.artifacts.http import PROXY_SCHEME
from runwright.artifacts.repository import PARTIAL_PREFIX
from runwright.entities.pipelines import OutputRef
from runwright.errors import NotFoundError
from runwright.pipelines.serializers import load_value, save_value

__all__ = [
    "OUTPUTS_FOLDER",
    "RootOpener",
    "load_output",
    "local_path_of",
    "output_available",
    "store_outputs",
]

OUTPUTS_FOLDER = "outputs"
_CHUNK = 1 << 20

#: An artifact root URI to the repository serving it (a tracking store's
#: `artifact_repository`, or `artifact_repository_for` when there is no store).
RootOpener = Callable[[str], ArtifactStore]


def local_path_of(uri: str) -> Path | None:
    """The filesystem path behind a plain path or ``file://`` URI; None for remote ones
    (``mlflow-artifacts:/...`` included, though it has no ``//``)."""
    if uri.startswith(PROXY_SCHEME):
        return None
    if "://" not in uri:
        return Path(uri)
    parts = urlsplit(uri)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def _file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def store_outputs(
    values: Mapping[str, Any],
    *,
    artifact_root: str,
    producer_run_id: str,
    sync: bool = True,
    open_root: RootOpener = artifact_repository_for,
) -> list[OutputRef]:
    """Serialise each named value into ``<artifact_root>/outputs/``; returns their refs.

    ``sync=False`` leaves local files for the caller to flush to disk
    (`runwright.artifacts.durability.flush_to_disk`), many at once.
    """
    refs: list[OutputRef] = []
    local_root = local_path_of(artifact_root)
    if local_root is not None:
        # Absolute, as ArtifactRepository makes a plain root: the refs outlive this cwd.
        folder = local_root.absolute() / OUTPUTS_FOLDER
        # Not Path.mkdir(parents=True): it tries each missing level first and fails,
        # two wasted mkdir calls per step for a new run's artifacts/outputs/ folder.
        os.makedirs(folder, exist_ok=True)
        for name, value in values.items():
            # Written under the artifact store's own partial prefix (listings and
            # downloads skip it, so a worker killed mid-write leaves nothing that looks
            # like an output), then renamed into view: no temp folder, no copy.
            partial = f"{PARTIAL_PREFIX}{uuid.uuid4().hex}-{name}"
            try:
                written, stored = save_value(value, folder, partial)
                content_hash, size = _file_digest(written)
                if sync:
                    fsync_file(written)
                final = folder / f"{name}{written.name[len(partial) :]}"
                os.replace(written, final)
            except BaseException:
                for leftover in folder.glob(f"{partial}*"):
                    leftover.unlink(missing_ok=True)
                raise
            refs.append(OutputRef(name, str(final), stored, content_hash, size, producer_run_id))
        return refs
    repository = open_root(artifact_root)
    with tempfile.TemporaryDirectory(prefix="runwright-outputs-") as temp_dir:
        for name, value in values.items():
            saved, stored = save_value(value, Path(temp_dir), name)
            content_hash, size = _file_digest(saved)
            repository.log_file(saved, OUTPUTS_FOLDER)
            # The repository's own root: a proxy root as its URL, readable anywhere.
            uri = join_uri(repository.root_uri, OUTPUTS_FOLDER, saved.name)
            refs.append(OutputRef(name, uri, stored, content_hash, size, producer_run_id))
    return refs


def output_available(ref: OutputRef, *, open_root: RootOpener = artifact_repository_for) -> bool:
    """Whether an output is still there: a local one whole (its size), a remote one at all.

    Checked before a cached output is reused: artifacts can be deleted by hand, and a
    machine that lost power may keep a step's record but not its file. A remote file
    is opened and closed unread (object stores and the artifact proxy store files
    whole, so being there is enough); a store that cannot be reached raises.
    """
    local = local_path_of(ref.uri)
    if local is not None:
        try:
            return local.stat().st_size == ref.size
        except OSError:
            return False
    folder, name = _split(ref.uri)
    try:
        with open_root(folder).open(name):
            return True
    except NotFoundError:
        return False


def load_output(ref: OutputRef, *, open_root: RootOpener = artifact_repository_for) -> Any:
    """The value behind a ref; remote files are fetched to a temp folder first."""
    local = local_path_of(ref.uri)
    if local is not None:
        return load_value(local, ref.serializer)
    folder, name = _split(ref.uri)
    with tempfile.TemporaryDirectory(prefix="runwright-inputs-") as temp_dir:
        return load_value(open_root(folder).download(name, temp_dir), ref.serializer)


def _split(uri: str) -> tuple[str, str]:
    """A remote output's folder (an artifact root of its own) and file name."""
    folder, _, name = uri.rpartition("/")
    return folder, name
