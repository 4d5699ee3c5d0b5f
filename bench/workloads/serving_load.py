"""Driving a scoring server with `wrk` (a compiled HTTP load generator, so that the
client is not the bottleneck on two cores) and reading its results.

`wrk` comes from Debian's package; :func:`ensure_wrk` installs it with apt-get when it
is missing and this process may, and otherwise says how.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LUA", "Load", "WrkMissingError", "ensure_wrk", "run_wrk"]

LUA = Path(__file__).resolve().parent / "serving_wrk.lua"
RESULT_PREFIX = "RESULT "


class WrkMissingError(Exception):
    """wrk is not installed and could not be."""


@dataclass(frozen=True)
class Load:
    """One load shape: `connections` clients POSTing `body` for `seconds`."""

    name: str
    body: str
    connections: int
    seconds: float


def ensure_wrk() -> str:
    """The path of `wrk`, installed from Debian's package if need be."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise WrkMissingError(
            "this benchmark drives the servers with wrk: install it (Debian/Ubuntu: "
            "`sudo apt-get install -y wrk`) and run it again"
        )
    for step in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        done = subprocess.run(step, capture_output=True, text=True, check=False, timeout=900)
        if done.returncode != 0 and step[1] == "install":
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise WrkMissingError(
                "wrk is missing and `apt-get install -y wrk` failed: " + " / ".join(tail)
            )
    found = shutil.which("wrk")
    if not found:
        raise WrkMissingError("wrk is still missing after `apt-get install -y wrk`")
    return found


def run_wrk(wrk: str, url: str, load: Load, body_file: Path) -> dict[str, Any]:
    """One wrk run; its RESULT plus requests/s. Non-2xx answers count as errors."""
    threads = min(load.connections, 2)
    command = [
        wrk,
        f"-t{threads}",
        f"-c{load.connections}",
        f"-d{load.seconds:g}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        url + "/invocations",
    ]
    env = dict(os.environ, RW_BODY_FILE=str(body_file))
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=load.seconds + 120
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {(done.stderr or done.stdout)[-500:]}")
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX) :])
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds if seconds > 0 else 0.0
    result["errors"] = sum(
        result[k]
        for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return result
