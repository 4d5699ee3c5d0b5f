"""`Client`: every tracking operation by id. The fluent API, the CLI and the server
all go through it, so the rules in `validation` apply the same way everywhere."""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwright._host import now_ms
from runwright.entities import (
    RUN_NAME_TAG,
    Dataset,
    DatasetInput,
    Experiment,
    FileInfo,
    LifecycleStage,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunStatus,
    Tag,
    ViewType,
)
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.settings import Settings
from runwright.tracking import validation as v
from runwright.tracking.background import BackgroundWriter

if TYPE_CHECKING:
    from runwright.artifacts import ArtifactStore
    from runwright.store.base import TrackingStore

__all__ = ["Client"]

MAX_BATCH_ENTITIES = 1000


def _view_type(value: ViewType | str | int) -> ViewType:
    if isinstance(value, ViewType):
        return value
    by_number = {1: ViewType.ACTIVE_ONLY, 2: ViewType.DELETED_ONLY, 3: ViewType.ALL}
    if isinstance(value, int) and value in by_number:
        return by_number[value]
    try:
        return ViewType(str(value).upper())
    except ValueError:
        raise InvalidArgumentError(
            f"view type must be ACTIVE_ONLY, DELETED_ONLY or ALL, got {value!r}"
        ) from None


def _status(value: RunStatus | str) -> RunStatus:
    try:
        return RunStatus(value.upper() if isinstance(value, str) else value)
    except ValueError:
        names = ", ".join(s.value for s in RunStatus)
        raise InvalidArgumentError(f"run status must be one of {names}, got {value!r}") from None


class Client:
    """Tracking operations against one store, chosen by `tracking_uri`.

    Metric values go through a background writer; every read flushes it first, so a
    client always reads its own writes.
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        settings: Settings | None = None,
        store: TrackingStore | None = None,
    ):
        """`store` serves an already opened store (the tracking server does this)."""
        from runwright.store.registry import resolve_tracking_uri

        self.settings = settings or Settings.from_env()
        self.tracking_uri = (
            store.uri if store else resolve_tracking_uri(tracking_uri, self.settings)
        )
        self._store: TrackingStore | None = store
        self._store_lock = threading.Lock()
        self._artifact_roots: dict[str, str] = {}
        self._writer = BackgroundWriter(
            self._get_store,
            batch_size=self.settings.log_batch_size,
            queue_size=self.settings.log_queue_size,
            flush_interval=self.settings.log_flush_interval,
            heartbeat_interval=self.settings.heartbeat_interval,
        )

    # -- plumbing ------------------------------------------------------------------

    @property
    def store(self) -> TrackingStore:
        return self._get_store()

    def _get_store(self) -> TrackingStore:
        if self._store is None:
            from runwright.store.registry import open_store

            with self._store_lock:
                if self._store is None:
                    self._store = open_store(self.tracking_uri, self.settings)
        return self._store

    def flush(self) -> None:
        """Store every metric value logged so far; raises LoggingFlushError if some failed."""
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()
        if self._store is not None:
            self._store.close()
            self._store = None

    def _read(self) -> TrackingStore:
        if self._writer.pending:
            self._writer.flush()
        return self._get_store()

    # -- experiments -----------------------------------------------------------------

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> str:
        checked = dict(v.check_experiment_tag(k, val) for k, val in (tags or {}).items())
        return self.store.create_experiment(
            name=v.check_experiment_name(name), artifact_location=artifact_location, tags=checked
        )

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self.store.get_experiment(experiment_id=str(experiment_id))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        return self.store.get_experiment_by_name(name=name)

    def search_experiments(
        self,
        view_type: ViewType | str | int = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        return self.store.search_experiments(
            view_type=_view_type(view_type),
            filter_string=filter_string or None,
            order_by=list(order_by) if order_by else None,
            max_results=v.check_max_results(max_results),
            page_token=page_token,
        )

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        experiment = self.get_experiment(experiment_id)
        if experiment.lifecycle_stage is LifecycleStage.DELETED:
            raise InvalidArgumentError(f"experiment {experiment_id} is deleted; restore it first")
        self.store.rename_experiment(
            experiment_id=experiment.experiment_id, new_name=v.check_experiment_name(new_name)
        )

    def delete_experiment(self, experiment_id: str) -> None:
        if self.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.DELETED:
            raise InvalidArgumentError(f"experiment {experiment_id} is already deleted")
        self.flush()
        self.store.delete_experiment(experiment_id=str(experiment_id), deleted_time=now_ms())

    def restore_experiment(self, experiment_id: str) -> None:
        if self.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.ACTIVE:
            raise InvalidArgumentError(f"experiment {experiment_id} is not deleted")
        self.store.restore_experiment(experiment_id=str(experiment_id), updated_time=now_ms())

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        key, text = v.check_experiment_tag(key, value)
        self.store.set_experiment_tag(experiment_id=str(experiment_id), key=key, value=text)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self.store.delete_experiment_tag(experiment_id=str(experiment_id), key=key)

    # -- runs --------------------------------------------------------------------------

    def create_run(
        self,
        experiment_id: str,
        start_time: int | None = None,
        tags: Mapping[str, Any] | None = None,
        run_name: str | None = None,
        user_id: str | None = None,
    ) -> Run:
        from runwright.tracking.names import generate_run_name

        checked = self._tags(tags or {})
        name = run_name or checked.get(RUN_NAME_TAG) or generate_run_name()
        checked[RUN_NAME_TAG] = v.tag_value(RUN_NAME_TAG, name)
        user = user_id or checked.get("mlflow.user", "")
        return self.store.create_run(
            experiment_id=str(experiment_id),
            run_name=name,
            user_id=user,
            start_time=now_ms() if start_time is None else v.check_timestamp(start_time),
            tags=[Tag(k, val) for k, val in checked.items()],
        )

    def get_run(self, run_id: str) -> Run:
        return self._read().get_run(run_id=v.check_run_id(run_id))

    def update_run(
        self,
        run_id: str,
        status: RunStatus | str | None = None,
        name: str | None = None,
        end_time: int | None = None,
    ) -> RunInfo:
        return self.store.update_run(
            run_id=v.check_run_id(run_id),
            status=None if status is None else _status(status),
            end_time=None if end_time is None else v.check_timestamp(end_time),
            run_name=None if name is None else v.tag_value(RUN_NAME_TAG, name),
        )

    def set_terminated(
        self, run_id: str, status: RunStatus | str = RunStatus.FINISHED, end_time: int | None = None
    ) -> RunInfo:
        """End a run: store its pending metrics, then its status and end time."""
        final = _status(status)
        try:
            self.flush()
        finally:
            info = self.store.update_run(
                run_id=v.check_run_id(run_id),
                status=final,
                end_time=now_ms() if end_time is None else v.check_timestamp(end_time),
            )
            self._writer.unwatch(run_id)
        return info

    def delete_run(self, run_id: str) -> None:
        self.flush()
        self.store.delete_run(run_id=v.check_run_id(run_id), deleted_time=now_ms())

    def restore_run(self, run_id: str) -> None:
        self.store.restore_run(run_id=v.check_run_id(run_id))

    def search_runs(
        self,
        experiment_ids: str | Sequence[str],
        filter_string: str | None = None,
        run_view_type: ViewType | str | int = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        ids = [experiment_ids] if isinstance(experiment_ids, str) else list(experiment_ids)
        return self._read().search_runs(
            experiment_ids=[str(i) for i in ids],
            filter_string=filter_string or None,
            view_type=_view_type(run_view_type),
            max_results=v.check_max_results(max_results),
            order_by=list(order_by) if order_by else None,
            page_token=page_token,
        )

    def watch_run(self, run_id: str) -> None:
        """Send heartbeats for a run this process is executing (the fluent API does this)."""
        self._writer.watch(run_id)

    def unwatch_run(self, run_id: str) -> None:
        """Stop the heartbeats `watch_run` started (`set_terminated` does it too)."""
        self._writer.unwatch(run_id)

    # -- logging -------------------------------------------------------------------------

    def log_metric(
        self,
        run_id: str,
        key: str,
        value: float,
        timestamp: int | None = None,
        step: int | None = None,
        synchronous: bool = False,
    ) -> None:
        """Queue a metric value (or store it at once with `synchronous=True`).

        The common case (a known key, a float, no timestamp, an int step) takes the
        fast path: a few type checks and an append to the writer's queue.
        """
        if key not in v.valid_keys:
            v.check_key(key, "metric")
        if type(value) is not float:
            value = v.check_metric_value(key, value)
        timestamp = (
            time.time_ns() // 1_000_000 if timestamp is None else v.check_timestamp(timestamp)
        )
        if step is None:
            step = 0
        elif type(step) is not int or not v.INT64_MIN <= step <= v.INT64_MAX:
            step = v.check_step(step)
        metric = Metric(key, value, timestamp, step)
        if synchronous:
            self.log_batch(run_id, metrics=[metric])
        else:
            self._writer.add(run_id, metric)

    def log_param(self, run_id: str, key: str, value: Any) -> Any:
        self.log_batch(run_id, params=[Param(key, value)])
        return value

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        self.log_batch(run_id, tags=[Tag(key, value)])

    def delete_tag(self, run_id: str, key: str) -> None:
        self.store.delete_tag(run_id=v.check_run_id(run_id), key=key)

    def log_batch(
        self,
        run_id: str,
        metrics: Iterable[Metric] = (),
        params: Iterable[Param] = (),
        tags: Iterable[Tag] = (),
    ) -> None:
        """Store values now, in one transaction per 1,000 values (the store's unit)."""
        run_id = v.check_run_id(run_id)
        checked_metrics = [
            Metric(
                v.check_key(m.key, "metric"),
                v.check_metric_value(m.key, m.value),
                v.check_timestamp(m.timestamp),
                v.check_step(m.step),
            )
            for m in metrics
        ]
        checked_params = [
            Param(v.check_key(p.key, "param"), v.param_value(p.key, p.value)) for p in params
        ]
        checked_tags = [
            Tag(k, val) for k, val in self._tags({t.key: t.value for t in tags}).items()
        ]
        self.flush()
        if not (checked_params or checked_tags or checked_metrics):
            self.store.get_run(run_id=run_id)
            return
        # Params and tags go in the first transaction, so a conflicting param is
        # refused before any metric of the batch is stored.
        self.store.log_batch(
            run_id=run_id,
            params=checked_params,
            tags=checked_tags,
            metrics=checked_metrics[:MAX_BATCH_ENTITIES],
        )
        for start in range(MAX_BATCH_ENTITIES, len(checked_metrics), MAX_BATCH_ENTITIES):
            self.store.log_batch(
                run_id=run_id, metrics=checked_metrics[start : start + MAX_BATCH_ENTITIES]
            )

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput]) -> None:
        for item in datasets:
            v.check_dataset(item.dataset, item.tags)
        self.store.log_inputs(run_id=v.check_run_id(run_id), datasets=list(datasets))

    def log_input(
        self,
        run_id: str,
        dataset: Dataset,
        context: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        from runwright.entities import CONTEXT_TAG

        all_tags = dict(tags or {})
        if context is not None:
            all_tags[CONTEXT_TAG] = context
        self.log_inputs(run_id, [DatasetInput(dataset=dataset, tags=all_tags)])

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every point of the metric, ordered by (timestamp, step, value) as MLflow
        returns a history: by time, not by step, where the two disagree."""
        return list(
            self._read().get_metric_history(
                run_id=v.check_run_id(run_id), key=key, max_results=None, page_token=None
            )
        )

    def get_metric_history_page(
        self, run_id: str, key: str, max_results: int, page_token: str | None = None
    ) -> PagedList[Metric]:
        """One page of `get_metric_history`, in the same order; pass the page's `token`
        back for the next one (None after the last page)."""
        return self._read().get_metric_history(
            run_id=v.check_run_id(run_id),
            key=key,
            max_results=v.check_max_results(max_results, limit=1_000_000),
            page_token=page_token,
        )

    @staticmethod
    def _tags(tags: Mapping[str, Any]) -> dict[str, str]:
        return {v.check_key(k, "tag"): v.tag_value(k, val) for k, val in tags.items()}

    # -- artifacts ---------------------------------------------------------------------

    def artifact_repository(self, run_id: str) -> ArtifactStore:
        root = self._artifact_roots.get(run_id)
        if root is None:
            root = self.get_run(run_id).info.artifact_uri
            self._artifact_roots[run_id] = root
        return self.store.artifact_repository(root)

    def _writable_repository(self, run_id: str) -> ArtifactStore:
        run = self.get_run(run_id)
        if run.info.lifecycle_stage is not LifecycleStage.ACTIVE:
            raise InvalidArgumentError(
                f"run {run_id} is deleted; it must be in the 'active' state to be changed"
            )
        return self.artifact_repository(run_id)

    def log_artifact(
        self, run_id: str, local_path: str | Path, artifact_path: str | None = None
    ) -> None:
        path = Path(local_path)
        if not path.is_file():
            raise NotFoundError(f"no file at {str(path)!r} to log as an artifact")
        self._writable_repository(run_id).log_file(path, artifact_path)

    def log_artifacts(
        self, run_id: str, local_dir: str | Path, artifact_path: str | None = None
    ) -> None:
        path = Path(local_dir)
        if not path.is_dir():
            raise NotFoundError(f"no directory at {str(path)!r} to log as artifacts")
        self._writable_repository(run_id).log_dir(path, artifact_path)

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        self._writable_repository(run_id).write_text(artifact_file, text)

    def log_dict(self, run_id: str, dictionary: Mapping[str, Any], artifact_file: str) -> None:
        """JSON, or YAML when the file name ends in .yaml/.yml (needs PyYAML)."""
        if artifact_file.endswith((".yaml", ".yml")):
            try:
                import yaml  # type: ignore[import-untyped]
            except ImportError:
                raise InvalidArgumentError(
                    "logging a dict as YAML needs PyYAML; install it or use a .json file name"
                ) from None
            text = yaml.safe_dump(dict(dictionary), sort_keys=False)
        else:
            text = json.dumps(dictionary, indent=2, default=str)
        self.log_text(run_id, text, artifact_file)

    def log_figure(self, run_id: str, figure: Any, artifact_file: str) -> None:
        """A matplotlib figure, saved in the format the file name's extension names."""
        if not hasattr(figure, "savefig"):
            raise InvalidArgumentError(
                f"log_figure takes a matplotlib figure, got {type(figure).__name__}"
            )
        suffix = Path(artifact_file).suffix or ".png"
        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder, Path(artifact_file).name or f"figure{suffix}")
            figure.savefig(local)
            parent = str(Path(artifact_file).parent)
            self._writable_repository(run_id).log_file(local, None if parent == "." else parent)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        return self.artifact_repository(run_id).list(path)

    def download_artifacts(self, run_id: str, path: str, dst_path: str | Path | None = None) -> str:
        destination = Path(dst_path) if dst_path else Path(tempfile.mkdtemp(prefix="runwright-"))
        return str(self.artifact_repository(run_id).download(path, destination))
