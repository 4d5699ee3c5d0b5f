"""`@rw.step`: a Python function that becomes a node of a pipeline when called in one."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, ParamSpec, TypeVar, overload

from runwright.errors import InvalidArgumentError, PipelineDefinitionError
from runwright.pipelines.outputs_spec import OutputSpec, output_spec_for
from runwright.pipelines.resources import Resources

__all__ = ["Step", "StepOptions", "call_site", "step"]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class StepOptions:
    cache: bool = True
    retries: int = 0
    retry_delay: float = 0.0
    #: Each retry waits ``retry_delay * retry_backoff ** (attempt - 1)`` seconds.
    retry_backoff: float = 2.0
    timeout: float | None = None
    resources: Resources = field(default_factory=Resources)
    #: Replaces the code hash in the cache key: bump it to invalidate by hand.
    version: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.retries, int) or self.retries < 0:
            raise InvalidArgumentError(f"retries must be a whole number >= 0, got {self.retries!r}")
        if self.retry_delay < 0 or self.retry_backoff < 1:
            raise InvalidArgumentError("retry_delay must be >= 0 and retry_backoff >= 1")
        if self.timeout is not None and self.timeout <= 0:
            raise InvalidArgumentError(f"timeout must be positive seconds, got {self.timeout!r}")


def call_site(depth: int) -> str:
    """'file.py:LINE' of the caller ``depth`` frames up, for messages that point at code."""
    frame = sys._getframe(depth + 1)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


class Step(Generic[P, R]):
    """A function made into a pipeline step. Called inside a ``@rw.pipeline`` body it
    adds a node and returns a handle; called anywhere else it is the plain function."""

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        name: str | None,
        outputs: Sequence[str] | None,
        options: StepOptions,
    ) -> None:
        if not callable(fn) or inspect.iscoroutinefunction(fn):
            raise InvalidArgumentError(f"@rw.step needs a plain function, got {fn!r}")
        self.fn = fn
        self.name = name or fn.__name__
        self.options = options
        self.signature = inspect.signature(fn)
        self.outputs: OutputSpec = output_spec_for(fn, outputs)
        functools.update_wrapper(self, fn)

    @property
    def qualified_name(self) -> str:
        return f"{self.fn.__module__}:{self.fn.__qualname__}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from runwright.pipelines.tracing import current_builder, reject_handles

        after = kwargs.pop("after", None) if "after" not in self.signature.parameters else None
        builder = current_builder()
        if builder is None:
            reject_handles(self, args, kwargs, site=call_site(1))
            if after is not None:
                raise PipelineDefinitionError(
                    f"{call_site(1)}: step {self.name!r}: after= only works inside a pipeline"
                )
            return self.fn(*args, **kwargs)
        return builder.add_call(self, args, kwargs, after=after, site=call_site(1))

    def map(self, *args: Any, **kwargs: Any) -> Any:
        """Fan out: one node per item of the list arguments; other arguments (and any
        wrapped in `rw.unmapped`) go to every node. Returns a list of handles.

        Over a list computed at run time (``rw.mapped(a step's output)`` or another
        such map's result) it returns one handle, and the branches are made when the
        list is known."""
        from runwright.pipelines.tracing import current_builder

        after = kwargs.pop("after", None) if "after" not in self.signature.parameters else None
        builder = current_builder()
        if builder is None:
            raise PipelineDefinitionError(
                f"{call_site(1)}: step {self.name!r}: .map() only works inside a @rw.pipeline body"
            )
        return builder.add_map(self, args, kwargs, after=after, site=call_site(1))

    def __repr__(self) -> str:
        return f"<step {self.name}>"


@overload
def step(fn: Callable[P, R], /) -> Step[P, R]: ...


@overload
def step(
    *,
    name: str | None = None,
    cache: bool = True,
    retries: int = 0,
    retry_delay: float = 0.0,
    retry_backoff: float = 2.0,
    timeout: float | None = None,
    resources: Resources | None = None,
    version: str | None = None,
    outputs: Sequence[str] | None = None,
) -> Callable[[Callable[P, R]], Step[P, R]]: ...


def step(
    fn: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    cache: bool = True,
    retries: int = 0,
    retry_delay: float = 0.0,
    retry_backoff: float = 2.0,
    timeout: float | None = None,
    resources: Resources | None = None,
    version: str | None = None,
    outputs: Sequence[str] | None = None,
) -> Step[P, R] | Callable[[Callable[P, R]], Step[P, R]]:
    """Make a function a pipeline step: ``@rw.step`` or ``@rw.step(retries=2, ...)``.

    ``outputs=("train", "test")`` names the items of a returned tuple; a return
    annotation of ``tuple[A, B]`` or a dataclass does the same without it.
    """
    options = StepOptions(
        cache=cache,
        retries=retries,
        retry_delay=retry_delay,
        retry_backoff=retry_backoff,
        timeout=timeout,
        resources=resources or Resources(),
        version=version,
    )

    def wrap(function: Callable[P, R]) -> Step[P, R]:
        return Step(function, name=name, outputs=outputs, options=options)

    return wrap if fn is None else wrap(fn)
