"""A tracking store with registered models, and `runwright serve` started on it as a
real subprocess (uvicorn on a free loopback port, ready once /ping answers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fixtures.live_server import free_port
from tests.integration.serving.defs import populate

START_TIMEOUT = 120.0
# The models pickled from tests.integration.serving.defs load in the server's process.
REPO = Path(__file__).resolve().parents[3]


@dataclass
class ScoringServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def post(self, body: bytes | str, content_type: str = "application/json") -> httpx.Response:
        return httpx.post(
            self.url + "/invocations",
            content=body,
            headers={"Content-Type": content_type},
            timeout=60,
        )

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def start_scoring_server(store: Path, *args: str, log_dir: Path) -> ScoringServer:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNWRIGHT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    log = log_dir / f"serve-{port}.log"
    command = [sys.executable, "-m", "runwright", "--tracking-uri", str(store), "serve"]
    command += [*args, "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = ScoringServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"runwright serve exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(server.url + "/ping", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"runwright serve did not come up:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="package")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("serving-store") / "store"
    populate(store)
    return store


@pytest.fixture(scope="package")
def serve(
    model_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., ScoringServer]]:
    """Starts servers on the model store; stops them all at the end."""
    started: list[ScoringServer] = []
    logs = tmp_path_factory.mktemp("serving-logs")

    def start(*args: str) -> ScoringServer:
        server = start_scoring_server(model_store, *args, log_dir=logs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="package")
def champion(serve: Callable[..., ScoringServer]) -> ScoringServer:
    """``lin@champion`` (3x - 2z + 5) with the default settings."""
    return serve("models:/lin@champion")
