"""The tracking store behind `http(s)://` tracking URIs: a client of a tracking server.

Layout: `transport` (HTTP, retries, errors), `parsing` (MLflow JSON to entities),
`experiments` and `runs` (one module per resource), composed in `store`.
"""

from __future__ import annotations

from runwright.store.rest.store import RestTrackingStore, open_rest_store

__all__ = ["RestTrackingStore", "open_rest_store"]
