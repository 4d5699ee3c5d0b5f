"""Step outputs in the artifact store: written once with a content hash, read by reference.

Outputs go under the producing run's ``outputs/`` folder, so they show up with the
run's other artifacts. On a local artifact root the file is serialised in place and
renamed into view (no copy, no half-written file); elsewhere it is written to a temp
folder and uploaded.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from runwright.artifacts import ArtifactRepository, join_uri
from runwright.artifacts.durability import fsync_file
from runwright.artifacts.repository import PARTIAL_PREFIX
from runwright.entities.pipelines import OutputRef
from runwright.pipelines.serializers import load_value, save_value

__all__ = ["OUTPUTS_FOLDER", "load_output", "local_path_of", "output_available", "store_outputs"]

OUTPUTS_FOLDER = "outputs"
_CHUNK = 1 << 20


def local_path_of(uri: str) -> Path | None:
    """The filesystem path behind a plain path or ``file://`` URI; None for remote ones."""
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
    values: Mapping[str, Any], *, artifact_root: str, producer_run_id: str, sync: bool = True
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
        folder.mkdir(parents=True, exist_ok=True)
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
    repository = ArtifactRepository(artifact_root)
    with tempfile.TemporaryDirectory(prefix="runwright-outputs-") as temp_dir:
        for name, value in values.items():
            saved, stored = save_value(value, Path(temp_dir), name)
            content_hash, size = _file_digest(saved)
            repository.log_file(saved, OUTPUTS_FOLDER)
            uri = join_uri(artifact_root, OUTPUTS_FOLDER, saved.name)
            refs.append(OutputRef(name, uri, stored, content_hash, size, producer_run_id))
    return refs


def output_available(ref: OutputRef) -> bool:
    """Whether a local output is still there whole (a remote one is assumed to be).

    Checked before a cached output is reused: artifacts can be deleted by hand, and a
    machine that lost power may keep a step's record but not its file.
    """
    local = local_path_of(ref.uri)
    if local is None:
        return True
    try:
        return local.stat().st_size == ref.size
    except OSError:
        return False


def load_output(ref: OutputRef) -> Any:
    """The value behind a ref; remote files are fetched to a temp folder first."""
    local = local_path_of(ref.uri)
    if local is not None:
        return load_value(local, ref.serializer)
    import fsspec

    with tempfile.TemporaryDirectory(prefix="runwright-inputs-") as temp_dir:
        target = Path(temp_dir) / ref.uri.rsplit("/", 1)[-1]
        filesystem, path = fsspec.core.url_to_fs(ref.uri)
        filesystem.get_file(path, str(target))
        return load_value(target, ref.serializer)
