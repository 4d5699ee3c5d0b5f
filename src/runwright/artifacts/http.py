"""The artifacts under one root of a tracking server's artifact proxy, over HTTP.

A tracking server in proxied mode hands out artifact roots such as
``mlflow-artifacts:/1/<run_id>/artifacts`` and serves the files behind them at
``<server>/api/2.0/mlflow-artifacts/artifacts/<path>``.
:class:`HttpArtifactRepository` talks to those endpoints and offers the same methods
as :class:`~runwright.artifacts.repository.ArtifactRepository`, with the same path
rules, so callers need not know where the files are.

Worth knowing:

- httpx is imported on first use, not on import.
- Uploads stream from the local file and downloads stream to it; neither holds a
  whole file in memory. A download is written to a hidden file next to its target
  and renamed into place once complete.
- Errors come back as the server sent them (:class:`~runwright.errors.NotFoundError`
  for a missing file, :class:`~runwright.errors.InvalidArgumentError` for a refused
  path...); a server that cannot be reached gives
  :class:`~runwright.errors.StoreUnavailableError`.
- As on object stores, folders exist through their files: :meth:`log_dir` sends no
  empty folders.
"""

from __future__ import annotations

import builtins
import io
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import suppress
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from runwright.artifacts.paths import normalize_artifact_path
from runwright.artifacts.repository import PARTIAL_PREFIX, LocalPath
from runwright.entities.artifacts import FileInfo
from runwright.errors import (
    InvalidArgumentError,
    NotFoundError,
    RunwrightError,
    StoreUnavailableError,
    error_class_for_code,
)

if TYPE_CHECKING:
    import httpx

__all__ = [
    "PROXY_ROUTE",
    "PROXY_SCHEME",
    "HttpArtifactRepository",
    "is_proxy_url",
    "shared_client",
]

PROXY_SCHEME = "mlflow-artifacts:"
"""The scheme of artifact roots that a tracking server's artifact proxy serves."""

PROXY_ROUTE = "/api/2.0/mlflow-artifacts"
"""Where a tracking server mounts its artifact proxy, below the server's URL."""

_CHUNK_SIZE = 1024 * 1024
# MLflow's client allows 120 s per request; a big upload is stored before the reply.
_TIMEOUT_SECONDS = 120.0
_CONNECT_TIMEOUT_SECONDS = 10.0


class HttpArtifactRepository:
    """The artifacts below ``root_path`` of the artifact proxy at ``base_url``.

    ``base_url`` is the tracking server's URL (``http://host:5000``, or with a path
    prefix if the server sits behind one); ``root_path`` is the root's path below the
    proxy, e.g. ``"1/<run_id>/artifacts"`` for ``mlflow-artifacts:/1/<run_id>/artifacts``.
    Pass ``http`` to share a configured client (authentication, TLS, timeouts); the
    repository then leaves closing it to the caller. Without it, the repository opens
    its own client on first use, which :meth:`close` closes.
    """

    def __init__(
        self, base_url: str, root_path: str = "", *, http: httpx.Client | None = None
    ) -> None:
        if not isinstance(base_url, str) or urlsplit(base_url).scheme not in ("http", "https"):
            raise InvalidArgumentError(
                f"the artifact proxy needs an http(s) server URL, got {base_url!r}"
            )
        self.base_url = base_url.rstrip("/")
        self.root_path = normalize_artifact_path(root_path)
        self._given_http = http
        self._artifacts_url = f"{self.base_url}{PROXY_ROUTE}/artifacts"
        self.root_uri = self._url("")

    @classmethod
    def from_artifact_uri(
        cls, artifact_uri: str, tracking_uri: str | None = None, *, http: httpx.Client | None = None
    ) -> HttpArtifactRepository:
        """The repository for an artifact root as a tracking server hands it out.

        Takes ``mlflow-artifacts:/<path>`` (served by the server at ``tracking_uri``),
        ``mlflow-artifacts://host:port/<path>`` (served by that host, over the
        tracking URI's scheme) and ``http(s)://…/api/2.0/mlflow-artifacts/artifacts/<path>``.
        """
        parts = urlsplit(artifact_uri)
        if parts.scheme in ("http", "https"):
            anchor = f"{PROXY_ROUTE}/artifacts"
            base, found, rest = artifact_uri.partition(anchor)
            if not found or (rest and not rest.startswith("/")):
                raise InvalidArgumentError(
                    f"{artifact_uri!r} is not an artifact proxy URL (no {anchor!r} in it)"
                )
            # The path as `root_uri` writes it, percent-encoded.
            return cls(base, unquote(rest.lstrip("/")), http=http)
        if f"{parts.scheme}:" != PROXY_SCHEME:
            raise InvalidArgumentError(
                f"{artifact_uri!r} is neither a {PROXY_SCHEME} URI nor an http(s) URL"
            )
        tracking = urlsplit(tracking_uri or "")
        if tracking.scheme not in ("http", "https"):
            raise InvalidArgumentError(
                f"{artifact_uri!r} is served by a tracking server, but the tracking URI "
                f"{tracking_uri!r} is not an http(s) URL"
            )
        if parts.netloc:
            base = f"{tracking.scheme}://{parts.netloc}"
        else:
            base = (tracking_uri or "").split("?", 1)[0].split("#", 1)[0]
        return cls(base, parts.path.lstrip("/"), http=http)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, {self.root_path!r})"

    def close(self) -> None:
        """Close the HTTP client this repository opened itself; a given one stays open."""
        if self._given_http is None and "_http" in self.__dict__:
            self._http.close()
            del self.__dict__["_http"]

    # -- writing ---------------------------------------------------------------------

    def log_file(self, local_path: LocalPath, artifact_path: str | None = None) -> None:
        """Upload one local file, under the folder ``artifact_path`` if given.

        The file keeps its base name; an artifact of that name is replaced.
        """
        source = os.fspath(local_path)
        if not os.path.isfile(source):
            raise InvalidArgumentError(f"cannot log {source!r}: it is not a file")
        folder = normalize_artifact_path(artifact_path)
        name = os.path.basename(source)
        relative = self._relative_file(f"{folder}/{name}" if folder else name)
        self._upload(source, relative)

    def log_dir(self, local_dir: LocalPath, artifact_path: str | None = None) -> None:
        """Upload the files under a local folder into ``artifact_path`` (default: the root).

        As MLflow's ``log_artifacts``: the folder's contents land in ``artifact_path``,
        not a sub-folder named after it. Every path is checked before the first upload.
        """
        source = os.fspath(local_dir)
        if not os.path.isdir(source):
            raise InvalidArgumentError(f"cannot log {source!r}: it is not a folder")
        folder = normalize_artifact_path(artifact_path)
        pairs: builtins.list[tuple[str, str]] = []
        for local_folder, _subfolders, names in os.walk(source):
            inner = os.path.relpath(local_folder, source)
            for name in sorted(names):
                file_path = os.path.join(local_folder, name)
                if not os.path.isfile(file_path):
                    continue
                parts = (folder, "" if inner == os.curdir else inner, name)
                joined = "/".join(part for part in parts if part)
                pairs.append((file_path, self._relative_file(joined)))
        for file_path, relative in pairs:
            self._upload(file_path, relative)

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        """Store ``data`` as the artifact ``artifact_file``."""
        relative = self._relative_file(artifact_file)
        self._request("PUT", self._url(relative), content=data, headers=_OCTET_STREAM)

    def write_text(self, artifact_file: str, text: str, *, encoding: str = "utf-8") -> None:
        """Store ``text`` as the artifact ``artifact_file``."""
        self.write_bytes(artifact_file, text.encode(encoding))

    # -- reading ---------------------------------------------------------------------

    def list(self, path: str | None = None) -> builtins.list[FileInfo]:
        """The direct children of the folder ``path`` (default: the root), sorted by path.

        Paths are relative to the root (listing ``"meta"`` gives ``"meta/classes.json"``).
        A missing path or a file gives ``[]``.
        """
        relative = self._relative(path)
        response = self._request(
            "GET", self._artifacts_url, params={"path": self._proxy_path(relative)}
        )
        entries = response.json().get("files") or []
        children = []
        for entry in entries:
            name = _checked_name(entry.get("path"))
            is_dir = bool(entry.get("is_dir", False))
            size = None if is_dir else int(entry.get("file_size") or 0)
            child = f"{relative}/{name}" if relative else name
            children.append(FileInfo(path=child, is_dir=is_dir, file_size=size))
        return sorted(children, key=lambda info: info.path)

    def download(self, path: str, dst_dir: LocalPath) -> Path:
        """Copy the file or folder ``path`` (``""``: the whole root) below ``dst_dir``.

        As MLflow does, the artifact keeps its path below ``dst_dir``: downloading
        ``"meta/classes.json"`` into ``out`` gives, and returns, ``out/meta/classes.json``.
        The root always downloads, as an empty folder if nothing was ever written.
        """
        relative = self._relative(path)
        destination = _local_path(dst_dir, relative)
        children = self.list(relative)
        if relative and not children:
            self._download_file(relative, destination)
            return destination
        found = [*self._walk(children)]
        destination.mkdir(parents=True, exist_ok=True)
        for info in found:
            local = _local_path(dst_dir, info.path)
            if info.is_dir:
                local.mkdir(parents=True, exist_ok=True)
            else:
                self._download_file(info.path, local)
        return destination

    def read_bytes(self, path: str) -> bytes:
        """The whole content of the artifact file ``path``; use :meth:`open` for big files."""
        relative = self._relative(path)
        return self._request("GET", self._url(relative)).content

    def open(self, path: str) -> IO[bytes]:
        """A binary file object streaming the artifact file ``path``; close it (``with``)."""
        relative = self._relative(path)
        response = self._send_streaming("GET", self._url(relative))
        return io.BufferedReader(_ResponseReader(response), buffer_size=_CHUNK_SIZE)

    # -- deleting --------------------------------------------------------------------

    def delete(self, path: str | None = None) -> None:
        """Delete the file or folder ``path``, or the whole root; a missing one is fine."""
        relative = self._relative(path)
        self._request("DELETE", self._url(relative))

    # -- internals -------------------------------------------------------------------

    @cached_property
    def _http(self) -> httpx.Client:
        if self._given_http is not None:
            return self._given_http
        return _new_client()

    def _relative(self, artifact_path: str | None) -> str:
        relative = normalize_artifact_path(artifact_path)
        if any(part.startswith(PARTIAL_PREFIX) for part in relative.split("/")):
            raise InvalidArgumentError(
                f"artifact path {relative!r}: names starting with {PARTIAL_PREFIX!r} "
                "are reserved for files being written"
            )
        return relative

    def _relative_file(self, artifact_file: str) -> str:
        relative = self._relative(artifact_file)
        if not relative:
            raise InvalidArgumentError(
                f"artifact file {artifact_file!r} names the artifact root, not a file"
            )
        return relative

    def _proxy_path(self, relative: str) -> str:
        """The path below the proxy's root of a path relative to this repository's root."""
        return "/".join(part for part in (self.root_path, relative) if part)

    def _url(self, relative: str) -> str:
        return f"{self._artifacts_url}/{quote(self._proxy_path(relative), safe='/')}"

    def _upload(self, source: str, relative: str) -> None:
        # A file object makes httpx stream the body and send its Content-Length.
        with open(source, "rb") as stream:
            self._request("PUT", self._url(relative), content=stream, headers=_OCTET_STREAM)

    def _download_file(self, relative: str, destination: Path) -> None:
        response = self._send_streaming("GET", self._url(relative))
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            descriptor, partial = tempfile.mkstemp(
                dir=destination.parent, prefix=f".{destination.name}.", suffix=".download"
            )
            try:
                with os.fdopen(descriptor, "wb") as sink:
                    for chunk in response.iter_bytes(_CHUNK_SIZE):
                        sink.write(chunk)
                os.replace(partial, destination)
            except BaseException:
                with suppress(FileNotFoundError):
                    os.remove(partial)
                raise
        finally:
            response.close()

    def _walk(self, children: builtins.list[FileInfo]) -> Iterator[FileInfo]:
        pending = [children]
        while pending:
            for info in pending.pop():
                yield info
                if info.is_dir:
                    pending.append(self.list(info.path))

    def _request(self, method: str, url: str, **options: Any) -> httpx.Response:
        import httpx

        try:
            response = self._http.request(method, url, **options)
        except httpx.TransportError as exc:
            raise _unreachable(method, url, exc) from exc
        _raise_for_status(response)
        return response

    def _send_streaming(self, method: str, url: str) -> httpx.Response:
        import httpx

        request = self._http.build_request(method, url)
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise _unreachable(method, url, exc) from exc
        if not response.is_success:
            try:
                response.read()
            finally:
                response.close()
            _raise_for_status(response)
        return response


_OCTET_STREAM = {"Content-Type": "application/octet-stream"}


def _new_client() -> httpx.Client:
    import httpx

    timeout = httpx.Timeout(_TIMEOUT_SECONDS, connect=_CONNECT_TIMEOUT_SECONDS)
    return httpx.Client(timeout=timeout)


_shared: dict[int, httpx.Client] = {}
_shared_lock = threading.Lock()


def shared_client() -> httpx.Client:
    """This process's client for repositories opened from a URL alone, kept open for
    the process's life: making a client costs tens of milliseconds (its TLS context),
    more than the few requests such a repository makes, and a shared one keeps its
    connections. A forked process makes its own rather than use its parent's sockets."""
    pid = os.getpid()
    with _shared_lock:
        found = _shared.get(pid)
        if found is None:
            _shared.clear()
            found = _shared[pid] = _new_client()
        return found


def is_proxy_url(uri: str) -> bool:
    """Whether ``uri`` is an http(s) URL below a tracking server's artifact proxy, as
    :attr:`HttpArtifactRepository.root_uri` gives them."""
    return urlsplit(uri).scheme in ("http", "https") and f"{PROXY_ROUTE}/artifacts" in uri


class _ResponseReader(io.RawIOBase):
    """The body of a streamed response as a raw binary file; closing it closes the response."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__()
        self._response = response
        self._chunks = response.iter_bytes()
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        target = memoryview(buffer).cast("B")
        size = min(len(target), len(self._pending))
        target[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()


def _raise_for_status(response: httpx.Response) -> None:
    if response.is_success:
        return
    status = response.status_code
    request = response.request
    code, message = "", ""
    with suppress(ValueError, AttributeError):
        body = response.json()
        code, message = str(body["error_code"]), str(body["message"])
    if not message:
        text = response.text.strip()[:300]
        message = f"{request.method} {request.url} answered {status}"
        if text:
            message = f"{message}: {text}"
    error_class = error_class_for_code(code) if code else RunwrightError
    if error_class is RunwrightError:
        error_class = _CLASS_BY_STATUS.get(status, RunwrightError)
    raise error_class(message)


_CLASS_BY_STATUS: dict[int, type[RunwrightError]] = {
    400: InvalidArgumentError,
    404: NotFoundError,
    503: StoreUnavailableError,
}


def _unreachable(method: str, url: str, exc: Exception) -> StoreUnavailableError:
    return StoreUnavailableError(f"cannot reach the artifact proxy ({method} {url}): {exc}")


def _checked_name(name: object) -> str:
    """A base name the server listed, refused if it could name anything but one child."""
    if (
        not isinstance(name, str)
        or name in ("", ".", "..")
        or any(character in name for character in "/\\\x00")
    ):
        raise RunwrightError(f"the artifact proxy listed an unusable name: {name!r}")
    return name


def _local_path(dst_dir: LocalPath, relative: str) -> Path:
    return Path(dst_dir).joinpath(*relative.split("/")) if relative else Path(dst_dir)
