"""Pipelines: Python functions as steps of a DAG whose every step is a tracked run.

    @rw.step(cache=True)
    def load(n: int) -> pd.DataFrame: ...

    @rw.pipeline
    def training(n: int = 1000):
        return load(n)

    result = training.run(n=500)             # local worker processes
    rw.pipelines.resume(result.run_id)       # finish a failed or killed run

Layout: node (what a step is), tracing/graph (build and validate), planner (cache
keys), executors (where attempts run), driver (the scheduling loop), session
(records around a run), outputs/serializers (values in the artifact store).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from runwright.pipelines.node import Step, step
from runwright.pipelines.pipeline import Pipeline, pipeline
from runwright.pipelines.resources import Resources
from runwright.pipelines.tracing import mapped, unmapped

if TYPE_CHECKING:
    from runwright.entities.pipelines import LineageEdge, OutputRef
    from runwright.pipelines.driver import StepEvent
    from runwright.pipelines.lineage import Lineage, lineage
    from runwright.pipelines.loading import load_pipeline
    from runwright.pipelines.outputs import load_output
    from runwright.pipelines.result import PipelineResult, StepResult, StepState
    from runwright.pipelines.serializers import Serializer, register_serializer
    from runwright.pipelines.session import resume_pipeline_run as resume

__all__ = [
    "Lineage",
    "LineageEdge",
    "OutputRef",
    "Pipeline",
    "PipelineResult",
    "Resources",
    "Serializer",
    "Step",
    "StepEvent",
    "StepResult",
    "StepState",
    "lineage",
    "load_output",
    "load_pipeline",
    "mapped",
    "pipeline",
    "register_serializer",
    "resume",
    "step",
    "unmapped",
]

# Loaded on first use, so that `import runwright` (which needs @step and @pipeline)
# does not load the driver, the store and the executors.
_LAZY = {
    "LineageEdge": ("runwright.entities.pipelines", "LineageEdge"),
    "OutputRef": ("runwright.entities.pipelines", "OutputRef"),
    "StepEvent": ("runwright.pipelines.driver", "StepEvent"),
    "Lineage": ("runwright.pipelines.lineage", "Lineage"),
    "lineage": ("runwright.pipelines.lineage", "lineage"),
    "load_pipeline": ("runwright.pipelines.loading", "load_pipeline"),
    "load_output": ("runwright.pipelines.outputs", "load_output"),
    "PipelineResult": ("runwright.pipelines.result", "PipelineResult"),
    "StepResult": ("runwright.pipelines.result", "StepResult"),
    "StepState": ("runwright.pipelines.result", "StepState"),
    "Serializer": ("runwright.pipelines.serializers", "Serializer"),
    "register_serializer": ("runwright.pipelines.serializers", "register_serializer"),
    "resume": ("runwright.pipelines.session", "resume_pipeline_run"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'runwright.pipelines' has no attribute {name!r}")
