"""Tracking-server benchmark: Runwright's server vs MLflow's, driven over HTTP.

    uv run python bench/tracking_server.py                  # full run, ~1 hour the first time
    uv run python bench/tracking_server.py --quick          # smaller sizes, a smoke run
    uv run python bench/tracking_server.py --repeat 5 --json out.json

Both servers run with the same number of uvicorn workers (--workers, default 2) on
SQLite in a fresh temporary folder: `runwright server` from this project's environment,
`mlflow server` from the pinned environment bench/.venvs/mlflow-<version> (made with pip
on first use). The same client code (workloads/server_clients.py: plain httpx against
the REST endpoints) drives both. Measures are interleaved, one tool then the other,
with the order flipped each round, so that noise from a shared machine hits both.

MLflow takes long to store the 10,000-run search population through its API, so that
population is kept under bench/.work/ (keyed by MLflow's version and a digest of the
data) and copied into later runs' fresh folders; `--repopulate` ignores that copy.
Runwright's population is always stored afresh.

A server that dies (while starting, or under load) is counted and its step redone on
a fresh one, up to 3 tries: the figures stay comparable and the death is reported.

Exit status: 0, or 1 when a sanity check failed (Runwright answering with errors or
dying, a history not read back whole, or the tools disagreeing on a search result).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
from harness import Measured, console, ensure_venv
from rich.console import Console
from workloads.server_clients import (
    FULL,
    HISTORY_PAGE,
    QUICK,
    ApiError,
    Sizes,
    concurrent_mix,
    create_runs,
    ingest,
    ping,
    populate_search,
    read_history,
    search_latencies,
)
from workloads.server_processes import (
    RunningServer,
    ServerDiedError,
    ServerError,
    ServerKind,
    start_server,
)
from workloads.server_report import (
    Setup,
    checks,
    notes,
    render_markdown,
    render_table,
    summarise,
)
from workloads.shapes import search_rows_digest

BENCH = Path(__file__).resolve().parent
MLFLOW_VERSION = "3.17.2"
MLFLOW_VENV = BENCH / ".venvs" / f"mlflow-{MLFLOW_VERSION}"
MLFLOW_CACHE = BENCH / ".work" / f"mlflow-{MLFLOW_VERSION}"
# Compiled bytecode for both servers, kept apart from either environment: without it a
# server started in an environment installed without .pyc files (uv's default) would
# compile every module it imports on each start.
PYCACHE = BENCH / ".work" / "pycache"
TOOLS = ("runwright", "mlflow")
FAILURES = (ServerError, ApiError, httpx.HTTPError, OSError)
# Tries of a step whose server died under it.
ATTEMPTS = 3
# GET /health round trips per round, for the transport floor.
PINGS = 50


# -- the servers ---------------------------------------------------------------------------


def _base_env() -> dict[str, str]:
    """The caller's environment without anything that would steer either tool."""
    dropped = ("RUNWRIGHT_", "MLFLOW_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env | {"PYTHONPYCACHEPREFIX": str(PYCACHE)}


def _runwright_kind() -> ServerKind:
    script = Path(sys.executable).parent / "runwright"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "runwright"]

    def command(folder: Path, port: int, workers: int) -> list[str]:
        return [
            *launcher,
            "server",
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--backend-store-uri", str(folder / "rw")),
            *("--artifacts-destination", str(folder / "rwartifacts")),
            *("--workers", str(workers)),
        ]

    return ServerKind("runwright", Path(sys.executable), command, _base_env())


def _mlflow_kind(python: Path) -> ServerKind:
    def command(folder: Path, port: int, workers: int) -> list[str]:
        return [
            str(python.parent / "mlflow"),
            "server",
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}"),
            *("--artifacts-destination", str(folder / "mlartifacts")),
            *("--workers", str(workers)),
        ]

    env = _base_env() | {
        # Nothing may leave the machine.
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "GIT_PYTHON_REFRESH": "quiet",
        # The job runner (a huey consumer per GenAI job type, ~8 processes) serves no
        # tracking endpoint; left on, it would compete for the two cores.
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }
    return ServerKind("mlflow", python, command, env)


def _kinds(only: str | None, workers: int, out: Measured) -> tuple[list[ServerKind], str | None]:
    """The servers to measure, each started once (untimed: it fills the bytecode cache
    and shows that it starts at all), and why MLflow is missing when it is."""
    kinds = [] if only == "mlflow" else [_runwright_kind()]
    missing = None
    if only == "runwright":
        missing = "skipped (--only runwright)"
    else:
        python, missing = ensure_venv(MLFLOW_VENV, "mlflow", MLFLOW_VERSION)
        if python is not None:
            kinds.append(_mlflow_kind(python))
    for kind in list(kinds):
        try:
            with _fresh_server(kind, workers, out) as server:
                console.print(
                    f"  {kind.name:<9} first start (untimed) {server.start_seconds:.1f} s"
                )
        except FAILURES as exc:
            if kind.name == "runwright":
                raise
            missing = f"`mlflow server` did not start: {exc}"
            kinds.remove(kind)
    if missing:
        console.print(f"[bold red]MLflow will be missing: {missing}")
    return kinds, missing


@contextmanager
def _fresh_folder(kind: ServerKind) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"rw-bench-server-{kind.name}-") as folder:
        yield Path(folder)


def _start(
    kind: ServerKind, folder: Path, workers: int, out: Measured, *, fresh: bool
) -> RunningServer:
    """Start a server, noting any attempt that died while starting."""
    try:
        server = start_server(kind, folder, workers, fresh=fresh)
    except ServerError as exc:
        _add(out, kind.name, "start_failures", {"fresh": fresh, "reason": exc.reason})
        raise
    for reason in server.failed_starts:
        _add(out, kind.name, "start_failures", {"fresh": fresh, "reason": reason})
        console.print(f"  [red]{kind.name:<9} died while starting, started again: {reason}")
    return server


@contextmanager
def _running(
    kind: ServerKind, folder: Path, workers: int, out: Measured, *, fresh: bool
) -> Iterator[RunningServer]:
    """A started server, stopped on leaving; ServerDiedError if it went down meanwhile."""
    server = _start(kind, folder, workers, out, fresh=fresh)
    try:
        try:
            yield server
        except BaseException:
            # A dead server is the cause of whatever went wrong.
            _check_alive(server, out, fresh=fresh)
            raise
        _check_alive(server, out, fresh=fresh)
    finally:
        server.stop()


def _check_alive(server: RunningServer, out: Measured, *, fresh: bool) -> None:
    try:
        server.check_alive()
    except ServerDiedError as exc:
        _add(out, server.kind.name, "start_failures", {"fresh": fresh, "reason": exc.reason})
        raise


@contextmanager
def _fresh_server(kind: ServerKind, workers: int, out: Measured) -> Iterator[RunningServer]:
    with _fresh_folder(kind) as folder, _running(kind, folder, workers, out, fresh=True) as server:
        yield server


# -- measuring -----------------------------------------------------------------------------


def _add(out: Measured, tool: str, key: str, result: dict[str, Any]) -> None:
    out.put(tool, key, [*(out.get(tool, key) or []), result])


def _attempt(out: Measured, tool: str, key: str, step: Callable[..., None], *args: Any) -> None:
    """Run one step of a round, again (from a fresh server) if its server died under it,
    up to ATTEMPTS times; a failure is noted and the benchmark goes on."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            step(*args)
            return
        except ServerDiedError as exc:
            console.print(f"  [red]{tool:<9} {key}: the server died ({exc.reason})")
            if attempt == ATTEMPTS:
                out.fail(tool, key, exc)
        except FAILURES as exc:
            out.fail(tool, key, exc)
            return


def _sequential(kind: ServerKind, sizes: Sizes, workers: int, out: Measured) -> None:
    """On a fresh server: start time, runs/create, log-batch ingest, reading the
    ingested history; then the time to start again on the store just written."""
    name = kind.name
    with _fresh_folder(kind) as folder:
        # Kept only once the server has lasted the whole step.
        with _running(kind, folder, workers, out, fresh=True) as server:
            floor = ping(server.url, PINGS)
            made = create_runs(server.url, sizes.runs)
            fed = ingest(server.url, sizes.batches, sizes.batch)
            whole = read_history(server.url, fed["run_id"], sizes.history_reads, None)
            paged = read_history(server.url, fed["run_id"], sizes.history_reads, HISTORY_PAGE)
        _add(out, name, "start_fresh", {"seconds": server.start_seconds})
        _add(out, name, "ping", floor)
        _add(out, name, "create_runs", made)
        _add(out, name, "ingest", fed)
        _add(out, name, "history_whole", whole)
        _add(out, name, "history_paged", paged)
        console.print(
            f"  {name:<9} start {server.start_seconds:.2f} s, /health "
            f"{floor['p50'] * 1000:.1f} ms, {sizes.runs} runs "
            f"{made['seconds']:.1f} s, ingest {fed['seconds']:.1f} s, history "
            f"{min(whole['seconds']):.2f} s / paged {min(paged['seconds']):.2f} s"
        )
        with _running(kind, folder, workers, out, fresh=False) as again:
            _add(out, name, "start_existing", {"seconds": again.start_seconds})


def _mix(kind: ServerKind, sizes: Sizes, workers: int, out: Measured) -> None:
    with _fresh_server(kind, workers, out) as server:
        result = concurrent_mix(server.url, sizes.clients, sizes.mix_seconds)
    _add(out, kind.name, "mix", result)
    rate = result["requests"] / result["seconds"]
    console.print(
        f"  {kind.name:<9} mix {rate:,.0f} requests/s, {result['error_count']} errors, "
        f"p95 {result['p95'] * 1000:.0f} ms"
    )


def _mlflow_search_store(runs: int) -> Path:
    return MLFLOW_CACHE / f"server-search-{runs}-{search_rows_digest(runs)}"


def _populated(
    kind: ServerKind, folder: Path, sizes: Sizes, workers: int, repopulate: bool, out: Measured
) -> tuple[RunningServer, str]:
    """A server on a folder holding the search population, and the experiment's id."""
    stored = _mlflow_search_store(sizes.search_runs) if kind.name == "mlflow" else None
    if stored is not None and (stored / "mlflow.db").exists() and not repopulate:
        shutil.copy2(stored / "mlflow.db", folder / "mlflow.db")
        experiment_id = (stored / "experiment_id").read_text().strip()
        console.print(f"  {kind.name:<9} reusing the search population in {stored}")
        _add(out, kind.name, "search_populate", {"seconds": None})
        return _start(kind, folder, workers, out, fresh=False), experiment_id
    server = _start(kind, folder, workers, out, fresh=True)
    try:
        console.print(f"  {kind.name:<9} storing {sizes.search_runs:,} runs through the API…")
        populated = populate_search(server.url, sizes.search_runs)
    except BaseException:
        try:
            _check_alive(server, out, fresh=True)
        finally:
            server.stop()
        raise
    _add(out, kind.name, "search_populate", {"seconds": populated["seconds"]})
    console.print(f"  {kind.name:<9} stored in {populated['seconds']:,.0f} s")
    if stored is not None:
        # Stopped first, so that the copy is a whole database.
        server.stop()
        stored.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / "mlflow.db", stored / "mlflow.db")
        (stored / "experiment_id").write_text(populated["experiment_id"])
        server = _start(kind, folder, workers, out, fresh=False)
    return server, populated["experiment_id"]


def _search(
    kinds: list[ServerKind],
    sizes: Sizes,
    rounds: int,
    workers: int,
    repopulate: bool,
    out: Measured,
) -> None:
    """Both servers up on their populations; rounds of queries, alternating tools."""
    with ExitStack() as stack:
        ready: dict[str, tuple[RunningServer, str]] = {}
        for kind in kinds:
            for attempt in range(1, ATTEMPTS + 1):
                folder = stack.enter_context(_fresh_folder(kind))
                try:
                    ready[kind.name] = _populated(kind, folder, sizes, workers, repopulate, out)
                except ServerDiedError as exc:
                    console.print(f"  [red]{kind.name:<9} the server died ({exc.reason})")
                    if attempt == ATTEMPTS:
                        out.fail(kind.name, "search", exc)
                    continue
                except FAILURES as exc:
                    out.fail(kind.name, "search", exc)
                    break
                stack.callback(ready[kind.name][0].stop)
                break
        for index in range(rounds):
            for name in _order(list(ready), index):
                server, experiment_id = ready[name]

                warmup = 2 if index == 0 else 0
                _attempt(out, name, "search", _query, server, experiment_id, sizes, warmup, out)
            console.print(f"  search round {index + 1}/{rounds} done")


def _query(
    server: RunningServer, experiment_id: str, sizes: Sizes, warmup: int, out: Measured
) -> None:
    found = search_latencies(server.url, experiment_id, sizes.search_queries, warmup)
    _add(out, server.kind.name, "search", found)


def _order(names: list[str], index: int) -> list[str]:
    return names if index % 2 == 0 else names[::-1]


def measure(
    kinds: list[ServerKind],
    sizes: Sizes,
    rounds: int,
    workers: int,
    repopulate: bool,
    out: Measured,
) -> None:
    by_name = {k.name: k for k in kinds}
    for index in range(rounds):
        console.print(f"[bold]round {index + 1}/{rounds}")
        order = [by_name[n] for n in _order(list(by_name), index)]
        for kind in order:
            _attempt(out, kind.name, "sequential", _sequential, kind, sizes, workers, out)
        for kind in order:
            _attempt(out, kind.name, "mix", _mix, kind, sizes, workers, out)
    console.print("[bold]search")
    _search(kinds, sizes, rounds, workers, repopulate, out)


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument(
        "--repeat", type=int, help="rounds of every measure (default 3; --quick: 2)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="uvicorn workers for both servers (default 2)"
    )
    parser.add_argument("--only", choices=TOOLS, help="measure one server only")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument(
        "--repopulate", action="store_true", help="store MLflow's search population afresh"
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    rounds = args.repeat or (2 if args.quick else 3)
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    console.print("[bold]starting each server once")
    measured = Measured()
    kinds, missing = _kinds(args.only, args.workers, measured)
    measure(kinds, sizes, rounds, args.workers, args.repopulate, measured)
    console.print(f"measured in {time.perf_counter() - started:,.0f} s")
    if args.json:
        # The raw results first, so that a failure in reporting does not lose them.
        raw = {"raw": measured.results, "errors": measured.errors}
        args.json.write_text(json.dumps(raw, indent=2))

    setup = Setup(
        sizes=sizes,
        quick=args.quick,
        rounds=rounds,
        workers=args.workers,
        mlflow_version=MLFLOW_VERSION,
        mlflow_missing=missing,
        versions=_versions(kinds),
        commit=_commit(),
        load_average=(load_at_start, os.getloadavg()[0]),
    )
    rows = summarise(measured, setup)
    problems = checks(measured, setup)
    lines = notes(measured, setup, problems)
    terminal = Console(highlight=False, width=max(Console().width, 160))
    terminal.print(render_table(rows, setup))
    for line in lines:
        terminal.print(f"• {line}")
    terminal.print()
    markdown = render_markdown(rows, setup, lines)
    print(markdown)
    if args.json:
        payload = {
            "setup": asdict(setup),
            "rows": [asdict(r) | {"ratio": r.ratio(), "speedup": r.speedup()} for r in rows],
            "raw": measured.results,
            "errors": measured.errors,
            "checks_failed": problems,
            "notes": lines,
            "markdown": markdown,
        }
        args.json.write_text(json.dumps(payload, indent=2))
        console.print(f"wrote {args.json}")
    return 1 if problems else 0


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(BENCH), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def _versions(kinds: list[ServerKind]) -> dict[str, str]:
    """The versions of what serves the requests in each environment."""
    found = {}
    probe = (
        "import importlib.metadata as m, sys; "
        "print(' '.join(f'{p} {m.version(p)}' for p in sys.argv[1:]))"
    )
    for kind in kinds:
        packages = [kind.name, "uvicorn", "fastapi", "sqlalchemy"]
        if kind.name == "mlflow":
            packages.append("flask")
        done = subprocess.run(
            [str(kind.python), "-c", probe, *packages], capture_output=True, text=True, check=False
        )
        found[kind.name] = done.stdout.strip() or done.stderr.strip()[-200:]
    return found


if __name__ == "__main__":
    sys.exit(main())
