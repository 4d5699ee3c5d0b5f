"""All configuration in one place, read from `RUNWRIGHT_*` environment variables.

Nothing else in the package reads `os.environ`: code takes a :class:`Settings` (or a
value from one) explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from runwright.errors import InvalidArgumentError

__all__ = ["DEFAULT_HOME", "Settings"]

DEFAULT_HOME = ".runwright"
_PREFIX = "RUNWRIGHT_"


@dataclass(frozen=True, slots=True)
class Settings:
    # Where runs are stored; None means ./.runwright (resolved against the cwd on use).
    tracking_uri: str | None = None
    # Root for new experiments' artifacts; None means next to the database.
    artifacts_uri: str | None = None
    # Tracking server: where the artifact proxy keeps files (None: next to the database).
    artifacts_destination: str | None = None
    # Background metric logger: values per store write, queue bound, and how long a
    # value may wait before it is written even if the batch is not full.
    log_batch_size: int = 10_000
    log_queue_size: int = 1_000_000
    log_flush_interval: float = 1.0
    # A RUNNING run with no write and no heartbeat for this long is shown as stale.
    heartbeat_interval: float = 30.0
    stale_after: float = 300.0
    # How long a SQLite writer waits for another writer's lock before giving up.
    sqlite_busy_timeout: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, raw, f.type)
        return cls(**values)  # type: ignore[arg-type]

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _convert(name: str, raw: str, annotation: object) -> object:
    kind = str(annotation)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise InvalidArgumentError(
            f"{_PREFIX}{name.upper()} must be a {kind}, got {raw!r}"
        ) from None
    return raw
