"""Listing entries of an artifact store."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FileInfo"]


@dataclass(frozen=True, slots=True)
class FileInfo:
    """`path` is relative to the listed root; `file_size` is None for directories."""

    path: str
    is_dir: bool
    file_size: int | None = None
