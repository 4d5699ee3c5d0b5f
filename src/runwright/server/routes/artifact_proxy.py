"""The artifact proxy: MLflow's ``/api/2.0/mlflow-artifacts`` endpoints (and the UI's
``/ajax-api`` alias) over the server's artifact destination.

Every path is relative to the destination, the folder or bucket that
``mlflow-artifacts:/`` stands for (runs keep theirs in ``<experiment>/<run>/artifacts``)::

    PUT    /artifacts/<path>               raw body -> the file               {}
    GET    /artifacts/<path>               the file, streamed as an attachment
    GET    /artifacts?path=<folder>        {"files": [{path (base name), is_dir, file_size}]}
    DELETE /artifacts/<path>               {}
    POST   /mpu/create/<folder>            {path, num_parts} -> {upload_id, credentials}
    PUT    /mpu/part/<upload_id>/<number>  raw body -> one part, its MD5 as the ETag
    POST   /mpu/complete/<folder>          {path, upload_id, parts} -> {}
    POST   /mpu/abort/<folder>             {path, upload_id} -> {}

Worth knowing:

- Bodies stream to a temporary file in 1 MiB writes and are stored through the
  destination's repository only once complete, so no file is held in memory and a
  broken upload stores nothing.
- Paths are refused as MLflow refuses them: any ``..`` component, absolute paths,
  URIs and NUL bytes, also after one more round of percent-decoding (``%252e%252e``).
- For a multipart upload the client names the local file in ``path`` and the folder
  in the URL, as MLflow's client does; the file lands at ``<folder>/<base name>``.
  Parts are staged on the server's local disk whatever the destination is, then
  joined in order, so every worker of one server must share the temporary folder
  (run them on one host).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from runwright.artifacts.http import PROXY_ROUTE, PROXY_SCHEME
from runwright.artifacts.paths import normalize_artifact_path
from runwright.artifacts.protocol import ArtifactStore
from runwright.errors import (
    ArtifactPathError,
    InvalidArgumentError,
    NotFoundError,
    RunwrightError,
    StoreUnavailableError,
)
from runwright.server.dependencies import ClientDep
from runwright.server.rendering import file_info_json

__all__ = ["PROXY_PREFIXES", "multipart_staging_root", "router"]

PROXY_PREFIXES = (PROXY_ROUTE, "/ajax-api/2.0/mlflow-artifacts")
MAX_PARTS = 10_000
# Staged uploads nobody completed or aborted are removed after this long.
STALE_UPLOAD_SECONDS = 24 * 60 * 60

_CHUNK_SIZE = 1024 * 1024
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_MANIFEST = "upload.json"


def _destination(client: ClientDep) -> ArtifactStore:
    store = client.store
    if PROXY_SCHEME not in store.artifact_mounts:
        raise StoreUnavailableError(
            "this server does not serve artifacts; clients write to the artifact store directly"
        )
    return store.artifact_repository(PROXY_SCHEME + "/")


DestinationDep = Annotated[ArtifactStore, Depends(_destination)]

_routes = APIRouter(tags=["artifacts"])


# -- plain files -------------------------------------------------------------------


@_routes.put("/artifacts/{path:path}")
async def upload_artifact(
    path: str, request: Request, destination: DestinationDep
) -> dict[str, Any]:
    relative = _file_path(path)
    folder, _, name = relative.rpartition("/")
    scratch = await run_in_threadpool(tempfile.mkdtemp, prefix="runwright-upload-")
    try:
        local = os.path.join(scratch, name)
        await _receive(request, local)
        await run_in_threadpool(destination.log_file, local, folder or None)
    finally:
        await run_in_threadpool(shutil.rmtree, scratch, True)
    return {}


@_routes.get("/artifacts/{path:path}")
def download_artifact(path: str, destination: DestinationDep) -> StreamingResponse:
    relative = _file_path(path)
    try:
        stream = destination.open(relative)
    except NotFoundError:
        # Said again without the destination's location, which is the server's business.
        raise NotFoundError(f"no artifact file {relative!r}") from None
    name = relative.rsplit("/", 1)[-1]
    return StreamingResponse(
        _chunks(stream),
        media_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@_routes.get("/artifacts")
def list_artifacts(destination: DestinationDep, path: str | None = None) -> dict[str, Any]:
    relative = _checked_path(path or "")
    files = destination.list(relative)
    return {"files": [file_info_json(info, relative_to=relative) for info in files]}


@_routes.delete("/artifacts/{path:path}")
def delete_artifact(path: str, destination: DestinationDep) -> dict[str, Any]:
    relative = _checked_path(path)
    if not relative:
        raise InvalidArgumentError(
            "refusing to delete the whole artifact destination; name a path below it"
        )
    destination.delete(relative)
    return {}


# -- multipart uploads -------------------------------------------------------------


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CreateMultipartUpload(_Request):
    path: str
    num_parts: int = Field(default=1, ge=1, le=MAX_PARTS)


class UploadedPart(_Request):
    part_number: int
    etag: str | None = None
    url: str | None = None


class CompleteMultipartUpload(_Request):
    path: str
    upload_id: str
    parts: list[UploadedPart] = Field(default_factory=list)


class AbortMultipartUpload(_Request):
    path: str
    upload_id: str


@_routes.post("/mpu/create/{path:path}")
def create_multipart_upload(
    path: str, body: CreateMultipartUpload, request: Request, destination: DestinationDep
) -> dict[str, Any]:
    target = _multipart_target(path, body.path)
    _remove_stale_uploads()
    upload = _StagedUpload.start(destination.root_uri, target, body.num_parts)
    credentials = [
        {
            "url": str(
                request.url_for(
                    "artifact_proxy_upload_part",
                    upload_id=upload.upload_id,
                    part_number=str(number),
                )
            ),
            "part_number": number,
            "headers": {},
        }
        for number in range(1, body.num_parts + 1)
    ]
    return {"upload_id": upload.upload_id, "credentials": credentials}


@_routes.put("/mpu/part/{upload_id}/{part_number}", name="artifact_proxy_upload_part")
async def upload_part(upload_id: str, part_number: int, request: Request) -> JSONResponse:
    upload = await run_in_threadpool(_StagedUpload.find, upload_id)
    upload.check_part_number(part_number)
    digest = hashlib.md5(usedforsecurity=False)
    partial = upload.folder / f"part-{part_number:05d}.{uuid.uuid4().hex}.partial"
    try:
        await _receive(request, os.fspath(partial), digest)
        os.replace(partial, upload.part_file(part_number))
    except BaseException:
        with suppress(FileNotFoundError):
            os.remove(partial)
        raise
    return JSONResponse({}, headers={"ETag": f'"{digest.hexdigest()}"'})


@_routes.post("/mpu/complete/{path:path}")
def complete_multipart_upload(
    path: str, body: CompleteMultipartUpload, destination: DestinationDep
) -> dict[str, Any]:
    target = _multipart_target(path, body.path)
    upload = _StagedUpload.find(body.upload_id)
    upload.check_target(destination.root_uri, target)
    parts = sorted(body.parts, key=lambda part: part.part_number)
    if [part.part_number for part in parts] != list(range(1, upload.num_parts + 1)):
        raise InvalidArgumentError(
            f"a multipart upload of {upload.num_parts} parts completes with parts 1 to "
            f"{upload.num_parts}, each once; got {[part.part_number for part in body.parts]}"
        )
    folder, _, name = target.rpartition("/")
    assembled = upload.folder / "assembled" / name
    assembled.parent.mkdir(exist_ok=True)
    with assembled.open("wb") as sink:
        for part in parts:
            _append_part(upload, part, sink)
    destination.log_file(assembled, folder or None)
    upload.remove()
    return {}


@_routes.post("/mpu/abort/{path:path}")
def abort_multipart_upload(
    path: str, body: AbortMultipartUpload, destination: DestinationDep
) -> dict[str, Any]:
    target = _multipart_target(path, body.path)
    try:
        upload = _StagedUpload.find(body.upload_id)
    except NotFoundError:
        return {}
    upload.check_target(destination.root_uri, target)
    upload.remove()
    return {}


router = APIRouter()
for _prefix in PROXY_PREFIXES:
    router.include_router(_routes, prefix=_prefix)


# -- helpers -----------------------------------------------------------------------


def _checked_path(raw: str) -> str:
    """The normalised form of a path taken from a request, refused as MLflow refuses it."""
    # The server has decoded the URL once; a second decoding catches %252e%252e and %2500.
    for candidate in (raw, unquote(raw)):
        if ".." in candidate.replace("\\", "/").split("/"):
            raise ArtifactPathError(f"artifact path {raw!r} contains a '..' component")
        normalize_artifact_path(candidate)
    return normalize_artifact_path(raw)


def _file_path(raw: str) -> str:
    relative = _checked_path(raw)
    if not relative:
        raise InvalidArgumentError("the path names the artifact destination, not a file")
    return relative


def _multipart_target(folder: str, local_file: str) -> str:
    name = local_file.replace("\\", "/").rsplit("/", 1)[-1]
    if name in ("", ".", ".."):
        raise InvalidArgumentError(
            f"'path' must name the local file being uploaded, got {local_file!r}"
        )
    checked = _checked_path(folder)
    return _file_path(f"{checked}/{name}" if checked else name)


async def _receive(request: Request, target: str, digest: Any = None) -> None:
    """Stream the request body into the local file ``target``, off the event loop."""
    sink = await run_in_threadpool(open, target, "wb")
    try:
        pending = bytearray()
        async for chunk in request.stream():
            pending += chunk
            if len(pending) >= _CHUNK_SIZE:
                await run_in_threadpool(_write, sink, bytes(pending), digest)
                pending.clear()
        if pending:
            await run_in_threadpool(_write, sink, bytes(pending), digest)
    finally:
        await run_in_threadpool(sink.close)


def _write(sink: IO[bytes], data: bytes, digest: Any) -> None:
    sink.write(data)
    if digest is not None:
        digest.update(data)


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := stream.read(_CHUNK_SIZE):
            yield chunk
    finally:
        stream.close()


def _append_part(upload: _StagedUpload, part: UploadedPart, sink: IO[bytes]) -> None:
    staged = upload.part_file(part.part_number)
    digest = hashlib.md5(usedforsecurity=False)
    try:
        source = staged.open("rb")
    except FileNotFoundError:
        raise InvalidArgumentError(
            f"part {part.part_number} of upload {upload.upload_id} was never uploaded"
        ) from None
    with source:
        while chunk := source.read(_CHUNK_SIZE):
            sink.write(chunk)
            digest.update(chunk)
    expected = (part.etag or "").strip('"')
    if expected and expected != digest.hexdigest():
        raise InvalidArgumentError(
            f"part {part.part_number} of upload {upload.upload_id} has ETag "
            f'"{digest.hexdigest()}", not {part.etag!r}'
        )


def multipart_staging_root() -> Path:
    """The local folder (only this user's) where parts of multipart uploads wait."""
    owner = os.getuid() if hasattr(os, "getuid") else "user"
    root = Path(tempfile.gettempdir(), f"runwright-multipart-{owner}")
    root.mkdir(mode=0o700, exist_ok=True)
    status = root.lstat()
    if root.is_symlink() or (hasattr(os, "getuid") and status.st_uid != os.getuid()):
        raise RunwrightError(f"refusing to stage uploads in {root}: it is not this user's folder")
    return root


def _remove_stale_uploads() -> None:
    cutoff = time.time() - STALE_UPLOAD_SECONDS
    for folder in multipart_staging_root().iterdir():
        with suppress(OSError):
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder)


@dataclass(frozen=True, slots=True)
class _StagedUpload:
    """A multipart upload in progress: its manifest and parts in a staging folder."""

    upload_id: str
    folder: Path
    destination: str
    path: str
    num_parts: int

    @classmethod
    def start(cls, destination: str, path: str, num_parts: int) -> _StagedUpload:
        upload_id = uuid.uuid4().hex
        folder = multipart_staging_root() / upload_id
        folder.mkdir(mode=0o700)
        manifest = {"destination": destination, "path": path, "num_parts": num_parts}
        (folder / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        return cls(upload_id, folder, destination, path, num_parts)

    @classmethod
    def find(cls, upload_id: str) -> _StagedUpload:
        if not _UPLOAD_ID.match(upload_id):
            raise InvalidArgumentError(f"{upload_id!r} is not an upload id")
        folder = multipart_staging_root() / upload_id
        try:
            manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFoundError(
                f"no multipart upload {upload_id}: never created, completed or aborted"
            ) from None
        return cls(
            upload_id,
            folder,
            str(manifest["destination"]),
            str(manifest["path"]),
            int(manifest["num_parts"]),
        )

    def part_file(self, number: int) -> Path:
        return self.folder / f"part-{number:05d}"

    def check_part_number(self, number: int) -> None:
        if not 1 <= number <= self.num_parts:
            raise InvalidArgumentError(
                f"upload {self.upload_id} has parts 1 to {self.num_parts}, not {number}"
            )

    def check_target(self, destination: str, path: str) -> None:
        if (destination, path) != (self.destination, self.path):
            raise InvalidArgumentError(f"upload {self.upload_id} is not an upload of {path!r}")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
