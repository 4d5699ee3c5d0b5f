"""Running benchmark workers: one subprocess and one fresh temp folder per measurement,
and the pinned virtual environments the competitors' workers run in.

Nothing here knows what a workload does; `tracking_local.py` says what to run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from workloads.shapes import RESULT_PREFIX

__all__ = [
    "Job",
    "Measured",
    "Tool",
    "WorkerError",
    "console",
    "ensure_venv",
    "run_interleaved",
    "run_workload",
    "time_imports",
]

# Progress goes to stderr, so that stdout holds only the report.
console = Console(stderr=True, highlight=False)


class WorkerError(Exception):
    """A worker failed or printed no result; the message carries its last lines."""


@dataclass(frozen=True)
class Tool:
    """A tool under test: the interpreter and worker script that run its workloads."""

    name: str
    python: Path
    script: Path
    # The environment for a measurement whose store lives in the given folder.
    env_for: Callable[[Path], dict[str, str]]


@dataclass
class Measured:
    """Per tool and workload: the raw worker results, or why there are none."""

    results: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)

    def put(self, tool: str, key: str, value: list[dict[str, Any]]) -> None:
        self.results.setdefault(tool, {})[key] = value

    def get(self, tool: str, key: str) -> list[dict[str, Any]] | None:
        return self.results.get(tool, {}).get(key)

    def fail(self, tool: str, key: str, error: Exception, *, failed: int = 1, of: int = 1) -> None:
        """Note a failed measurement (`failed` of `of` repetitions)."""
        what = str(error) if of == 1 else f"failed {failed} of {of} times: {error}"
        self.errors.setdefault(tool, {})[key] = what
        console.print(f"[red]  {tool} {key} failed: {error}")


def run_workload(
    tool: Tool,
    workload: str,
    params: dict[str, Any],
    *,
    prepare: Callable[[Path], None] | None = None,
    after: Callable[[Path, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """One measurement: a fresh temp folder, one worker process, its RESULT line.

    `prepare` may put files in the folder first; `after` sees the folder and the
    result before the folder is deleted.
    """
    with tempfile.TemporaryDirectory(prefix=f"rw-bench-{tool.name}-") as folder:
        root = Path(folder)
        if prepare is not None:
            prepare(root)
        command = [str(tool.python), str(tool.script), workload, "--root", str(root)]
        command += ["--params", json.dumps(params)]
        try:
            done = subprocess.run(
                command,
                cwd=root,
                env=tool.env_for(root),
                capture_output=True,
                text=True,
                timeout=3600,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise WorkerError(f"{tool.name} {workload} took over an hour") from None
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
        if done.returncode != 0 or not lines:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
            raise WorkerError(f"{tool.name} {workload} exited {done.returncode}:\n{tail}")
        result: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX) :])
        if after is not None:
            after(root, result)
        return result


@dataclass(frozen=True, eq=False)
class Job:
    """One repeated measurement: `workload` run by `tool` with `params`, kept as `key`."""

    tool: Tool
    key: str
    workload: str
    params: dict[str, Any]


def run_interleaved(jobs: list[Job], times: int, out: Measured) -> None:
    """Run every job `times` times, round-robin (job 1, job 2, …, job 1, …), so that a
    burst of other work on the machine hits every tool alike instead of one of them.

    Each run is an independent measurement in its own process and folder. The runs
    that worked are kept; the first error of those that did not is noted.
    """
    samples: dict[Job, list[dict[str, Any]]] = {job: [] for job in jobs}
    errors: dict[Job, list[WorkerError]] = {job: [] for job in jobs}
    for index in range(times):
        for job in jobs:
            label = f"{job.tool.name:<9} {job.key:<26} {index + 1}/{times}"
            began = time.perf_counter()
            try:
                samples[job].append(run_workload(job.tool, job.workload, job.params))
            except WorkerError as exc:
                errors[job].append(exc)
                console.print(f"[red]  {label}  failed")
                continue
            console.print(f"  {label}  ({time.perf_counter() - began:.1f} s)")
    for job in jobs:
        if samples[job]:
            out.put(job.tool.name, job.key, samples[job])
        if errors[job]:
            out.fail(job.tool.name, job.key, errors[job][0], failed=len(errors[job]), of=times)


def time_imports(tool: Tool, module: str, times: int) -> dict[str, Any]:
    """Wall times of `python -c "import <module>"` and of `python -c pass`, each in
    `times` fresh processes, after one untimed import that warms the caches."""

    def wall(code: str, root: Path) -> float:
        began = time.perf_counter()
        done = subprocess.run(
            [str(tool.python), "-c", code],
            cwd=root,
            env=tool.env_for(root),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        took = time.perf_counter() - began
        if done.returncode != 0:
            raise WorkerError(f"`python -c {code!r}` failed: {done.stderr.strip()[-400:]}")
        return took

    with tempfile.TemporaryDirectory(prefix=f"rw-bench-{tool.name}-") as folder:
        root = Path(folder)
        wall(f"import {module}", root)
        imports = [wall(f"import {module}", root) for _ in range(times)]
        floors = [wall("pass", root) for _ in range(times)]
    return {"import_seconds": imports, "python_seconds": floors}


# -- pinned virtual environments ---------------------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _installed_version(python: Path, package: str) -> str | None:
    if not python.exists():
        return None
    probe = f"import importlib.metadata as m; print(m.version({package!r}))"
    done = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else None


def ensure_venv(venv: Path, package: str, version: str) -> tuple[Path | None, str | None]:
    """The interpreter of a virtual environment holding exactly `package==version`,
    created (with pip, from the package index) unless it already exists; or None and
    the reason it could not be had."""
    python = _venv_python(venv)
    if _installed_version(python, package) == version:
        return python, None
    console.print(f"[bold]Creating {venv} ({package}=={version})…")
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", f"{package}=={version}"],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=1800, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"`{' '.join(step[:4])} …` failed: {exc}"
        if done.returncode != 0:
            lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
            errors = [ln for ln in lines if "ERROR" in ln] or lines[-3:]
            reason = " / ".join(e if len(e) <= 200 else e[:200] + "…" for e in errors[-3:])
            return None, f"`{' '.join(step[:4])} …` exited {done.returncode}: {reason}"
    installed = _installed_version(python, package)
    if installed != version:
        return None, f"the new virtual environment has {package} {installed}, not {version}"
    return python, None
