"""`@rw.pipeline`: a function whose body, run once, traces a graph of steps; and `.run`."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from runwright.errors import InvalidArgumentError, PipelineDefinitionError
from runwright.pipelines.graph import Graph
from runwright.pipelines.node import call_site
from runwright.pipelines.tracing import tracing

if TYPE_CHECKING:
    from runwright.pipelines.driver import StepEvent
    from runwright.pipelines.executors import Executor
    from runwright.pipelines.result import PipelineResult

__all__ = ["RUN_OPTIONS", "Pipeline", "pipeline"]

#: Keyword arguments of `Pipeline.run` that are options, not pipeline parameters.
RUN_OPTIONS = frozenset(
    {
        "executor",
        "cache",
        "fail_fast",
        "experiment",
        "tracking_uri",
        "on_event",
        "params",
        "ray_address",
        "max_workers",
    }
)


class Pipeline:
    """A traced workflow. ``.run(**params)`` executes it and returns a `PipelineResult`."""

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None) -> None:
        if not callable(fn):
            raise InvalidArgumentError(f"@rw.pipeline needs a function, got {fn!r}")
        self.fn = fn
        self.name = name or fn.__name__
        self.signature = inspect.signature(fn)
        reserved = RUN_OPTIONS.intersection(self.signature.parameters)
        if reserved:
            raise PipelineDefinitionError(
                f"pipeline {self.name!r}: parameter name(s) {sorted(reserved)} are reserved for "
                "run options; rename them"
            )
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters with defaults filled in; an unknown or missing one is an error."""
        try:
            bound = self.signature.bind(**params)
        except TypeError as exc:
            raise PipelineDefinitionError(f"pipeline {self.name!r}: {exc}") from None
        bound.apply_defaults()
        return dict(bound.arguments)

    def trace(self, params: Mapping[str, Any]) -> Graph:
        """Run the body once with handles standing in for step results."""
        with tracing(self.name) as builder:
            returned = self.fn(**params)
            builder.graph.output = builder.template(
                returned, owner=f"{self.name} (return value)", site=call_site(1)
            )
        if not builder.graph.nodes:
            raise PipelineDefinitionError(f"pipeline {self.name!r} calls no steps")
        return builder.graph

    @property
    def source(self) -> dict[str, str]:
        """How to import this pipeline again (for resume)."""
        try:
            file = inspect.getsourcefile(self.fn) or ""
        except TypeError:
            file = ""
        return {
            "module": self.fn.__module__,
            "file": os.path.abspath(file) if file else "",
            "qualname": self.fn.__qualname__,
        }

    def run(
        self,
        *,
        executor: str | Executor = "local",
        cache: bool = True,
        fail_fast: bool = False,
        experiment: str | None = None,
        tracking_uri: str | None = None,
        on_event: Callable[[StepEvent], None] | None = None,
        params: Mapping[str, Any] | None = None,
        ray_address: str | None = None,
        max_workers: int | None = None,
        **parameters: Any,
    ) -> PipelineResult:
        """Trace and execute. ``executor``: "local" (default: parallel worker processes),
        "inline" (this process, in order) or "ray" (``ray_address`` for a cluster)."""
        from runwright.pipelines.session import start_pipeline_run

        return start_pipeline_run(
            self,
            {**(params or {}), **parameters},
            executor=executor,
            cache=cache,
            fail_fast=fail_fast,
            experiment=experiment,
            tracking_uri=tracking_uri,
            on_event=on_event,
            ray_address=ray_address,
            max_workers=max_workers,
        )

    def __repr__(self) -> str:
        return f"<pipeline {self.name}>"


def pipeline(fn: Callable[..., Any] | None = None, /, *, name: str | None = None) -> Any:
    """Make a function a pipeline: ``@rw.pipeline`` or ``@rw.pipeline(name="train")``."""

    def wrap(function: Callable[..., Any]) -> Pipeline:
        return Pipeline(function, name=name)

    return wrap if fn is None else wrap(fn)
