"""Pick the store for a tracking URI by its scheme.

Factories are named as "module:function" and imported on first use, so that opening
one kind of store never imports the libraries of another.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from runwright.errors import InvalidArgumentError
from runwright.settings import DEFAULT_HOME, Settings
from runwright.store.base import TrackingStore

__all__ = ["open_store", "register_store", "resolve_tracking_uri", "uri_scheme"]

StoreFactory = Callable[[str, Settings], TrackingStore]

_SQL = "runwright.store.sql.factory:open_sql_store"
_REST = "runwright.store.rest.store:open_rest_store"
_FACTORIES: dict[str, str | StoreFactory] = {
    "": _SQL,
    "file": _SQL,
    "sqlite": _SQL,
    "postgresql": _SQL,
    "postgres": _SQL,
    "postgresql+psycopg": _SQL,
    "http": _REST,
    "https": _REST,
}


def register_store(scheme: str, factory: str | StoreFactory) -> None:
    """Serve `scheme://` tracking URIs with `factory(uri, settings)`."""
    _FACTORIES[scheme] = factory


def resolve_tracking_uri(uri: str | None, settings: Settings) -> str:
    """The URI in force: the argument, else RUNWRIGHT_TRACKING_URI, else ./.runwright."""
    chosen = uri or settings.tracking_uri
    if chosen:
        return chosen
    return str(Path(DEFAULT_HOME).absolute())


def uri_scheme(uri: str) -> str:
    scheme = urlsplit(uri).scheme.lower()
    # A Windows drive letter ("C:\\runs") is a path, not a scheme.
    return "" if len(scheme) == 1 else scheme


def open_store(uri: str, settings: Settings) -> TrackingStore:
    scheme = uri_scheme(uri)
    factory = _FACTORIES.get(scheme)
    if factory is None:
        known = ", ".join(sorted(s + "://" for s in _FACTORIES if s)) + " or a folder path"
        raise InvalidArgumentError(
            f"no tracking store for URI scheme {scheme!r} in {uri!r}; use {known}"
        )
    if isinstance(factory, str):
        module_name, _, attribute = factory.partition(":")
        factory = getattr(importlib.import_module(module_name), attribute)
        _FACTORIES[scheme] = factory
    assert callable(factory)
    return factory(uri, settings)
