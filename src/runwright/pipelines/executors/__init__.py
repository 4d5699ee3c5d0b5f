"""Where step attempts run: this process, local worker processes, or a Ray cluster.

All three take the same `TaskSpec` and give back the same `TaskResult`, so a pipeline
gives identical outputs whichever runs it; they differ only in where and how many.
"""

from __future__ import annotations

from typing import Any

from runwright.errors import InvalidArgumentError
from runwright.pipelines.executors.base import Executor

__all__ = ["EXECUTORS", "Executor", "make_executor"]

EXECUTORS = ("inline", "local", "ray")


def make_executor(name: str | Executor, **options: Any) -> Executor:
    if isinstance(name, Executor):
        return name
    if name == "inline":
        from runwright.pipelines.executors.inline import InlineExecutor

        return InlineExecutor(**options)
    if name == "local":
        from runwright.pipelines.executors.local import LocalExecutor

        return LocalExecutor(**options)
    if name == "ray":
        from runwright.pipelines.executors.ray import RayExecutor

        return RayExecutor(**options)
    raise InvalidArgumentError(f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)}")
