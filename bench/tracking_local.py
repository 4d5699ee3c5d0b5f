"""Embedded-store benchmark: Runwright vs MLflow, side by side, on local SQLite.

    uv run python bench/tracking_local.py                   # full run, ~10 min when quiet
    uv run python bench/tracking_local.py --quick           # smaller sizes, a smoke run
    uv run python bench/tracking_local.py --only runwright --json out.json

Every measurement runs in a fresh subprocess with a fresh temporary folder holding
the SQLite database: Runwright with this interpreter, MLflow in a pinned virtual
environment at bench/.venvs/mlflow-<version> (created with pip on first use, reused
while it holds that version). The workloads live in bench/workloads/: one worker
script per tool, sharing `shapes.py`, so both tools run the same shapes on the same
data. If MLflow's environment cannot be made, Runwright's figures are still reported.

MLflow needs minutes to store the 10,000-run search population, so the populated
database is kept under bench/.work/ (keyed by MLflow's version and a digest of the
data) and copied into later runs' fresh folders; `--repopulate` ignores that copy.
Runwright's population is always stored afresh.

Exit status: 0, or 1 when a sanity check failed (a value not stored, or the tools
disagreeing on a search result).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from harness import (
    Job,
    Measured,
    Tool,
    WorkerError,
    console,
    ensure_venv,
    run_interleaved,
    run_workload,
    time_imports,
)
from rich.console import Console
from tracking_report import Setup, checks, notes, render_markdown, render_table, summarise
from workloads.shapes import FULL, QUICK, Sizes, search_rows_digest

BENCH = Path(__file__).resolve().parent
WORKLOADS = BENCH / "workloads"
MLFLOW_VERSION = "3.17.2"
MLFLOW_VENV = BENCH / ".venvs" / f"mlflow-{MLFLOW_VERSION}"
MLFLOW_CACHE = BENCH / ".work" / f"mlflow-{MLFLOW_VERSION}"
TOOLS = ("runwright", "mlflow")
MEASURES = ("log_metric", "create_runs", "search", "metric_history", "import")
# Fresh interpreters to time for `import`; cheap, so more than the other measures get.
MIN_IMPORTS = 7


# -- the tools' environments -----------------------------------------------------------------


def _base_env() -> dict[str, str]:
    """The caller's environment without anything that would steer either tool."""
    dropped = ("RUNWRIGHT_", "MLFLOW_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)}


def _runwright_env(root: Path) -> dict[str, str]:
    return _base_env() | {"RUNWRIGHT_TRACKING_URI": f"sqlite:///{root / 'runwright.db'}"}


def _mlflow_env(root: Path) -> dict[str, str]:
    uri = f"sqlite:///{root / 'mlflow.db'}"
    return _base_env() | {
        "MLFLOW_TRACKING_URI": uri,
        "MLFLOW_REGISTRY_URI": uri,
        # No telemetry, no chatter: nothing may leave the machine or clutter the output.
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "MLFLOW_LOGGING_LEVEL": "WARNING",
        "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
        "GIT_PYTHON_REFRESH": "quiet",
        # The workers choose sync or async per call; the default must not decide it.
        "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
    }


def _tools(only: str | None) -> tuple[list[Tool], str | None]:
    """The tools to measure, and why MLflow is missing when it is."""
    tools = []
    if only != "mlflow":
        script = WORKLOADS / "runwright_worker.py"
        tools.append(Tool("runwright", Path(sys.executable), script, _runwright_env))
    if only == "runwright":
        return tools, "skipped (--only runwright)"
    python, missing = ensure_venv(MLFLOW_VENV, "mlflow", MLFLOW_VERSION)
    if python is None:
        console.print(f"[bold red]MLflow will be missing: {missing}")
        return tools, missing
    tools.append(Tool("mlflow", python, WORKLOADS / "mlflow_worker.py", _mlflow_env))
    return tools, None


# -- measuring -----------------------------------------------------------------------------


def _search_hooks(
    tool: Tool, runs: int, repopulate: bool
) -> tuple[Callable[[Path], None] | None, Callable[[Path, dict[str, Any]], None] | None]:
    """For MLflow: copy in a stored population, or store the new one for next time."""
    if tool.name != "mlflow":
        return None, None
    stored = MLFLOW_CACHE / f"search-{runs}-{search_rows_digest(runs)}" / "mlflow.db"

    def prepare(root: Path) -> None:
        if stored.exists() and not repopulate:
            shutil.copy2(stored, root / "mlflow.db")
            console.print(f"  mlflow    reusing the search population in {stored.parent}")

    def keep(root: Path, result: dict[str, Any]) -> None:
        if result.get("populate_seconds") is not None:
            stored.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / "mlflow.db", stored)

    return prepare, keep


def _log_metric_variants(tool: Tool, sizes: Sizes) -> list[tuple[str, dict[str, Any]]]:
    if tool.name == "runwright":
        return [("log_metric", {"calls": sizes.rw_log_metric_calls})]
    return [
        ("log_metric_sync", {"calls": sizes.mlflow_sync_calls, "mode": "sync"}),
        ("log_metric_async", {"calls": sizes.mlflow_async_calls, "mode": "async"}),
        (
            "log_metric_async_buffered",
            {"calls": sizes.mlflow_async_buffered_calls, "mode": "async_buffered"},
        ),
    ]


def measure(
    tools: list[Tool], setup: Setup, which: set[str], out: Measured, repopulate: bool
) -> None:
    """Run the chosen measures, each for every tool before the next measure starts.

    Repeated measures alternate between the tools, so that other work on a shared
    machine slows them alike. A failed measure is noted, not fatal.
    """
    sizes = setup.sizes
    if "log_metric" in which:
        jobs = [
            Job(tool, key, "log_metric", params)
            for tool in tools
            for key, params in _log_metric_variants(tool, sizes)
        ]
        run_interleaved(jobs, setup.quick_repeat, out)
    if "create_runs" in which:
        jobs = [Job(tool, "create_runs", "create_runs", {"runs": sizes.runs}) for tool in tools]
        run_interleaved(jobs, setup.quick_repeat, out)
    for tool in tools:
        name = tool.name
        if "search" in which:
            params = {
                "runs": sizes.search_runs,
                "rounds": setup.big_repeat,
                "queries": sizes.search_queries,
                "page": sizes.search_page,
            }
            prepare, keep = _search_hooks(tool, sizes.search_runs, repopulate)
            console.print(f"  {name:<9} search over {sizes.search_runs:,} runs…")
            began = time.perf_counter()
            try:
                result = run_workload(tool, "search", params, prepare=prepare, after=keep)
                out.put(name, "search", [result])
                console.print(f"  {name:<9} search done ({time.perf_counter() - began:.1f} s)")
            except WorkerError as exc:
                out.fail(name, "search", exc)
    for tool in tools:
        if "metric_history" in which:
            params = {"points": sizes.history_points, "reads": setup.big_repeat}
            try:
                out.put(tool.name, "metric_history", [run_workload(tool, "metric_history", params)])
                console.print(f"  {tool.name:<9} metric_history x{sizes.history_points:,} done")
            except WorkerError as exc:
                out.fail(tool.name, "metric_history", exc)
    for tool in tools:
        if "import" in which:
            try:
                out.put(tool.name, "import", [time_imports(tool, tool.name, setup.imports)])
                console.print(f"  {tool.name:<9} import timing done")
            except WorkerError as exc:
                out.fail(tool.name, "import", exc)


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", choices=TOOLS, help="measure one tool only")
    parser.add_argument(
        "--repeat",
        type=int,
        help="repetitions of every measure (default: 5 for the quick ones, 3 for search "
        "and history; --quick: 3 and 2)",
    )
    parser.add_argument(
        "--measure", action="append", choices=MEASURES, help="only these measures (repeatable)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument(
        "--repopulate", action="store_true", help="store MLflow's search population afresh"
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 2:
        parser.error("--repeat must be at least 2: one sample on a shared machine says little")
    return args


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(BENCH), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tools, missing = _tools(args.only)
    quick_repeat = args.repeat or (3 if args.quick else 5)
    setup = Setup(
        sizes=QUICK if args.quick else FULL,
        quick=args.quick,
        quick_repeat=quick_repeat,
        big_repeat=args.repeat or (2 if args.quick else 3),
        imports=max(MIN_IMPORTS, quick_repeat),
        mlflow_version=MLFLOW_VERSION,
        mlflow_missing=missing,
        commit=_commit(),
    )
    measured = Measured()
    started, load_before = time.perf_counter(), _load()
    measure(tools, setup, set(args.measure or MEASURES), measured, args.repopulate)
    console.print(f"measured in {time.perf_counter() - started:,.0f} s")
    setup = replace(setup, load=(load_before, _load()))

    rows = summarise(measured, setup)
    problems = checks(measured, setup)
    lines = notes(measured, setup, problems)
    terminal = Console(highlight=False, width=max(Console().width, 170))
    terminal.print(render_table(rows, setup))
    for line in lines:
        terminal.print(f"• {line}")
    terminal.print()
    markdown = render_markdown(rows, setup, lines)
    print(markdown)
    if args.json:
        payload = {
            "setup": asdict(setup),
            "rows": [
                asdict(r)
                | {"ratio": r.ratio(), "speedup": r.speedup(), "target_met": r.target_met()}
                for r in rows
            ],
            "raw": measured.results,
            "errors": measured.errors,
            "checks_failed": problems,
            "notes": lines,
            "markdown": markdown,
        }
        args.json.write_text(json.dumps(payload, indent=2))
        console.print(f"wrote {args.json}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
