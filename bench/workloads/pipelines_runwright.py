"""Run one pipeline workload with Runwright (`@rw.step`, `@rw.pipeline`, `.run`).

Run with the project's interpreter, tracking to the embedded SQLite store that
RUNWRIGHT_TRACKING_URI names (a folder in the measurement's fresh temp folder); see
`pipelines_shapes.py` for the command line and output. Never imports Prefect.

The cache is on (Runwright's default): a run on a fresh store is cold, and a second
run on the same store, in a new process, finds every step cached.
"""

from __future__ import annotations

import importlib
from typing import Any

import pipelines_shapes as shapes
from shapes import run_worker

import runwright as rw

for module in shapes.RUNWRIGHT_PRELOAD:  # before the clock; see there why
    importlib.import_module(module)

add_one = rw.step(shapes.add_one)
total = rw.step(shapes.total)
load_data = rw.step(shapes.load_data)
split = rw.step(shapes.split)
train = rw.step(shapes.train)
evaluate = rw.step(shapes.evaluate)


@rw.pipeline
def single() -> Any:
    return add_one(0)


@rw.pipeline
def chain(n: int) -> Any:
    x = 0
    for _ in range(n):
        x = add_one(x)
    return x


@rw.pipeline
def fan(n: int) -> Any:
    return total(add_one.map(x=list(range(n))))


@rw.pipeline
def sklearn() -> Any:
    parts = split(load_data())
    return evaluate(train(parts), parts)


def _run(workload: str, executor: str, size: int) -> dict[str, Any]:
    pipe = {"single": single, "chain": chain, "fan": fan, "sklearn": sklearn}[workload]
    params = {"n": size} if workload in ("chain", "fan") else {}
    result, timing = shapes.timed_run(workload, lambda: pipe.run(executor=executor, **params))
    states = [step.state.value for step in result.steps.values()]
    return timing | {
        "status": result.status,
        "output": result.output if result.status == "FINISHED" else None,
        "steps": len(states),
        "ran": states.count("done"),
        "cached": states.count("cached"),
    }


def _workload(name: str) -> Any:
    def run(root: str, executor: str, size: int) -> dict[str, Any]:
        return _run(name, executor, size)

    return run


def plain(root: str, workload: str, size: int) -> dict[str, Any]:
    output, timing = shapes.timed_run(workload, lambda: shapes.plain(workload, size))
    return timing | {"output": output, "ran": len(shapes.CALLS)}


if __name__ == "__main__":
    run_worker({name: _workload(name) for name in shapes.WORKLOADS} | {"plain": plain})
