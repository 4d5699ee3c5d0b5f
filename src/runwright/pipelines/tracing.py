"""Tracing a pipeline body: step calls add nodes and return handles, not values."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runwright.errors import PipelineDefinitionError
from runwright.pipelines.graph import Const, Container, Graph, Node, Ref, Template
from runwright.pipelines.outputs_spec import SINGLE_OUTPUT

if TYPE_CHECKING:
    from runwright.pipelines.node import Step

__all__ = ["GraphBuilder", "Handle", "current_builder", "mapped", "tracing", "unmapped"]

_builder: contextvars.ContextVar[GraphBuilder | None] = contextvars.ContextVar(
    "runwright_pipeline_builder", default=None
)


def current_builder() -> GraphBuilder | None:
    return _builder.get()


@contextmanager
def tracing(pipeline_name: str) -> Iterator[GraphBuilder]:
    builder = GraphBuilder(Graph(pipeline_name))
    token = _builder.set(builder)
    try:
        yield builder
    finally:
        _builder.reset(token)
        builder.closed = True


@dataclass(frozen=True, slots=True)
class unmapped:  # noqa: N801 - reads like a function at the call site, as in Prefect
    """Pass a list to every branch of `.map` instead of mapping over it."""

    value: Any


@dataclass(frozen=True, slots=True)
class mapped:  # noqa: N801 - the counterpart of `unmapped`
    """Map over a list a step computes: ``fit.map(shard=rw.mapped(shards))`` makes one
    branch per item of ``shards``' value, once the pipeline has computed it. A step's
    output is otherwise passed whole to every branch."""

    value: Any


class Handle:
    """Stands for a step's result while the pipeline is traced. Pass it to other steps;
    unpack or index it when the step returns several outputs.

    The result of a `.map` over a list known only at run time is one handle too: a
    step given it receives the list of the branches' results, and another `.map`
    given it maps over them."""

    __slots__ = ("_builder", "_dynamic", "_node_id", "_output", "_site", "_step")

    def __init__(
        self,
        builder: GraphBuilder,
        step: Step[Any, Any],
        node_id: str,
        output: str | None,
        site: str,
        *,
        dynamic: bool = False,
    ) -> None:
        self._builder = builder
        self._step = step
        self._node_id = node_id
        self._output = output
        self._site = site
        self._dynamic = dynamic

    @property
    def node_id(self) -> str:
        return self._node_id

    def _part(self, name: str) -> Handle:
        return Handle(
            self._builder, self._step, self._node_id, name, self._site, dynamic=self._dynamic
        )

    def _names(self) -> tuple[str, ...]:
        spec = self._step.outputs
        if self._dynamic and (self._output is not None or spec.kind == "single"):
            raise PipelineDefinitionError(
                f"{self._site}: the result of {self._step.name}.map() is a list whose length "
                "is known only when the pipeline runs, so it cannot be indexed or unpacked "
                "here; pass it to a step (which receives the list) or to another .map()"
            )
        if self._output is not None or spec.kind == "single":
            raise PipelineDefinitionError(
                f"{self._site}: step {self._step.name!r} has one output; declare several with "
                "outputs=(...) or a tuple[...] / dataclass return annotation"
            )
        return spec.names

    def __iter__(self) -> Iterator[Handle]:
        return iter([self._part(name) for name in self._names()])

    def __len__(self) -> int:
        return len(self._names())

    def __getitem__(self, key: int | str) -> Handle:
        names = self._names()
        if isinstance(key, int) and self._step.outputs.kind == "tuple":
            if not -len(names) <= key < len(names):
                raise PipelineDefinitionError(
                    f"{self._site}: step {self._step.name!r} has {len(names)} outputs, no [{key}]"
                )
            return self._part(names[key])
        if key not in names:
            raise PipelineDefinitionError(
                f"{self._site}: step {self._step.name!r} has no output {key!r}; "
                f"it has {list(names)}"
            )
        return self._part(str(key))

    def __getattr__(self, name: str) -> Handle:
        if name.startswith("_") or self._step.outputs.kind != "dataclass":
            raise AttributeError(name)
        return self[name]

    def __bool__(self) -> bool:
        raise PipelineDefinitionError(
            f"{self._site}: the result of step {self._step.name!r} is not known while the "
            "pipeline is built, so it cannot be tested with if/and/or; decide inside a step"
        )

    def __repr__(self) -> str:
        part = "" if self._output is None else f".{self._output}"
        return f"<handle {self._node_id}{part}>"


def reject_handles(
    step: Step[Any, Any], args: Sequence[Any], kwargs: Mapping[str, Any], *, site: str
) -> None:
    """Calling a step outside any pipeline with a handle is always a mistake; say so."""
    for value in [*args, *kwargs.values()]:
        for handle in _handles_in(value):
            raise PipelineDefinitionError(
                f"{site}: step {step.name!r} got the handle {handle!r} outside a pipeline; "
                f"handles only mean something inside the @rw.pipeline body that made them "
                f"(made at {handle._site})"
            )


def _handles_in(value: Any) -> Iterator[Handle]:
    if isinstance(value, Handle):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _handles_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _handles_in(item)


class GraphBuilder:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.closed = False
        self._counts: dict[str, int] = {}

    # -- arguments -----------------------------------------------------------------

    def template(self, value: Any, *, owner: str, site: str) -> Template:
        if isinstance(value, Handle):
            if value._builder is not self:
                raise PipelineDefinitionError(
                    f"{site}: {owner} got {value!r}, a handle made at "
                    f"{value._site} by pipeline {value._builder.graph.pipeline_name!r}; a handle "
                    f"can only be used inside the pipeline body that made it"
                )
            output = value._output
            if output is None and value._step.outputs.kind == "single":
                output = SINGLE_OUTPUT
            return Ref(value._node_id, output)
        if isinstance(value, unmapped):
            return self.template(value.value, owner=owner, site=site)
        if isinstance(value, mapped):
            raise PipelineDefinitionError(
                f"{site}: {owner} got rw.mapped(...) outside .map(); call the step with "
                ".map() to make one branch per item"
            )
        if isinstance(value, list | tuple | dict) and any(True for _ in _handles_in(value)):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            kind = "dict" if isinstance(value, dict) else type(value).__name__
            if kind not in ("list", "tuple", "dict"):
                kind = "list"
            return Container(
                kind,
                tuple((key, self.template(item, owner=owner, site=site)) for key, item in items),
            )
        return Const(value)

    def _bind(
        self, step: Step[Any, Any], args: Sequence[Any], kwargs: Mapping[str, Any], site: str
    ) -> dict[str, Any]:
        if self.closed:
            raise PipelineDefinitionError(
                f"{site}: step {step.name!r} was called after its pipeline finished tracing"
            )
        parameters = step.signature.parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        unknown = [name for name in kwargs if name not in parameters]
        if unknown and not takes_any:
            raise PipelineDefinitionError(
                f"{site}: step {step.name!r} has no argument {unknown[0]!r}; "
                f"it takes ({', '.join(parameters)})"
            )
        try:
            bound = step.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise PipelineDefinitionError(f"{site}: step {step.name!r}: {exc}") from None
        return dict(bound.arguments)

    def _after(self, after: Any, step: Step[Any, Any], site: str) -> tuple[str, ...]:
        if after is None:
            return ()
        items = list(after) if isinstance(after, list | tuple) else [after]
        found: list[str] = []
        for item in items:
            handles = list(_handles_in(item))
            if not handles:
                raise PipelineDefinitionError(
                    f"{site}: step {step.name!r}: after= takes step handles, got {item!r}"
                )
            for handle in handles:
                ref = self.template(handle, owner=f"step {step.name!r}", site=site)
                assert isinstance(ref, Ref)
                found.append(ref.node_id)
        return tuple(dict.fromkeys(found))

    # -- nodes ---------------------------------------------------------------------

    def _new_id(self, step: Step[Any, Any]) -> str:
        count = self._counts.get(step.name, 0) + 1
        self._counts[step.name] = count
        return step.name if count == 1 else f"{step.name}-{count}"

    def add_call(
        self,
        step: Step[Any, Any],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        *,
        after: Any,
        site: str,
    ) -> Handle:
        arguments = self._bind(step, args, kwargs, site)
        node = Node(
            id=self._new_id(step),
            step=step,
            args={
                name: self.template(v, owner=f"step {step.name!r}", site=site)
                for name, v in arguments.items()
            },
            after=self._after(after, step, site),
            site=site,
        )
        self.graph.nodes[node.id] = node
        return Handle(self, step, node.id, None, site)

    def add_map(
        self,
        step: Step[Any, Any],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        *,
        after: Any,
        site: str,
    ) -> list[Handle] | Handle:
        arguments = self._bind(step, args, kwargs, site)
        lists: dict[str, list[Any]] = {}
        computed: list[str] = []  # mapped over lists known only at run time
        for name, argument in arguments.items():
            value = argument.value if isinstance(argument, mapped) else argument
            if isinstance(argument, mapped):
                arguments[name] = value
                if isinstance(value, Handle):
                    self._check_mappable(value, step, name, site)
                    computed.append(name)
                elif isinstance(value, list | tuple):
                    lists[name] = list(value)
                else:
                    raise PipelineDefinitionError(
                        f"{site}: {step.name}.map(): rw.mapped() takes a list or a step's "
                        f"output, got {type(value).__name__} for {name!r}"
                    )
            elif isinstance(value, Handle) and value._dynamic:
                computed.append(name)
            elif isinstance(value, list | tuple):
                lists[name] = list(value)
        if not lists and not computed:
            raise PipelineDefinitionError(
                f"{site}: {step.name}.map() needs at least one list argument to map over "
                "(a list of values, a list parameter, another .map()'s result, or "
                "rw.mapped(a step's output)); a step's output is otherwise passed whole to "
                "every branch"
            )
        lengths = {name: len(items) for name, items in lists.items()}
        if len(set(lengths.values())) > 1:
            raise PipelineDefinitionError(
                f"{site}: {step.name}.map() got lists of different lengths {lengths}; wrap an "
                "argument in rw.unmapped(...) to pass it whole to every branch"
            )
        base = self._new_id(step)
        after_ids = self._after(after, step, site)
        owner = f"step {step.name!r}"
        if computed:
            node = Node(
                id=base,
                step=step,
                args={
                    name: self.template(v, owner=owner, site=site) for name, v in arguments.items()
                },
                after=after_ids,
                site=site,
                mapped=tuple(sorted([*lists, *computed])),
            )
            self.graph.nodes[node.id] = node
            return Handle(self, step, node.id, None, site, dynamic=True)
        handles: list[Handle] = []
        for index in range(next(iter(lengths.values()))):
            values = {
                name: (lists[name][index] if name in lists else value)
                for name, value in arguments.items()
            }
            node = Node(
                id=f"{base}[{index}]",
                step=step,
                args={name: self.template(v, owner=owner, site=site) for name, v in values.items()},
                after=after_ids,
                site=site,
                map_index=index,
            )
            self.graph.nodes[node.id] = node
            handles.append(Handle(self, step, node.id, None, site))
        return handles

    @staticmethod
    def _check_mappable(handle: Handle, step: Step[Any, Any], name: str, site: str) -> None:
        if not handle._dynamic and handle._output is None and handle._step.outputs.kind != "single":
            raise PipelineDefinitionError(
                f"{site}: {step.name}.map(): step {handle._step.name!r} has several outputs "
                f"{list(handle._step.outputs.names)}; map over one of them, e.g. "
                f"rw.mapped(result.{handle._step.outputs.names[0]}) for {name!r}"
            )
