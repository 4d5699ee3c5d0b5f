"""Running benchmark workers: one subprocess and one fresh temp folder per measurement,
and the pinned virtual environments the competitors' workers run in.

Nothing here knows what a workload does; the benchmark scripts (`tracking_local.py`,
`pipelines.py`) say what to run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from workloads.shapes import RESULT_PREFIX

__all__ = [
    "Job",
    "Measured",
    "Then",
    "Tool",
    "WorkerError",
    "clean_env",
    "console",
    "ensure_venv",
    "git_commit",
    "load_average",
    "run_interleaved",
    "run_worker_in",
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
        result = run_worker_in(tool, workload, params, root)
        if after is not None:
            after(root, result)
        return result


def run_worker_in(tool: Tool, workload: str, params: dict[str, Any], root: Path) -> dict[str, Any]:
    """One worker process in the folder `root`, and its RESULT, to which this adds
    `process_seconds`: the process's whole life as its parent saw it (start to exit)."""
    command = [str(tool.python), str(tool.script), workload, "--root", str(root)]
    command += ["--params", json.dumps(params)]
    env = tool.env_for(root)
    began = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise WorkerError(f"{tool.name} {workload} took over an hour") from None
    took = time.perf_counter() - began
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise WorkerError(f"{tool.name} {workload} exited {done.returncode}:\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result.setdefault("process_seconds", took)
    return result


@dataclass(frozen=True)
class Then:
    """A worker run after a job's own, in the same folder, in a fresh process of its
    own: e.g. a second pipeline run that finds what the first one cached. Kept as `key`."""

    key: str
    workload: str
    params: dict[str, Any]


@dataclass(frozen=True, eq=False)
class Job:
    """One repeated measurement: `workload` run by `tool` with `params`, kept as `key`;
    then, in the same folder, each of `then` in turn."""

    tool: Tool
    key: str
    workload: str
    params: dict[str, Any]
    then: tuple[Then, ...] = ()

    @property
    def keys(self) -> list[str]:
        return [self.key, *(t.key for t in self.then)]


def _measure(job: Job) -> tuple[dict[str, dict[str, Any]], dict[str, WorkerError]]:
    """One repetition of a job: the results and the errors, by key. A worker after one
    that failed is not run (it needs that one's folder) and fails with the same error."""
    got: dict[str, dict[str, Any]] = {}
    failed: dict[str, WorkerError] = {}

    def follow(root: Path, _result: dict[str, Any]) -> None:
        for index, then in enumerate(job.then):
            try:
                got[then.key] = run_worker_in(job.tool, then.workload, then.params, root)
            except WorkerError as exc:
                failed.update({t.key: exc for t in job.then[index:]})
                return

    try:
        got[job.key] = run_workload(job.tool, job.workload, job.params, after=follow)
    except WorkerError as exc:
        failed.update({key: exc for key in job.keys})
    return got, failed


def run_interleaved(jobs: list[Job], times: int, out: Measured) -> None:
    """Run every job `times` times, round-robin (job 1, job 2, …, job 1, …), so that a
    burst of other work on the machine hits every tool alike instead of one of them.

    Each run is an independent measurement in its own process and folder (shared only
    with the job's `then` workers). The runs that worked are kept; the first error of
    those that did not is noted.
    """
    samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    errors: dict[tuple[str, str], list[WorkerError]] = {}
    for job in jobs:
        for key in job.keys:
            samples[job.tool.name, key] = []
            errors[job.tool.name, key] = []
    for index in range(times):
        for job in jobs:
            label = f"{job.tool.name:<9} {job.key:<26} {index + 1}/{times}"
            began = time.perf_counter()
            got, failed = _measure(job)
            for key, result in got.items():
                samples[job.tool.name, key].append(result)
            for key, exc in failed.items():
                errors[job.tool.name, key].append(exc)
            took = f"({time.perf_counter() - began:.1f} s)"
            if failed:
                console.print(f"[red]  {label}  {took} failed: {', '.join(failed)}")
            else:
                console.print(f"  {label}  {took}")
    for (tool, key), found in samples.items():
        if found:
            out.put(tool, key, found)
        if errors[tool, key]:
            first = errors[tool, key][0]
            out.fail(tool, key, first, failed=len(errors[tool, key]), of=times)


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


def clean_env(*prefixes: str, pycache: Path | None = None) -> dict[str, str]:
    """The caller's environment without variables that start with one of `prefixes` (the
    tools' own settings) or that would steer Python to another environment.

    With `pycache`, compiled bytecode is kept there (PYTHONPYCACHEPREFIX) and written
    even if the caller said not to: otherwise a worker whose environment was installed
    without .pyc files (uv's default) would compile every module it imports, every time.
    """
    dropped = (*prefixes, "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def git_commit(folder: Path) -> str:
    """The short id of the commit checked out where `folder` is ("" if none)."""
    done = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def load_average() -> float | None:
    """The 1-minute load average, or None where the platform has none: other work on a
    shared machine slows the tools down, unevenly, so reports print it before and after."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


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


def ensure_venv(
    venv: Path, package: str, version: str, *, also: Mapping[str, str] | None = None
) -> tuple[Path | None, str | None]:
    """The interpreter of a virtual environment holding exactly `package==version` (and
    each of `also`, package → version, beside it), created (with pip, from the package
    index) unless it already exists; or None and the reason it could not be had."""
    python = _venv_python(venv)
    pins = {package: version, **(also or {})}
    if all(_installed_version(python, name) == pinned for name, pinned in pins.items()):
        return python, None
    wanted = [f"{name}=={pinned}" for name, pinned in pins.items()]
    console.print(f"[bold]Creating {venv} ({', '.join(wanted)})…")
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", *wanted],
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
    for name, pinned in pins.items():
        installed = _installed_version(python, name)
        if installed != pinned:
            return None, f"the new virtual environment has {name} {installed}, not {pinned}"
    return python, None
