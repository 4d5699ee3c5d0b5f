"""Run one pipeline workload with Prefect 3 (`@flow`, `@task`), the same shapes as
`pipelines_runwright.py` runs.

Run with the interpreter of Prefect's pinned environment, PREFECT_HOME in the
measurement's fresh temp folder and no PREFECT_API_URL: Prefect's default ephemeral
local server on SQLite records the runs. See `pipelines_shapes.py` for the command
line and output. Never imports Runwright.

Executors: "inline" calls the tasks directly in the flow body, one after another (in
the flow's thread); "local" submits them (`.submit`, `.map`) to Prefect's default
task runner, ThreadPoolTaskRunner, so steps run in threads of this process.

Every task has cache_policy=INPUTS + TASK_SOURCE with persisted results (under
PREFECT_HOME): a run on a fresh home is cold, and a second run on it, in a new process,
finds the tasks cached. TASK_SOURCE because INPUTS alone gives no key (so never caches)
to a task without arguments, like load_data; it also keys on the code, as Runwright does.
A task whose input does not pickle to the same bytes after a round trip through the
result store (a fitted scikit-learn model does not) misses all the same: the worker
reports how many tasks really ran.
"""

from __future__ import annotations

from typing import Any

import pipelines_shapes as shapes
from prefect import flow, task
from prefect.cache_policies import INPUTS, TASK_SOURCE
from prefect.task_runners import ThreadPoolTaskRunner
from shapes import run_worker


def _task(fn: Any) -> Any:
    return task(fn, cache_policy=INPUTS + TASK_SOURCE, persist_result=True)


add_one = _task(shapes.add_one)
total = _task(shapes.total)
load_data = _task(shapes.load_data)
split = _task(shapes.split)
train = _task(shapes.train)
evaluate = _task(shapes.evaluate)


def _flow(fn: Any) -> Any:
    return flow(fn, task_runner=ThreadPoolTaskRunner())


@_flow
def single_inline() -> Any:
    return add_one(0)


@_flow
def single_local() -> Any:
    return add_one.submit(0).result()


@_flow
def chain_inline(n: int) -> Any:
    x = 0
    for _ in range(n):
        x = add_one(x)
    return x


@_flow
def chain_local(n: int) -> Any:
    x: Any = 0
    for _ in range(n):
        x = add_one.submit(x)
    return x.result()


@_flow
def fan_inline(n: int) -> Any:
    return total([add_one(x) for x in range(n)])


@_flow
def fan_local(n: int) -> Any:
    return total.submit(add_one.map(list(range(n)))).result()


@_flow
def sklearn_inline() -> Any:
    parts = split(load_data())
    return evaluate(train(parts), parts)


@_flow
def sklearn_local() -> Any:
    parts = split.submit(load_data.submit())
    return evaluate.submit(train.submit(parts), parts).result()


FLOWS = {
    ("single", "inline"): single_inline,
    ("single", "local"): single_local,
    ("chain", "inline"): chain_inline,
    ("chain", "local"): chain_local,
    ("fan", "inline"): fan_inline,
    ("fan", "local"): fan_local,
    ("sklearn", "inline"): sklearn_inline,
    ("sklearn", "local"): sklearn_local,
}


def _run(workload: str, executor: str, size: int) -> dict[str, Any]:
    run = FLOWS[workload, executor]
    params = {"n": size} if workload in ("chain", "fan") else {}
    state, timing = shapes.timed_run(workload, lambda: run(**params, return_state=True))
    ran = len(shapes.CALLS)
    steps = shapes.step_count(workload, size)
    return timing | {
        "status": "FINISHED" if state.is_completed() else state.type.value,
        "output": state.result() if state.is_completed() else None,
        "steps": steps,
        "ran": ran,
        "cached": steps - ran,
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
