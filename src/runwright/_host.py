"""Facts about this process that every layer records: the time, the user, the program.

One place for them, so a run, a registry event and a pipeline step stamped at the same
moment by the same user say the same thing.
"""

from __future__ import annotations

import getpass
import os
import sys
import time

__all__ = ["current_user", "entry_point", "new_run_id", "now_ms"]


def now_ms() -> int:
    """Wall-clock time in the unit every Runwright timestamp uses: ms since the epoch."""
    return time.time_ns() // 1_000_000


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def entry_point() -> str:
    """The script or command that started this process, as MLflow's source name."""
    return sys.argv[0] if sys.argv and sys.argv[0] else "<interactive>"


def new_run_id() -> str:
    """32 hex digits, like MLflow's, but time-ordered (the layout of a UUIDv7: 48 bits
    of milliseconds, then 80 random bits).

    Ids that grow with time make each new run's rows land at the end of the tables'
    B-trees, so a pipeline writing a run per step dirties the same few pages over and
    over instead of a random page of every index.
    """
    return f"{now_ms() & 0xFFFF_FFFF_FFFF:012x}{os.urandom(10).hex()}"
