"""`LoggedModels`: the rules for logged models, over the store of a `Client`.

MLflow 3 clients create a logged model for every `log_model` call (PENDING), upload
its files to the model's own artifact location, link it to the run as an output, and
finalize it (READY or FAILED). The tracking server, the CLI and Python callers all go
through this service, so ids, names and keys are checked the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwright._host import now_ms
from runwright.entities import (
    FileInfo,
    LoggedModel,
    LoggedModelDataset,
    LoggedModelMetric,
    LoggedModelOrder,
    LoggedModelOutput,
    LoggedModelStatus,
    PagedList,
)
from runwright.errors import InvalidArgumentError, NotFoundError, RunwrightError
from runwright.store.logged_models import LoggedModelStore
from runwright.tracking import validation as v

if TYPE_CHECKING:
    from runwright.artifacts import ArtifactStore
    from runwright.tracking.client import Client

__all__ = ["DEFAULT_SEARCH_RESULTS", "LoggedModels", "check_model_id"]

DEFAULT_SEARCH_RESULTS = 100
MAX_NAME = 500
MAX_MODEL_TYPE = 500
# Characters MLflow refuses in model names: they would be ambiguous in `models:/` URIs.
_NAME_FORBIDDEN = frozenset("/:.%\"'")
_MODEL_ID = re.compile(r"^[A-Za-z0-9][\w\-]{0,35}$")


def check_model_id(model_id: object) -> str:
    if not isinstance(model_id, str) or not _MODEL_ID.match(model_id):
        raise InvalidArgumentError(f"{model_id!r} is not a valid logged model id")
    return model_id


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidArgumentError(f"model name must be a non-empty string, got {name!r}")
    if _NAME_FORBIDDEN.intersection(name):
        raise InvalidArgumentError(f"model name {name!r} may not contain any of / : . % \" '")
    if len(name) > MAX_NAME:
        raise InvalidArgumentError(
            f"model name is {len(name)} characters long; the limit is {MAX_NAME}"
        )
    return name


def _pairs(values: Mapping[str, Any] | None, kind: str) -> dict[str, str]:
    """Keys as strings of 1..250 characters, values as strings.

    Looser than run keys on purpose: `log_model(params=...)` passes user dictionaries
    that MLflow stores as they are.
    """
    checked: dict[str, str] = {}
    for key, value in (values or {}).items():
        if not isinstance(key, str) or not key or len(key) > v.MAX_KEY:
            raise InvalidArgumentError(
                f"{kind} key must be a string of 1 to {v.MAX_KEY} characters, got {key!r}"
            )
        checked[key] = value if isinstance(value, str) else str(value)
    return checked


def _status(value: LoggedModelStatus | str) -> LoggedModelStatus:
    try:
        return LoggedModelStatus(value.upper() if isinstance(value, str) else value)
    except ValueError:
        names = ", ".join(s.value for s in LoggedModelStatus)
        raise InvalidArgumentError(
            f"logged model status must be one of {names}, got {value!r}"
        ) from None


class LoggedModels:
    """Logged-model operations against the store of `client`.

    Cheap to make: the tracking server builds one per request around its shared Client.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def store(self) -> LoggedModelStore:
        store = self._client.store
        if not isinstance(store, LoggedModelStore):
            raise RunwrightError(
                f"the tracking store at {self._client.tracking_uri} does not keep logged models"
            )
        return store

    # -- models ----------------------------------------------------------------------

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        *,
        model_type: str | None = None,
        source_run_id: str | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> LoggedModel:
        """A new PENDING model; without a name it gets a generated one."""
        from runwright.tracking.names import generate_run_name

        if model_type is not None and len(model_type) > MAX_MODEL_TYPE:
            raise InvalidArgumentError(
                f"model type is {len(model_type)} characters long; the limit is {MAX_MODEL_TYPE}"
            )
        if source_run_id is not None:
            # Refuses a malformed or unknown run before anything is stored.
            self._client.get_run(source_run_id)
        return self.store.create_logged_model(
            experiment_id=str(experiment_id),
            name=generate_run_name() if name is None else _check_name(name),
            model_type=model_type or None,
            source_run_id=source_run_id or None,
            params=_pairs(params, "param"),
            tags=_pairs(tags, "tag"),
            creation_time=now_ms(),
        )

    def get_logged_model(self, model_id: str, *, allow_deleted: bool = False) -> LoggedModel:
        return self.store.get_logged_model(
            model_id=check_model_id(model_id), allow_deleted=allow_deleted
        )

    def finalize_logged_model(
        self,
        model_id: str,
        status: LoggedModelStatus | str,
    ) -> LoggedModel:
        """Set the model's status once its files are uploaded (READY) or failed (FAILED)."""
        return self.store.finalize_logged_model(
            model_id=check_model_id(model_id), status=_status(status), updated_time=now_ms()
        )

    def delete_logged_model(self, model_id: str) -> None:
        """Soft delete; the files stay until garbage collection."""
        self.store.delete_logged_model(model_id=check_model_id(model_id), deleted_time=now_ms())

    def set_logged_model_tags(self, model_id: str, tags: Mapping[str, Any]) -> None:
        self.store.set_logged_model_tags(
            model_id=check_model_id(model_id), tags=_pairs(tags, "tag")
        )

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        self.store.delete_logged_model_tag(model_id=check_model_id(model_id), key=key)

    def log_logged_model_params(self, model_id: str, params: Mapping[str, Any]) -> None:
        self.store.log_logged_model_params(
            model_id=check_model_id(model_id), params=_pairs(params, "param")
        )

    def log_logged_model_metrics(self, model_id: str, metrics: Sequence[LoggedModelMetric]) -> None:
        checked = [
            LoggedModelMetric(
                key=v.check_key(m.key, "metric"),
                value=v.check_metric_value(m.key, m.value),
                timestamp=v.check_timestamp(m.timestamp),
                step=v.check_step(m.step),
                run_id=None if m.run_id is None else v.check_run_id(m.run_id),
                dataset_name=m.dataset_name or None,
                dataset_digest=m.dataset_digest or None,
            )
            for m in metrics
        ]
        self.store.log_logged_model_metrics(model_id=check_model_id(model_id), metrics=checked)

    def search_logged_models(
        self,
        experiment_ids: str | Sequence[str],
        filter_string: str | None = None,
        *,
        datasets: Sequence[LoggedModelDataset] = (),
        max_results: int = DEFAULT_SEARCH_RESULTS,
        order_by: Sequence[LoggedModelOrder] = (),
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        """Active models of the experiments, newest first unless `order_by` says otherwise."""
        ids = [experiment_ids] if isinstance(experiment_ids, str) else list(experiment_ids)
        if not ids:
            raise InvalidArgumentError("search_logged_models needs at least one experiment id")
        for dataset in datasets:
            if not dataset.name:
                raise InvalidArgumentError("every dataset of a logged model search needs a name")
        for order in order_by:
            if order.dataset_digest and not order.dataset_name:
                raise InvalidArgumentError(
                    f"order by {order.field!r}: a dataset digest needs a dataset name"
                )
        return self.store.search_logged_models(
            experiment_ids=[str(i) for i in ids],
            filter_string=filter_string or None,
            datasets=list(datasets),
            max_results=v.check_max_results(max_results),
            order_by=list(order_by),
            page_token=page_token or None,
        )

    # -- runs ------------------------------------------------------------------------

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """Record models as outputs of a run (the run must be active)."""
        checked = [
            LoggedModelOutput(model_id=check_model_id(m.model_id), step=v.check_step(m.step))
            for m in models
        ]
        self.store.log_outputs(run_id=v.check_run_id(run_id), models=checked)

    def get_run_outputs(self, run_id: str) -> list[LoggedModelOutput]:
        return self.store.get_run_outputs(run_ids=[v.check_run_id(run_id)])[run_id]

    # -- files -----------------------------------------------------------------------

    def artifact_repository(self, model_id: str) -> ArtifactStore:
        """The artifact store behind the model's artifact location."""
        model = self.get_logged_model(model_id)
        return self._client.store.artifact_repository(model.artifact_location)

    def log_artifacts(
        self, model_id: str, local_dir: str | Path, artifact_path: str | None = None
    ) -> None:
        """Upload a folder's files into the model's artifact location."""
        path = Path(local_dir)
        if not path.is_dir():
            raise NotFoundError(f"no directory at {str(path)!r} to log as model artifacts")
        self.artifact_repository(model_id).log_dir(path, artifact_path)

    def list_artifacts(self, model_id: str, path: str | None = None) -> list[FileInfo]:
        """The direct children of `path` in the model's files (paths relative to its root)."""
        return self.artifact_repository(model_id).list(path)
