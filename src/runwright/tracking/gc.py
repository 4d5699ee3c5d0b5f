"""Permanent removal of deleted runs, logged models and experiments, with their artifacts.

Artifacts are removed before rows: a crash in between leaves a deleted run (or model)
whose artifacts are gone, which the next `gc` finishes; never rows that point nowhere
while still visible. Purging an experiment takes its logged models with it, deleted
or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from runwright._host import now_ms
from runwright.entities import LifecycleStage, LoggedModel, RunInfo, ViewType
from runwright.errors import InvalidArgumentError
from runwright.store.logged_models import LoggedModelStore
from runwright.tracking.client import Client
from runwright.tracking.logged_models import LoggedModels

__all__ = ["GcReport", "collect_garbage"]


@dataclass(frozen=True, slots=True)
class GcReport:
    run_ids: list[str] = field(default_factory=list)
    experiment_ids: list[str] = field(default_factory=list)
    model_ids: list[str] = field(default_factory=list)


def collect_garbage(
    client: Client,
    *,
    older_than_seconds: float | None = None,
    run_ids: Sequence[str] = (),
    experiment_ids: Sequence[str] = (),
    model_ids: Sequence[str] = (),
    dry_run: bool = False,
) -> GcReport:
    """Purge deleted runs, logged models and experiments: the named ones, or all deleted
    long enough ago (logged models only on a store that keeps them)."""
    cutoff = None
    if older_than_seconds is not None:
        cutoff = now_ms() - int(older_than_seconds * 1000)
    everything = not run_ids and not experiment_ids and not model_ids
    runs = _runs_to_purge(client, run_ids, cutoff, everything)
    models = _models_to_purge(client, model_ids, cutoff, everything)
    experiments = _experiments_to_purge(client, experiment_ids, cutoff, everything)
    report = GcReport(
        run_ids=[r.run_id for r in runs],
        experiment_ids=list(experiments),
        model_ids=[m.model_id for m in models],
    )
    if dry_run:
        return report
    if runs:
        for info in runs:
            _delete_artifact_root(client, info.artifact_uri, info.run_id)
        client.store.purge_runs(run_ids=report.run_ids)
    if models:
        for model in models:
            _delete_artifact_root(client, model.artifact_location, model.model_id)
        LoggedModels(client).store.purge_logged_models(model_ids=report.model_ids)
    for experiment_id in experiments:
        _purge_experiment(client, experiment_id)
    return report


def _runs_to_purge(
    client: Client, run_ids: Sequence[str], cutoff: int | None, everything: bool
) -> list[RunInfo]:
    if not everything:
        chosen = []
        for run_id in run_ids:
            info = client.get_run(run_id).info
            if info.lifecycle_stage is not LifecycleStage.DELETED:
                raise InvalidArgumentError(f"run {run_id} is not deleted; delete it first")
            chosen.append(info)
        return chosen
    return client.store.list_deleted_runs(deleted_before=cutoff)


def _models_to_purge(
    client: Client, model_ids: Sequence[str], cutoff: int | None, everything: bool
) -> list[LoggedModel]:
    if not everything:
        models = LoggedModels(client)
        chosen = []
        for model_id in model_ids:
            model = models.get_logged_model(model_id, allow_deleted=True)
            if model.lifecycle_stage is not LifecycleStage.DELETED:
                raise InvalidArgumentError(
                    f"logged model {model_id} is not deleted; delete it first"
                )
            chosen.append(model)
        return chosen
    if not isinstance(client.store, LoggedModelStore):
        return []
    return client.store.list_deleted_logged_models(deleted_before=cutoff)


def _experiments_to_purge(
    client: Client, experiment_ids: Sequence[str], cutoff: int | None, everything: bool
) -> list[str]:
    if not everything:
        for experiment_id in experiment_ids:
            experiment = client.get_experiment(experiment_id)
            if experiment.lifecycle_stage is not LifecycleStage.DELETED:
                raise InvalidArgumentError(
                    f"experiment {experiment_id} is not deleted; delete it first"
                )
        return list(experiment_ids)
    chosen: list[str] = []
    token: str | None = None
    while True:
        page = client.search_experiments(ViewType.DELETED_ONLY, 1000, None, None, token)
        chosen.extend(
            e.experiment_id for e in page if cutoff is None or e.last_update_time < cutoff
        )
        token = page.token
        if not token:
            return chosen


def _purge_experiment(client: Client, experiment_id: str) -> None:
    token: str | None = None
    while True:
        page = client.search_runs([experiment_id], None, ViewType.ALL, 1000, None, token)
        for run in page:
            _delete_artifact_root(client, run.info.artifact_uri, run.info.run_id)
        token = page.token
        if not token:
            break
    location = client.get_experiment(experiment_id).artifact_location
    client.store.artifact_repository(location).delete()
    client.store.purge_experiment(experiment_id=experiment_id)


def _delete_artifact_root(client: Client, root_uri: str, owner_id: str) -> None:
    """Remove a run's or a model's artifacts, and its own folder when it has the default
    layout (`<experiment location>/<run id>/artifacts`, `.../models/<model id>/artifacts`),
    so nothing empty is left of it."""
    root = root_uri.rstrip("/")
    parent, _, leaf = root.rpartition("/")
    if leaf == "artifacts" and parent.endswith("/" + owner_id):
        client.store.artifact_repository(parent).delete()
    else:
        client.store.artifact_repository(root).delete()
