"""Facts about this process that every layer records: the time, the user, the program.

One place for them, so a run, a registry event and a pipeline step stamped at the same
moment by the same user say the same thing.
"""

from __future__ import annotations

import getpass
import sys
import time

__all__ = ["current_user", "entry_point", "now_ms"]


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
