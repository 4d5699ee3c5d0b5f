"""Steps and pipelines the Ray executor tests run.

They live in an importable module, not in the test file, because cloudpickle sends
functions of an importable module by reference: a Ray worker imports
``tests.integration.pipelines.ray_pipeline_defs`` itself, so the repository root must be
on the workers' ``sys.path`` (see the ``ray_instance`` fixture for how it gets there).
Steps note each execution in a journal file passed as a parameter, since workers do not
share the test's memory.
"""

from __future__ import annotations

import time

import runwright as rw

SHARED_CPUS = rw.Resources(cpus=0.5)


def note(journal: str, entry: str) -> None:
    with open(journal, "a", encoding="utf-8") as stream:
        stream.write(entry + "\n")


def ray_cpus() -> str:
    """The CPUs Ray gave the task running this code ("none" outside a Ray task)."""
    import ray

    if not ray.is_initialized() or ray.get_runtime_context().get_task_id() is None:
        return "none"
    return str(ray.get_runtime_context().get_assigned_resources().get("CPU"))


@rw.step(resources=SHARED_CPUS)
def square(x: int) -> int:
    rw.set_tag("ray.cpus", ray_cpus())
    return x * x


@rw.step(resources=rw.Resources(cpus=1))
def summarize(squares: list[int], offset: int) -> dict[str, object]:
    total = sum(squares) + offset
    rw.log_metric("total", total)
    rw.set_tag("ray.cpus", ray_cpus())
    return {"total": total, "squares": squares}


@rw.pipeline
def fan_out_in(items: list[int], offset: int = 0):
    return summarize(square.map(items), offset)


@rw.step
def count_to(n: int) -> list[int]:
    return list(range(1, n + 1))


@rw.pipeline
def computed_fan_out(n: int = 3, offset: int = 0):
    """The same fan-out over a list a step computes: its branches are made on the fly."""
    return summarize(square.map(rw.mapped(count_to(n))), offset)


@rw.step(retries=1)
def always_fails(journal: str) -> int:
    note(journal, "attempt")
    raise RuntimeError("broken on purpose")


@rw.pipeline
def failing(journal: str):
    return always_fails(journal)


@rw.step(timeout=1)
def oversleeps(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


@rw.pipeline
def sleeping(seconds: float = 30.0):
    return oversleeps(seconds)


@rw.step(timeout=3, resources=rw.Resources(cpus=2))
def takes_the_machine(index: int, seconds: float) -> int:
    time.sleep(seconds)
    return index


@rw.pipeline
def queued(indexes: list[int], seconds: float = 1.5):
    return takes_the_machine.map(indexes, seconds=seconds)
