"""A pipeline driver's step journal over REST: `/api/2.0/runwright/pipelines/journal/*`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from runwright.entities import RunInfo, RunStatus, Tag
from runwright.entities.pipelines import CacheStatus, OutputRef, StepInput, StepRecord
from runwright.store.pipelines import StepJournal
from runwright.store.pipelines_json import (
    flat_to_json,
    step_record_from_json,
    step_record_to_json,
    tags_to_json,
)
from runwright.store.rest.parsing import run_info_from_json
from runwright.store.rest.transport import RUNWRIGHT_API, RestTransport

__all__ = ["JOURNAL", "PIPELINES", "RestStepJournal"]

PIPELINES = f"{RUNWRIGHT_API}/pipelines"
JOURNAL = f"{PIPELINES}/journal"


class RestStepJournal(StepJournal):
    """The step journal of one pipeline run, kept by a tracking server.

    The server holds no journal between requests: each call names the pipeline run and
    is its own request, and its own transaction on the server, whole or absent as the
    interface promises. So `batch` groups nothing here: a driver's batch costs one
    request (and one commit) per call in it, and a driver killed inside one leaves the
    calls made before the kill recorded. Resume copes with that as it copes with a
    driver killed between two batches. `checkpoint` and `end_pipeline` are durable on
    the server, as on a database.
    """

    def __init__(self, http: RestTransport, *, pipeline_run_id: str) -> None:
        self.pipeline_run_id = pipeline_run_id
        self._http = http

    def batch(self) -> AbstractContextManager[None]:
        return nullcontext()

    def _post(self, call: str, body: Mapping[str, Any]) -> dict[str, Any]:
        body = {"pipeline_run_id": self.pipeline_run_id, **body}
        return self._http.post(f"{JOURNAL}/{call}", body)

    def start_step(
        self,
        *,
        run_name: str,
        start_time: int,
        tags: Sequence[Tag],
        params: Mapping[str, str],
        node_id: str,
        step_name: str,
        cache_key: str | None,
        cache_status: CacheStatus,
        cache_reason: str,
        cache_components: Mapping[str, Any],
        scheduled: bool = False,
    ) -> RunInfo:
        answer = self._post(
            "start-step",
            {
                "run_name": run_name,
                "start_time": start_time,
                "tags": tags_to_json(tags),
                "params": dict(params),
                "node_id": node_id,
                "step_name": step_name,
                "cache_key": cache_key,
                "cache_status": cache_status.value,
                "cache_reason": cache_reason,
                "cache_components": dict(cache_components),
                "scheduled": scheduled,
            },
        )
        return run_info_from_json(answer["run_info"])

    def begin_step(self, *, run_id: str, start_time: int) -> None:
        self._post("begin-step", {"run_id": run_id, "start_time": start_time})

    def finish_step(
        self,
        *,
        run_id: str,
        status: RunStatus,
        end_time: int,
        attempts: int,
        outputs: Sequence[OutputRef],
        inputs: Sequence[StepInput],
        tags: Sequence[Tag],
    ) -> None:
        self._post(
            "finish-step",
            {
                "run_id": run_id,
                "status": status.value,
                "end_time": end_time,
                "attempts": attempts,
                "outputs": [flat_to_json(ref) for ref in outputs],
                "inputs": [flat_to_json(item) for item in inputs],
                "tags": tags_to_json(tags),
            },
        )

    def record_cached_step(
        self,
        *,
        run_name: str,
        time: int,
        tags: Sequence[Tag],
        params: Mapping[str, str],
        node_id: str,
        step_name: str,
        cache_key: str,
        cache_reason: str,
        cache_components: Mapping[str, Any],
        cached_from: StepRecord,
        inputs: Sequence[StepInput],
    ) -> str:
        answer = self._post(
            "record-cached-step",
            {
                "run_name": run_name,
                "time": time,
                "tags": tags_to_json(tags),
                "params": dict(params),
                "node_id": node_id,
                "step_name": step_name,
                "cache_key": cache_key,
                "cache_reason": cache_reason,
                "cache_components": dict(cache_components),
                "cached_from": step_record_to_json(cached_from),
                "inputs": [flat_to_json(item) for item in inputs],
            },
        )
        return str(answer["run_id"])

    def find_cached_step(self, *, cache_key: str) -> StepRecord | None:
        query = {"pipeline_run_id": self.pipeline_run_id, "cache_key": cache_key}
        found = self._http.get(f"{JOURNAL}/find-cached-step", query).get("step")
        return None if found is None else step_record_from_json(found)

    def previous_step(self, *, node_id: str) -> StepRecord | None:
        query = {"pipeline_run_id": self.pipeline_run_id, "node_id": node_id}
        found = self._http.get(f"{JOURNAL}/previous-step", query).get("step")
        return None if found is None else step_record_from_json(found)

    def checkpoint(self, *, heartbeat_time: int) -> None:
        self._post("checkpoint", {"heartbeat_time": heartbeat_time})

    def end_pipeline(self, *, status: RunStatus, end_time: int) -> None:
        self._post("end-pipeline", {"status": status.value, "end_time": end_time})

    def close(self) -> None:
        """Nothing to release: requests use the store's connection pool, which the store
        closes."""
