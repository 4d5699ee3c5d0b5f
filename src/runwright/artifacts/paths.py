"""Path safety for artifact stores: no artifact path a user names may leave its root.

Two checks, applied by :class:`~runwright.artifacts.repository.ArtifactRepository` on
every call:

- :func:`normalize_artifact_path` is lexical and holds for every filesystem: it turns
  what the user gave into a relative POSIX path (``""`` meaning the root itself) and
  refuses absolute paths, URIs, NUL bytes and ``..`` components that climb above the
  root. Backslashes count as separators, so a Windows client's ``a\\..\\..\\x`` is
  refused on a POSIX server too.
- :func:`ensure_inside_real_root` (and :func:`is_inside_real_root`) is for the local
  filesystem only, where a symbolic link inside the root can point anywhere: the
  real path (links resolved) of the target must lie inside the real path of the root.

:func:`join_uri` builds root URIs (``<experiment location>/<run_id>/artifacts``) from
a plain path or a ``scheme://`` URI and relative parts.
"""

from __future__ import annotations

import os
import re

from runwright.errors import ArtifactPathError, InvalidArgumentError

__all__ = [
    "ensure_inside_real_root",
    "is_inside_real_root",
    "join_uri",
    "normalize_artifact_path",
]

_URI_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# "C:\x", "C:/x" and the drive-relative "C:x" all name a place outside any root.
_DRIVE_PREFIX = re.compile(r"^[A-Za-z]:")


def normalize_artifact_path(path: str | None) -> str:
    """The relative POSIX form of an artifact path; ``""`` for the root itself.

    ``None``, ``""`` and ``"."`` all mean the root. ``.`` components and repeated or
    trailing separators are dropped, and ``a/../b`` becomes ``b``. Raises
    :class:`ArtifactPathError` for a path that is absolute, is a URI, holds a NUL
    byte, or climbs above the root.
    """
    if path is None:
        return ""
    if not isinstance(path, str):
        raise InvalidArgumentError(f"artifact path must be a string, got {type(path).__name__}")
    if "\x00" in path:
        raise ArtifactPathError(f"artifact path {path!r} contains a NUL byte")
    if _URI_PREFIX.match(path):
        raise ArtifactPathError(
            f"artifact path {path!r} is a URI; give a path relative to the artifact root"
        )
    posix = path.replace("\\", "/")
    if posix.startswith("/") or _DRIVE_PREFIX.match(posix):
        raise ArtifactPathError(
            f"artifact path {path!r} is absolute; give a path relative to the artifact root"
        )
    parts: list[str] = []
    for part in posix.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise ArtifactPathError(f"artifact path {path!r} climbs above the artifact root")
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def is_inside_real_root(root: str, target: str) -> bool:
    """Whether the local ``target``, links resolved, lies inside ``root``, links resolved.

    Either may name something that does not exist yet: the parts that exist are
    resolved, the rest is taken as written.
    """
    real_root = os.path.normcase(os.path.realpath(root))
    real_target = os.path.normcase(os.path.realpath(target))
    try:
        return os.path.commonpath([real_root, real_target]) == real_root
    except ValueError:  # different drives on Windows
        return False


def ensure_inside_real_root(root: str, target: str, artifact_path: str) -> None:
    """Refuse a local ``target`` that :func:`is_inside_real_root` puts outside ``root``.

    ``artifact_path`` is what the caller asked for, to name it in the message.
    """
    if not is_inside_real_root(root, target):
        raise ArtifactPathError(
            f"artifact path {artifact_path!r} resolves to {os.path.realpath(target)!r}, "
            "outside the artifact root (through a symbolic link)"
        )


def join_uri(base: str, *parts: str) -> str:
    """``base`` (a plain path or a ``scheme://`` URI) with relative ``parts`` appended.

    Each part is checked by :func:`normalize_artifact_path`, so none can climb out of
    ``base``; empty parts are skipped. ``join_uri("s3://bucket", "1", "abc")`` is
    ``"s3://bucket/1/abc"``, ``join_uri("file:///", "x")`` is ``"file:///x"`` and
    ``join_uri("memory://", "x")`` is ``"memory://x"``.
    """
    if not base:
        raise InvalidArgumentError("cannot join onto an empty base URI")
    tail = "/".join(filter(None, (normalize_artifact_path(part) for part in parts)))
    if not tail:
        return base
    match = _URI_PREFIX.match(base)
    scheme, rest = (match.group(0), base[match.end() :]) if match else ("", base)
    separators = "/" if scheme else "/" + os.sep
    head = rest.rstrip(separators)
    if rest:
        return f"{scheme}{head}/{tail}"
    return f"{scheme}{tail}"
