"""Experiments over REST: `/mlflow/experiments/*`, plus Runwright's purge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runwright.entities import Experiment, PagedList, ViewType
from runwright.errors import NotFoundError
from runwright.store.rest.parsing import experiment_from_json, pairs_to_json
from runwright.store.rest.transport import MLFLOW_API, RUNWRIGHT_API, RestTransport

__all__ = ["RestExperiments"]

_EXPERIMENTS = f"{MLFLOW_API}/experiments"


class RestExperiments:
    _http: RestTransport

    def create_experiment(
        self, *, name: str, artifact_location: str | None, tags: Mapping[str, str]
    ) -> str:
        body: dict[str, Any] = {"name": name, "tags": pairs_to_json(tags)}
        # Without a location the server decides (mlflow-artifacts:/<id> when it proxies).
        if artifact_location:
            body["artifact_location"] = artifact_location
        return str(self._http.post(f"{_EXPERIMENTS}/create", body)["experiment_id"])

    def get_experiment(self, *, experiment_id: str) -> Experiment:
        answer = self._http.get(f"{_EXPERIMENTS}/get", {"experiment_id": experiment_id})
        return experiment_from_json(answer["experiment"])

    def get_experiment_by_name(self, *, name: str) -> Experiment | None:
        try:
            answer = self._http.get(f"{_EXPERIMENTS}/get-by-name", {"experiment_name": name})
        except NotFoundError:
            return None
        return experiment_from_json(answer["experiment"])

    def search_experiments(
        self,
        *,
        view_type: ViewType,
        filter_string: str | None,
        order_by: Sequence[str] | None,
        max_results: int,
        page_token: str | None,
    ) -> PagedList[Experiment]:
        from runwright.search import EXPERIMENTS, parse_filter, parse_order_by

        # Checked here as well as on the server: a mistake raises FilterSyntaxError,
        # pointing at the bad character, without a round trip.
        parse_filter(filter_string, target=EXPERIMENTS)
        parse_order_by(order_by, target=EXPERIMENTS)
        body: dict[str, Any] = {
            "view_type": view_type.value,
            "max_results": max_results,
            "order_by": list(order_by or ()),
        }
        if filter_string:
            body["filter"] = filter_string
        if page_token:
            body["page_token"] = page_token
        answer = self._http.post(f"{_EXPERIMENTS}/search", body)
        return PagedList(
            [experiment_from_json(item) for item in answer.get("experiments", ())],
            answer.get("next_page_token") or None,
        )

    def rename_experiment(self, *, experiment_id: str, new_name: str) -> None:
        body = {"experiment_id": experiment_id, "new_name": new_name}
        self._http.post(f"{_EXPERIMENTS}/update", body)

    def delete_experiment(self, *, experiment_id: str, deleted_time: int) -> None:
        # The server stamps the deletion with its own clock.
        self._http.post(f"{_EXPERIMENTS}/delete", {"experiment_id": experiment_id})

    def restore_experiment(self, *, experiment_id: str, updated_time: int) -> None:
        self._http.post(f"{_EXPERIMENTS}/restore", {"experiment_id": experiment_id})

    def set_experiment_tag(self, *, experiment_id: str, key: str, value: str) -> None:
        body = {"experiment_id": experiment_id, "key": key, "value": value}
        self._http.post(f"{_EXPERIMENTS}/set-experiment-tag", body)

    def delete_experiment_tag(self, *, experiment_id: str, key: str) -> None:
        body = {"experiment_id": experiment_id, "key": key}
        self._http.post(f"{_EXPERIMENTS}/delete-experiment-tag", body)

    def purge_experiment(self, *, experiment_id: str) -> None:
        body = {"experiment_id": experiment_id}
        self._http.post(f"{RUNWRIGHT_API}/experiments/purge", body)
