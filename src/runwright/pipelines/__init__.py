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

from runwright.entities.pipelines import LineageEdge, OutputRef
from runwright.pipelines.driver import StepEvent
from runwright.pipelines.lineage import Lineage, lineage
from runwright.pipelines.loading import load_pipeline
from runwright.pipelines.node import Step, step
from runwright.pipelines.outputs import load_output
from runwright.pipelines.pipeline import Pipeline, pipeline
from runwright.pipelines.resources import Resources
from runwright.pipelines.result import PipelineResult, StepResult, StepState
from runwright.pipelines.serializers import Serializer, register_serializer
from runwright.pipelines.session import resume_pipeline_run as resume
from runwright.pipelines.tracing import unmapped

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
    "pipeline",
    "register_serializer",
    "resume",
    "step",
    "unmapped",
]
