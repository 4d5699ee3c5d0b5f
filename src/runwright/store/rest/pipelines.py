"""Pipeline runs, step runs and lineage over REST: `/api/2.0/runwright/pipelines/*`
(MLflow has nothing of the kind). A pipeline's driver records its steps through
`RestStepJournal`; the step runs themselves are ordinary runs, which the MLflow
endpoints serve as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runwright.entities import Tag
from runwright.entities.pipelines import LineageEdge, PipelineRunRecord, StepRecord
from runwright.store.pipelines import PipelineStore, StepJournal
from runwright.store.pipelines_json import (
    blob_to_json,
    flat_from_json,
    pipeline_run_from_json,
    step_record_from_json,
    tags_to_json,
)
from runwright.store.rest.step_journal import JOURNAL, PIPELINES, RestStepJournal
from runwright.store.rest.transport import RestTransport

__all__ = ["IDS_PER_REQUEST", "RestPipelines"]

#: Run ids or content hashes per list in one lineage request (the server's limit).
IDS_PER_REQUEST = 1000


class RestPipelines(PipelineStore):
    _http: RestTransport

    def create_pipeline_run(
        self,
        *,
        experiment_id: str,
        run_name: str,
        user_id: str,
        start_time: int,
        tags: Sequence[Tag],
        params: Mapping[str, str],
        pipeline_name: str,
        source: Mapping[str, str],
        parameters_blob: bytes,
        parameters: Mapping[str, Any],
        graph: Mapping[str, Any],
        options: Mapping[str, Any],
    ) -> str:
        body = {
            "experiment_id": experiment_id,
            "run_name": run_name,
            "user_id": user_id,
            "start_time": start_time,
            "tags": tags_to_json(tags),
            "params": dict(params),
            "pipeline_name": pipeline_name,
            "source": dict(source),
            "parameters_blob": blob_to_json(parameters_blob),
            "parameters": dict(parameters),
            "graph": dict(graph),
            "options": dict(options),
        }
        return str(self._http.post(f"{PIPELINES}/runs/create", body)["run_id"])

    def get_pipeline_run(self, *, run_id: str) -> PipelineRunRecord:
        answer = self._http.get(f"{PIPELINES}/runs/get", {"run_id": run_id})
        return pipeline_run_from_json(answer["pipeline_run"])

    def list_pipeline_runs(
        self, *, pipeline_name: str | None = None, max_results: int = 100
    ) -> list[PipelineRunRecord]:
        query = {"pipeline_name": pipeline_name, "max_results": max_results}
        answer = self._http.get(f"{PIPELINES}/runs/list", query)
        return [pipeline_run_from_json(item) for item in answer.get("pipeline_runs", ())]

    def open_step_journal(self, *, pipeline_run_id: str) -> StepJournal:
        # The server checks the run can take steps, so a bad id fails here, not mid-run.
        self._http.post(f"{JOURNAL}/open", {"pipeline_run_id": pipeline_run_id})
        return RestStepJournal(self._http, pipeline_run_id=pipeline_run_id)

    def list_steps(self, *, pipeline_run_id: str) -> list[StepRecord]:
        answer = self._http.get(f"{PIPELINES}/steps/list", {"pipeline_run_id": pipeline_run_id})
        return [step_record_from_json(item) for item in answer.get("steps", ())]

    def get_step(self, *, run_id: str) -> StepRecord:
        answer = self._http.get(f"{PIPELINES}/steps/get", {"run_id": run_id})
        return step_record_from_json(answer["step"])

    def lineage_edges(
        self,
        *,
        producer_run_ids: Sequence[str] = (),
        consumer_run_ids: Sequence[str] = (),
        content_hashes: Sequence[str] = (),
    ) -> list[LineageEdge]:
        """As one request when it fits the server's limit (a lineage walk's usual step);
        otherwise a request per slice of each list, an edge found twice kept once, in the
        order one query gives them."""
        asked = {
            "producer_run_ids": list(producer_run_ids),
            "consumer_run_ids": list(consumer_run_ids),
            "content_hashes": list(content_hashes),
        }
        if all(len(values) <= IDS_PER_REQUEST for values in asked.values()):
            return self._lineage_edges(asked) if any(asked.values()) else []
        found: dict[LineageEdge, None] = {}
        for name, values in asked.items():
            for start in range(0, len(values), IDS_PER_REQUEST):
                sliced = {name: values[start : start + IDS_PER_REQUEST]}
                found.update(dict.fromkeys(self._lineage_edges(sliced)))
        return sorted(found, key=lambda edge: (edge.consumer_run_id, edge.arg))

    def _lineage_edges(self, body: Mapping[str, list[str]]) -> list[LineageEdge]:
        # A body, not a query string: a lineage walk may ask about many runs at once.
        answer = self._http.post(f"{PIPELINES}/lineage/edges", body)
        return [flat_from_json(LineageEdge, item) for item in answer.get("edges", ())]
