"""Pipeline-engine benchmark: Runwright vs Prefect 3, side by side, with tracking on.

    uv run python bench/pipelines.py                        # full run, ~30 min when quiet
    uv run python bench/pipelines.py --quick                # 20-step chain, 100-wide fan, once
    uv run python bench/pipelines.py --only runwright --workload chain --executor inline

Workloads (bench/workloads/pipelines_shapes.py, the same functions for both tools): a
chain of 100 no-op steps, a fan-out/fan-in of 1,000 no-op steps plus one, the 4-step
scikit-learn pipeline, and a 1-step pipeline for the costs every run pays once. Each
runs cold (a fresh store) and fully cached (a second run on the same store, in a new
process), on the inline and the local executor, and as plain Python (the functions
called directly) for the baseline that overheads are measured against.

Every measurement is a fresh worker process with a fresh temp folder for the store:
Runwright (workloads/pipelines_runwright.py) with this interpreter on its embedded
SQLite store; Prefect (workloads/pipelines_prefect.py) in a pinned virtual environment
at bench/.venvs/prefect-<version> (created with pip on first use, reused while it holds
those versions) on its default ephemeral local server, SQLite in a fresh PREFECT_HOME.
Wall times are taken inside the worker around the run call, so interpreter startup and
imports are left out for both; they are reported apart. For Runwright that includes the
storage layer it imports on first use (see RUNWRIGHT_PRELOAD), as `import prefect`
includes Prefect's. If Prefect's environment cannot
be made, Runwright's figures are still reported.

Exit status: 0, or 1 when a sanity check failed (a run not finished, a wrong answer,
a cold run that skipped steps, or a Runwright rerun that was not fully cached).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from harness import (
    Job,
    Measured,
    Then,
    Tool,
    WorkerError,
    clean_env,
    console,
    ensure_venv,
    git_commit,
    load_average,
    run_interleaved,
    run_workload,
    time_imports,
)
from rich.console import Console
from workloads.pipelines_report import (
    EXECUTORS,
    Setup,
    checks,
    notes,
    render_markdown,
    render_tables,
    summarise,
)
from workloads.pipelines_shapes import FULL, LAUNCHED_AT, QUICK, RUNWRIGHT_PRELOAD

BENCH = Path(__file__).resolve().parent
WORKLOADS = BENCH / "workloads"
# 3.9.x needs certifi >= 2026.10.19, newer than the package index here serves.
PREFECT_VERSION = "3.8.8"
PREFECT_VENV = BENCH / ".venvs" / f"prefect-{PREFECT_VERSION}"
# Prefect 3.8.8's server passes min_items= to FastAPI's Body(), which FastAPI 0.155
# dropped; Prefect allows any FastAPI < 1, so pip would pick one it cannot start with.
PREFECT_FASTAPI = "0.154.0"
# The steps' own libraries, at the versions this project's environment has, so that
# plain Python costs the same in both environments.
SHARED_LIBRARIES = ("scikit-learn", "numpy", "scipy")
# Compiled bytecode for both tools, kept apart from either environment (see clean_env).
PYCACHE = BENCH / ".work" / "pycache"
TOOLS = ("runwright", "prefect")
IMPORTS = {"runwright": ", ".join(RUNWRIGHT_PRELOAD), "prefect": "prefect"}
MEASURED = ("chain", "fan", "sklearn")
# Fresh interpreters to time for `import`; cheap, so more than the runs get.
MIN_IMPORTS = 5
# Tiny runs of each tool before measuring: they fill the bytecode cache (the tools,
# Prefect's server, scikit-learn, the local executor's worker processes) and show that
# the tool runs at all.
WARM_UPS = (("sklearn", "inline"), ("sklearn", "local"), ("fan", "local"))


# -- the tools' environments -----------------------------------------------------------------


def _env() -> dict[str, str]:
    return clean_env("RUNWRIGHT_", "PREFECT_", pycache=PYCACHE)


def _runwright_env(root: Path) -> dict[str, str]:
    return _env() | {
        "RUNWRIGHT_TRACKING_URI": str(root / "runwright"),
        LAUNCHED_AT: repr(time.time()),
    }


def _prefect_env(root: Path) -> dict[str, str]:
    return _env() | {
        "PREFECT_HOME": str(root / "prefect"),
        # Nothing may leave the machine.
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        LAUNCHED_AT: repr(time.time()),
    }


def _prefect_pins() -> dict[str, str]:
    pins = {name: importlib.metadata.version(name) for name in SHARED_LIBRARIES}
    return pins | {"fastapi": PREFECT_FASTAPI}


def _warm_up(tool: Tool) -> str | None:
    """Run the warm-ups; None, or why the tool cannot be measured."""
    for workload, executor in WARM_UPS:
        began = time.perf_counter()
        try:
            run_workload(tool, workload, {"executor": executor, "size": 2})
        except WorkerError as exc:
            return f"its warm-up run ({workload}, {executor}) failed: {exc}"
        took = time.perf_counter() - began
        console.print(f"  {tool.name:<9} warm-up {workload}/{executor} (untimed) {took:.1f} s")
    return None


def _tools(only: str | None) -> tuple[list[Tool], str | None]:
    """The tools to measure, warmed up, and why Prefect is missing when it is."""
    tools = []
    if only != "prefect":
        script = WORKLOADS / "pipelines_runwright.py"
        runwright = Tool("runwright", Path(sys.executable), script, _runwright_env)
        failed = _warm_up(runwright)
        if failed:
            raise SystemExit(f"Runwright cannot be measured: {failed}")
        tools.append(runwright)
    if only == "runwright":
        return tools, "skipped (--only runwright)"
    python, missing = ensure_venv(PREFECT_VENV, "prefect", PREFECT_VERSION, also=_prefect_pins())
    if python is not None:
        prefect = Tool("prefect", python, WORKLOADS / "pipelines_prefect.py", _prefect_env)
        missing = _warm_up(prefect)
        if missing is None:
            tools.append(prefect)
    if missing:
        console.print(f"[bold red]Prefect will be missing: {missing}")
    return tools, missing


# -- measuring -----------------------------------------------------------------------------


def jobs_for(tools: list[Tool], setup: Setup) -> list[Job]:
    """Plain Python, then each workload and executor cold (a fresh store) with its cached
    rerun (same store, new process) after it; tools alternating job by job."""
    jobs = []
    workloads = ["single", *setup.workloads]
    for workload in workloads:
        for tool in tools:
            params = {"workload": workload, "size": setup.size(workload)}
            jobs.append(Job(tool, f"{workload}/plain", "plain", params))
    for workload in workloads:
        for executor in setup.executors:
            for tool in tools:
                params = {"executor": executor, "size": setup.size(workload)}
                key = f"{workload}/{executor}"
                rerun = Then(f"{key}/cached", workload, params)
                jobs.append(Job(tool, f"{key}/cold", workload, params, then=(rerun,)))
    return jobs


def measure(tools: list[Tool], setup: Setup, out: Measured) -> None:
    """Every job `setup.repeat` times, round-robin; then fresh interpreters' imports.
    A failed measurement is noted, not fatal."""
    run_interleaved(jobs_for(tools, setup), setup.repeat, out)
    for tool in tools:
        try:
            out.put(tool.name, "import", [time_imports(tool, IMPORTS[tool.name], setup.imports)])
            console.print(f"  {tool.name:<9} import timing done")
        except WorkerError as exc:
            out.fail(tool.name, "import", exc)


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a 20-step chain and a 100-wide fan, once each: a smoke run",
    )
    parser.add_argument("--only", choices=TOOLS, help="measure one tool only")
    parser.add_argument(
        "--repeat", type=int, help="measurements of every run, median taken (default 3; --quick 1)"
    )
    parser.add_argument(
        "--workload", action="append", choices=MEASURED, help="only these workloads (repeatable)"
    )
    parser.add_argument(
        "--executor", action="append", choices=EXECUTORS, help="only these executors (repeatable)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    wanted = set(args.workload or MEASURED)
    chosen = set(args.executor or EXECUTORS)
    started, load_before = time.perf_counter(), load_average()
    console.print("[bold]warming up")
    tools, missing = _tools(args.only)
    setup = Setup(
        sizes=QUICK if args.quick else FULL,
        quick=args.quick,
        repeat=repeat,
        imports=max(MIN_IMPORTS, repeat),
        workloads=tuple(w for w in MEASURED if w in wanted),
        executors=tuple(e for e in EXECUTORS if e in chosen),
        prefect_version=PREFECT_VERSION,
        prefect_pins=_prefect_pins(),
        prefect_missing=missing,
        commit=git_commit(BENCH),
    )
    console.print("[bold]measuring")
    measured = Measured()
    measure(tools, setup, measured)
    console.print(f"measured in {time.perf_counter() - started:,.0f} s")
    setup = replace(setup, load=(load_before, load_average()))
    if args.json:
        # The raw results first, so that a failure in reporting does not lose them.
        args.json.write_text(json.dumps({"raw": measured.results, "errors": measured.errors}))

    summary = summarise(measured, setup)
    problems, remarks = checks(measured, setup)
    lines = notes(measured, setup, problems, remarks)
    terminal = Console(highlight=False, width=max(Console().width, 230))
    for table in render_tables(summary, setup):
        terminal.print(table)
    for line in lines:
        terminal.print(f"• {line}")
    terminal.print()
    markdown = render_markdown(summary, setup, lines)
    print(markdown)
    if args.json:
        payload: dict[str, Any] = {
            "setup": asdict(setup),
            "summary": asdict(summary),
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
