"""What `Pipeline.run` and `resume` hand back: statuses, run ids and outputs by reference."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from runwright.entities.pipelines import OutputRef
from runwright.errors import PipelineFailedError
from runwright.pipelines.graph import Const, Ref, Template
from runwright.pipelines.outputs import load_output
from runwright.pipelines.outputs_spec import OutputSpec

__all__ = ["PipelineResult", "StepResult", "StepState"]


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    CACHED = "cached"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    KILLED = "killed"

    @property
    def finished(self) -> bool:
        return self in (StepState.DONE, StepState.CACHED)


@dataclass(slots=True)
class StepResult:
    node_id: str
    step_name: str
    state: StepState = StepState.PENDING
    run_id: str | None = None
    attempts: int = 0
    cached_from: str | None = None
    cache_reason: str = ""
    duration: float | None = None
    error: str | None = None
    outputs: dict[str, OutputRef] = field(default_factory=dict)


@dataclass(slots=True)
class PipelineResult:
    run_id: str
    pipeline_name: str
    status: str
    steps: dict[str, StepResult]
    output_template: Template
    output_specs: Mapping[str, OutputSpec]

    @property
    def output(self) -> Any:
        """The pipeline body's return value, loaded now (the driver never loads it)."""
        if self.status != "FINISHED":
            failed = [s.node_id for s in self.steps.values() if s.state is StepState.FAILED]
            raise PipelineFailedError(
                f"pipeline run {self.run_id} is {self.status}"
                + (f"; failed steps: {', '.join(failed)}" if failed else "")
            )
        return self._resolve(self.output_template)

    def _resolve(self, template: Template) -> Any:
        if isinstance(template, Const):
            return template.value
        if isinstance(template, Ref):
            outputs = self.steps[template.node_id].outputs
            if template.output is not None:
                return load_output(outputs[template.output])
            spec = self.output_specs[template.node_id]
            return spec.join({name: load_output(outputs[name]) for name in spec.names})
        values = [(key, self._resolve(item)) for key, item in template.items]
        if template.kind == "dict":
            return dict(values)
        items = [value for _key, value in values]
        return tuple(items) if template.kind == "tuple" else items

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for step in self.steps.values():
            counts[step.state.value] = counts.get(step.state.value, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        return f"<PipelineResult {self.pipeline_name} {self.run_id} {self.status}: {summary}>"
