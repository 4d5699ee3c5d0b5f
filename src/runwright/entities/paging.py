"""A page of search results with the token for the next one."""

from __future__ import annotations

from typing import Generic, TypeVar

__all__ = ["PagedList"]

T = TypeVar("T")


class PagedList(list[T], Generic[T]):
    """A list that also carries `token`: pass it back to get the next page (None at the end)."""

    def __init__(self, items: list[T] | tuple[T, ...] = (), token: str | None = None) -> None:
        super().__init__(items)
        self.token = token
