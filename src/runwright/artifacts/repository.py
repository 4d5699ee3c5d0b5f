"""The artifact store: one artifact root on any fsspec filesystem.

An :class:`ArtifactRepository` holds a root URI (a local path, ``file://``,
``memory://``, ``s3://``...) and copies files into and out of it. Every artifact path
goes through :mod:`runwright.artifacts.paths` first, so nothing a caller names can
reach outside the root.

Worth knowing:

- fsspec is imported on first use, not on import, to keep ``import runwright`` fast.
- On the local filesystem each file is first written to a hidden partial file in its
  final folder (name starting with :data:`PARTIAL_PREFIX`), flushed to disk, then
  renamed over the target: a killed process leaves the old artifact or the new one,
  never half of one. Partial files are never listed or downloaded. Object stores give
  the same guarantee per object.
- A symbolic link inside a local root may point elsewhere inside the root; one that
  resolves outside is refused when named, and left out of listings and downloads.
- Glob characters (``*?[``) in paths are taken literally, never expanded.
- As on object stores, a folder exists through the files in it: :meth:`log_dir` does
  not copy empty local folders.
"""

from __future__ import annotations

import builtins
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any, cast

from runwright.artifacts.paths import (
    ensure_inside_real_root,
    is_inside_real_root,
    normalize_artifact_path,
)
from runwright.entities.artifacts import FileInfo
from runwright.errors import InvalidArgumentError, NotFoundError, RunwrightError

__all__ = ["PARTIAL_PREFIX", "ArtifactRepository", "LocalPath"]

PARTIAL_PREFIX = ".runwright-partial-"
"""Names of local files still being written; a killed writer may leave one behind."""

LocalPath = str | os.PathLike[str]

_COPY_CHUNK_SIZE = 1024 * 1024
_GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class _Root:
    """The root as fsspec sees it: a filesystem and a path in that filesystem's form."""

    fs: Any
    path: str
    is_local: bool

    def join(self, relative: str) -> str:
        if not relative:
            return self.path
        return f"{self.path.rstrip('/')}/{relative}"


class ArtifactRepository:
    """The artifacts under one root URI: a run's ``.../<run_id>/artifacts``, or any folder.

    A plain path is made absolute when the repository is created, so a later change
    of working directory does not move the root. The root need not exist: the first
    write creates it, and reading a missing root finds nothing.
    """

    def __init__(self, root_uri: str) -> None:
        if not isinstance(root_uri, str) or not root_uri:
            raise InvalidArgumentError("an artifact root URI must be a non-empty string")
        if "\x00" in root_uri:
            raise InvalidArgumentError(f"artifact root URI {root_uri!r} contains a NUL byte")
        self.root_uri = root_uri if "://" in root_uri else os.path.abspath(root_uri)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root_uri!r})"

    # -- writing ---------------------------------------------------------------------

    def log_file(self, local_path: LocalPath, artifact_path: str | None = None) -> None:
        """Copy one local file into the root, under the folder ``artifact_path`` if given.

        The file keeps its base name; an artifact of that name is replaced.
        """
        source = os.fspath(local_path)
        if not os.path.isfile(source):
            raise InvalidArgumentError(f"cannot log {source!r}: it is not a file")
        folder = normalize_artifact_path(artifact_path)
        name = os.path.basename(source)
        self._put([(source, normalize_artifact_path(f"{folder}/{name}" if folder else name))])

    def log_dir(self, local_dir: LocalPath, artifact_path: str | None = None) -> None:
        """Copy the files under a local folder into ``artifact_path`` (default: the root).

        As MLflow's ``log_artifacts``: the folder's contents land in ``artifact_path``,
        not a sub-folder named after it. Symbolic links to files are copied as files;
        linked folders are not followed.
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
                pairs.append((file_path, normalize_artifact_path("/".join(p for p in parts if p))))
        self._put(pairs)

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        """Store ``data`` as the artifact ``artifact_file``, creating its folders."""
        relative, target = self._resolve_file(artifact_file)
        if self._root.is_local:
            self._write_local(relative, target, lambda stream: stream.write(data))
        else:
            self._root.fs.pipe_file(target, data)

    def write_text(self, artifact_file: str, text: str, *, encoding: str = "utf-8") -> None:
        """Store ``text`` as the artifact ``artifact_file``, creating its folders."""
        self.write_bytes(artifact_file, text.encode(encoding))

    # -- reading ---------------------------------------------------------------------

    def list(self, path: str | None = None) -> builtins.list[FileInfo]:
        """The direct children of the folder ``path`` (default: the root), sorted by path.

        Paths are relative to the root (listing ``"meta"`` gives ``"meta/classes.json"``).
        A missing path or a file gives ``[]``.
        """
        relative, target = self._resolve(path)
        fs = self._root.fs
        fs.invalidate_cache(target)
        if not fs.isdir(target):
            return []
        return sorted(self._children(relative, target), key=lambda info: info.path)

    def download(self, path: str, dst_dir: LocalPath) -> Path:
        """Copy the file or folder ``path`` (``""``: the whole root) below ``dst_dir``.

        As MLflow does, the artifact keeps its path below ``dst_dir``: downloading
        ``"meta/classes.json"`` into ``out`` gives, and returns, ``out/meta/classes.json``.
        The root always downloads, as an empty folder if nothing was ever written.
        """
        relative, target = self._resolve(path)
        fs = self._root.fs
        fs.invalidate_cache(target)
        destination = _local_path(dst_dir, relative)
        if not relative or fs.isdir(target):
            # Listed before anything is created, in case dst_dir lies inside the root.
            found = [*self._walk(relative, target)]
            destination.mkdir(parents=True, exist_ok=True)
            sources: builtins.list[str] = []
            copies: builtins.list[str] = []
            for info in found:
                local = _local_path(dst_dir, info.path)
                if info.is_dir:
                    local.mkdir(parents=True, exist_ok=True)
                else:
                    sources.append(self._root.join(info.path))
                    copies.append(os.fspath(local))
            # Lists on both sides: fsspec copies the names as given, without globbing.
            fs.get(sources, copies)
        elif fs.isfile(target):
            destination.parent.mkdir(parents=True, exist_ok=True)
            fs.get_file(target, os.fspath(destination))
        else:
            raise NotFoundError(f"no artifact {relative!r} under {self.root_uri}")
        return destination

    def read_bytes(self, path: str) -> bytes:
        """The whole content of the artifact file ``path``; use :meth:`open` for big files."""
        relative, target = self._resolve(path)
        try:
            return cast(bytes, self._root.fs.cat_file(target))
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise self._not_a_file(relative, target) from exc

    def open(self, path: str) -> IO[bytes]:
        """A binary file object reading the artifact file ``path``; close it (``with``)."""
        relative, target = self._resolve(path)
        try:
            stream = self._root.fs.open(target, "rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise self._not_a_file(relative, target) from exc
        return cast(IO[bytes], stream)

    # -- deleting --------------------------------------------------------------------

    def delete(self, path: str | None = None) -> None:
        """Delete the file or folder ``path``, or the whole root; a missing one is fine.

        On the local filesystem a symbolic link is removed, never what it points to.
        """
        _relative, target = self._resolve(path)
        if self._root.is_local:
            with suppress(FileNotFoundError):
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target)
                elif os.path.lexists(target):
                    os.remove(target)
            return
        fs = self._root.fs
        fs.invalidate_cache(target)
        if not fs.exists(target):
            return
        if _GLOB_CHARACTERS.isdisjoint(target):
            fs.rm(target, recursive=True)
        else:
            self._delete_literally(target)

    # -- internals -------------------------------------------------------------------

    @cached_property
    def _root(self) -> _Root:
        from fsspec.core import url_to_fs
        from fsspec.implementations.local import LocalFileSystem

        try:
            fs, path = url_to_fs(self.root_uri)
        except (ImportError, ValueError) as exc:
            raise InvalidArgumentError(
                f"cannot open artifact root {self.root_uri!r}: {exc}"
            ) from exc
        return _Root(fs=fs, path=str(path), is_local=isinstance(fs, LocalFileSystem))

    def _resolve(self, artifact_path: str | None) -> tuple[str, str]:
        """The normalised relative path and the filesystem path it names, both checked."""
        relative = normalize_artifact_path(artifact_path)
        if any(part.startswith(PARTIAL_PREFIX) for part in relative.split("/")):
            raise InvalidArgumentError(
                f"artifact path {relative!r}: names starting with {PARTIAL_PREFIX!r} "
                "are reserved for files being written"
            )
        root = self._root
        target = root.join(relative)
        if root.is_local:
            ensure_inside_real_root(root.path, target, relative)
        return relative, target

    def _resolve_file(self, artifact_file: str) -> tuple[str, str]:
        relative, target = self._resolve(artifact_file)
        if not relative:
            raise InvalidArgumentError(
                f"artifact file {artifact_file!r} names the artifact root, not a file"
            )
        return relative, target

    def _put(self, pairs: builtins.list[tuple[str, str]]) -> None:
        """Copy local files (source, relative artifact path) in; all paths checked first."""
        targets = [self._resolve(relative) for _source, relative in pairs]
        sources = [source for source, _relative in pairs]
        if self._root.is_local:
            for source, (relative, target) in zip(sources, targets, strict=True):
                self._write_local(relative, target, _copier(source))
        else:
            # Lists on both sides: fsspec copies the names as given, without globbing.
            self._root.fs.put(sources, [target for _relative, target in targets])

    def _write_local(self, relative: str, target: str, fill: Callable[[IO[bytes]], object]) -> None:
        folder = os.path.dirname(target)
        try:
            os.makedirs(folder, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise InvalidArgumentError(
                f"cannot write artifact {relative!r}: one of its folders is a file"
            ) from exc
        if os.path.isdir(target):
            raise InvalidArgumentError(f"cannot write artifact {relative!r}: it is a folder")
        partial = os.path.join(folder, f"{PARTIAL_PREFIX}{uuid.uuid4().hex}")
        # os.open with 0o666 lets the umask decide the mode, as a plain open() would.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        descriptor = os.open(partial, flags, 0o666)
        try:
            with os.fdopen(descriptor, "wb") as stream:
                fill(stream)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(partial, target)
        except BaseException:
            with suppress(FileNotFoundError):
                os.remove(partial)
            raise

    def _children(self, relative: str, target: str) -> builtins.list[FileInfo]:
        root = self._root
        try:
            entries = root.fs.ls(target, detail=True)
        except FileNotFoundError:
            return []
        own_name = target.rstrip("/")
        children: builtins.list[FileInfo] = []
        for entry in entries:
            name = str(entry["name"]).rstrip("/")
            base = name.rsplit("/", 1)[-1]
            if name == own_name or base.startswith(PARTIAL_PREFIX):
                continue
            child = f"{relative}/{base}" if relative else base
            followed = self._followed_link(name) if root.is_local and entry.get("islink") else entry
            info = _file_info(child, followed)
            if info is not None:
                children.append(info)
        return children

    def _followed_link(self, name: str) -> dict[str, Any]:
        """The entry a local link points to; empty if outside the root or dangling."""
        root = self._root
        if not is_inside_real_root(root.path, name):
            return {}
        try:
            return cast(dict[str, Any], root.fs.info(name))
        except FileNotFoundError:
            return {}

    def _walk(self, relative: str, target: str) -> Iterator[FileInfo]:
        """Every file and folder below ``target``, without entering a folder twice."""
        root = self._root
        seen: set[str] = set()
        pending = [(relative, target)]
        while pending:
            folder_relative, folder = pending.pop()
            if root.is_local:
                # A link back up the tree would otherwise make the walk endless.
                real_folder = os.path.realpath(folder)
                if real_folder in seen:
                    continue
                seen.add(real_folder)
            for info in self._children(folder_relative, folder):
                yield info
                if info.is_dir:
                    pending.append((info.path, root.join(info.path)))

    def _delete_literally(self, target: str) -> None:
        """Delete without fsspec's ``rm``, which would expand glob characters in ``target``."""
        fs = self._root.fs
        entries = fs.find(target, withdirs=True, detail=True)
        # Longest names first: every folder is emptied before it is removed.
        for name in sorted(entries, key=len, reverse=True):
            if entries[name].get("type") == "directory":
                with suppress(OSError):
                    fs.rmdir(name)
            else:
                fs.rm_file(name)

    def _not_a_file(self, relative: str, target: str) -> RunwrightError:
        fs = self._root.fs
        fs.invalidate_cache(target)
        if fs.isdir(target):
            return InvalidArgumentError(f"artifact {relative or '.'!r} is a folder, not a file")
        return NotFoundError(f"no artifact file {relative!r} under {self.root_uri}")


def _copier(source: str) -> Callable[[IO[bytes]], None]:
    def copy(stream: IO[bytes]) -> None:
        with open(source, "rb") as file:
            shutil.copyfileobj(file, stream, _COPY_CHUNK_SIZE)

    return copy


def _file_info(path: str, entry: dict[str, Any]) -> FileInfo | None:
    kind = entry.get("type")
    if kind == "directory":
        return FileInfo(path=path, is_dir=True, file_size=None)
    if kind == "file":
        return FileInfo(path=path, is_dir=False, file_size=int(entry.get("size") or 0))
    return None


def _local_path(dst_dir: LocalPath, relative: str) -> Path:
    return Path(dst_dir).joinpath(*relative.split("/")) if relative else Path(dst_dir)
