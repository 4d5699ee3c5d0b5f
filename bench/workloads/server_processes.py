"""Starting and stopping the tracking servers under test, each in its own folder.

A server is started in a new session (its own process group), so that stopping it
also stops what it started: uvicorn's worker processes, and anything MLflow's CLI
launches beside them. Its output goes to a log file in its folder, whose tail is
shown when it fails to come up.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = [
    "SETTLE_SECONDS",
    "RunningServer",
    "ServerDiedError",
    "ServerError",
    "ServerKind",
    "free_port",
    "start_server",
]

HEALTH_PATH = "/health"
# MLflow needs tens of seconds to come up on a busy two-core machine.
START_TIMEOUT = 240.0
SETTLE_SECONDS = 3.0
STOP_TIMEOUT = 30.0
_POLL_INTERVAL = 0.02


class ServerError(Exception):
    """A server did not come up, or went down; the message carries its last log lines."""

    def __init__(self, what: str, log_tail: str, *, exited: bool) -> None:
        super().__init__(f"{what}:\n{log_tail}")
        self.exited = exited
        self.reason = _reason(what, log_tail)


class ServerDiedError(ServerError):
    """A server that had come up exited while it was being used."""


def _reason(what: str, log_tail: str) -> str:
    """What went wrong in one line: `what` and the log's last exception line."""
    errors = [ln.strip() for ln in log_tail.splitlines() if "Error" in ln or "ERROR" in ln]
    # uvicorn ends with generic lines ("Application startup failed"); the cause is the
    # exception line before them.
    causes = [ln for ln in errors if not ln.startswith("ERROR:")] or errors
    return f"{what}: {causes[-1][:300]}" if causes else what


@dataclass(frozen=True)
class ServerKind:
    """How to start one tool's server on a folder of its own."""

    name: str
    # The interpreter of the server's environment (for reporting versions).
    python: Path
    # (folder, port, workers) -> the command line; the folder is fresh or reused.
    command: Callable[[Path, int, int], list[str]]
    env: dict[str, str]


@dataclass
class RunningServer:
    kind: ServerKind
    folder: Path
    port: int
    process: subprocess.Popen[bytes]
    # From the call that started the process to the first 200 from /health.
    start_seconds: float
    # Why earlier attempts to start it failed, if any did.
    failed_starts: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL if it lingers."""
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT)
        # Workers or helpers left behind by a parent that exited first.
        _signal_group(self.process.pid, signal.SIGKILL)

    def check_alive(self) -> None:
        """Raise ServerDiedError if the server has exited since it came up."""
        if self.process.poll() is not None:
            what = f"{self.kind.name} server exited {self.process.returncode} while in use"
            raise ServerDiedError(what, self.log_tail(), exited=True)

    def log_tail(self, lines: int = 30) -> str:
        log = self.folder / f"{self.kind.name}-server.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").strip().splitlines()[-lines:])


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    # The group is the one this module created for the server (start_new_session).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(
    kind: ServerKind, folder: Path, workers: int, *, fresh: bool, attempts: int = 3
) -> RunningServer:
    """Start the server on `folder` and wait until /health answers 200 and the server
    then stays up for SETTLE_SECONDS (a worker that fails to start takes the whole
    server down a moment after another worker has answered).

    A server that exits while starting is started again, up to `attempts` times in all;
    on a `fresh` folder everything the failed attempt wrote is removed first, so that
    the next attempt starts fresh too. The failures are kept on the server returned.
    """
    failures: list[str] = []
    while True:
        try:
            server = _start_once(kind, folder, workers)
        except ServerError as exc:
            failures.append(exc.reason)
            if len(failures) >= attempts or not exc.exited:
                raise
            _set_aside(folder, kind, len(failures), clear=fresh)
            continue
        server.failed_starts = failures
        return server


def _start_once(kind: ServerKind, folder: Path, workers: int) -> RunningServer:
    port = free_port()
    log = (folder / f"{kind.name}-server.log").open("ab")
    began = time.perf_counter()
    process = subprocess.Popen(
        kind.command(folder, port, workers),
        cwd=folder,
        env=kind.env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    server = RunningServer(kind, folder, port, process, 0.0)
    try:
        server.start_seconds = _wait_healthy(server, began)
    except BaseException:
        server.stop()
        raise
    return server


def _set_aside(folder: Path, kind: ServerKind, attempt: int, *, clear: bool) -> None:
    """Keep a failed attempt's log under another name; on a fresh folder, remove the rest."""
    log = folder / f"{kind.name}-server.log"
    if log.exists():
        log.rename(folder / f"{kind.name}-server.failed-{attempt}.log")
    if not clear:
        return
    for path in folder.iterdir():
        if path.name.endswith(".log"):
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _wait_healthy(server: RunningServer, began: float) -> float:
    """Seconds from `began` to the first 200 from /health, once the server has also
    stayed up for SETTLE_SECONDS after it."""
    name = server.kind.name
    deadline = began + START_TIMEOUT
    healthy_after: float | None = None
    with httpx.Client(timeout=2.0) as http:
        while time.perf_counter() < deadline:
            if server.process.poll() is not None:
                when = "before answering" if healthy_after is None else "just after answering"
                raise ServerError(
                    f"{name} server exited {server.process.returncode} {when} {HEALTH_PATH}",
                    server.log_tail(),
                    exited=True,
                )
            now = time.perf_counter()
            if healthy_after is not None and now - began - healthy_after >= SETTLE_SECONDS:
                return healthy_after
            try:
                answered = http.get(server.url + HEALTH_PATH).status_code == 200
            except httpx.TransportError:
                answered = False
            if answered and healthy_after is None:
                healthy_after = time.perf_counter() - began
            time.sleep(_POLL_INTERVAL if healthy_after is None else 0.1)
    raise ServerError(
        f"{name} server did not answer {HEALTH_PATH} within {START_TIMEOUT:.0f} s",
        server.log_tail(),
        exited=False,
    )
