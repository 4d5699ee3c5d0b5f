"""The fluent API (`rw.start_run`, `rw.log_metric`…): MLflow's names on purpose.

State kept here: the tracking URI, the active experiment, and a per-thread stack of
active runs (so parallel steps in threads each log to their own run). Every call
goes through one shared :class:`Client`.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from runwright._host import current_user, entry_point
from runwright.entities import (
    PARENT_RUN_TAG,
    RUN_NAME_TAG,
    USER_TAG,
    Dataset,
    Experiment,
    LifecycleStage,
    PagedList,
    Param,
    Run,
    RunData,
    RunInfo,
    RunStatus,
    Tag,
    ViewType,
)
from runwright.errors import InvalidArgumentError, NotFoundError, RunwrightError

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = [
    "ActiveRun",
    "active_run",
    "delete_tag",
    "end_run",
    "flush",
    "get_artifact_uri",
    "get_experiment_by_name",
    "get_run",
    "get_tracking_uri",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_text",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]


class _FluentState:
    """Everything the fluent API remembers between calls, in one place."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tracking_uri: str | None = None
        self.client: Client | None = None
        self.experiment_id: str | None = None
        self.local = threading.local()
        # Every thread's active runs, so that interpreter exit can end them all.
        self.all_active: dict[str, ActiveRun] = {}
        self.crashed = False
        self.exit_hooks_installed = False

    def reset_after_fork(self) -> None:
        """A forked child starts with no client and no active runs: they are the parent's."""
        self.lock = threading.RLock()
        self.client = None
        self.local = threading.local()
        self.all_active = {}
        self.crashed = False


_state = _FluentState()


class ActiveRun:
    """The run `start_run` began; ends itself when its `with` block exits
    (FINISHED, or FAILED when the block raised, KILLED on Ctrl-C)."""

    def __init__(self, run: Run, client: Client) -> None:
        self._run = run
        self._client = client

    @property
    def info(self) -> RunInfo:
        return self._run.info

    @property
    def data(self) -> RunData:
        return self._run.data

    @property
    def run_id(self) -> str:
        return self._run.info.run_id

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None or (isinstance(exc, SystemExit) and exc.code in (0, None)):
            status = RunStatus.FINISHED
        elif issubclass(exc_type, KeyboardInterrupt):
            status = RunStatus.KILLED
        else:
            status = RunStatus.FAILED
        _end_through(self, status, raise_errors=exc_type is None)

    def __repr__(self) -> str:
        return f"<ActiveRun {self.run_id} {self._run.info.run_name!r}>"


def _stack() -> list[ActiveRun]:
    stack: list[ActiveRun] | None = getattr(_state.local, "stack", None)
    if stack is None:
        stack = _state.local.stack = []
    return stack


def _get_client() -> Client:
    client = _state.client
    if client is None:
        from runwright.tracking.client import Client

        with _state.lock:
            if _state.client is None:
                _state.client = Client(_state.tracking_uri)
            client = _state.client
    return client


# -- where to track --------------------------------------------------------------------


def set_tracking_uri(uri: str | Path | None) -> None:
    """Use this store from now on: a folder, sqlite:///…, postgresql://… (None: the default).

    The active experiment is forgotten, since its id belongs to the previous store."""
    with _state.lock:
        if _state.client is not None:
            if _state.all_active:
                raise InvalidArgumentError("end the active runs before changing the tracking URI")
            _state.client.close()
        _state.tracking_uri = None if uri is None else str(uri)
        _state.client = None
        # An experiment id belongs to one store; keeping it would point into another.
        _state.experiment_id = None


def get_tracking_uri() -> str:
    if _state.client is not None:
        return _state.client.tracking_uri
    from runwright.settings import Settings
    from runwright.store.registry import resolve_tracking_uri

    return resolve_tracking_uri(_state.tracking_uri, Settings.from_env())


def set_experiment(
    experiment_name: str | None = None, experiment_id: str | None = None
) -> Experiment:
    """Make an experiment the active one, creating it by name if it does not exist."""
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidArgumentError("give exactly one of experiment_name and experiment_id")
    client = _get_client()
    if experiment_id is not None:
        experiment = client.get_experiment(str(experiment_id))
    else:
        assert experiment_name is not None
        found = client.get_experiment_by_name(experiment_name)
        if found is None:
            try:
                client.create_experiment(experiment_name)
            except RunwrightError as exc:
                if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                    raise
            found = client.get_experiment_by_name(experiment_name)
            assert found is not None
        experiment = found
    if experiment.lifecycle_stage is LifecycleStage.DELETED:
        raise InvalidArgumentError(
            f"experiment {experiment.name!r} is deleted; restore it "
            f"(runwright experiments restore {experiment.experiment_id}) or choose another name"
        )
    _state.experiment_id = experiment.experiment_id
    return experiment


def get_experiment_by_name(name: str) -> Experiment | None:
    return _get_client().get_experiment_by_name(name)


# -- run lifecycle -----------------------------------------------------------------------


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    parent_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
) -> ActiveRun:
    """Start a run (or resume `run_id`) and make it the active one in this thread.

    With a run already active, `nested=True` makes the new run its child; without it,
    starting another run is an error, as in MLflow.
    """
    stack = _stack()
    if stack and not nested:
        raise InvalidArgumentError(
            f"run {stack[-1].run_id} is already active; end it with rw.end_run() first, "
            "or pass nested=True to start a child run"
        )
    client = _get_client()
    if run_id is not None:
        run = _resume(client, run_id)
    else:
        all_tags = dict(tags or {})
        parent = parent_run_id or (stack[-1].run_id if stack else None)
        if parent is not None:
            all_tags[PARENT_RUN_TAG] = parent
        if description is not None:
            all_tags["mlflow.note.content"] = description
        all_tags.setdefault(USER_TAG, current_user())
        all_tags.setdefault("mlflow.source.name", entry_point())
        all_tags.setdefault("mlflow.source.type", "LOCAL")
        if run_name is not None:
            all_tags[RUN_NAME_TAG] = run_name
        run = client.create_run(_current_experiment_id(experiment_id), tags=all_tags)
    active = ActiveRun(run, client)
    stack.append(active)
    with _state.lock:
        _state.all_active[active.run_id] = active
    client.watch_run(active.run_id)
    _install_exit_hooks()
    return active


@contextmanager
def attached_run(run: Run, client: Client) -> Iterator[ActiveRun]:
    """Make an existing run the active one in this thread for the block, without
    changing its status: how a pipeline step's own `rw.log_*` calls reach its run."""
    stack = _stack()
    active = ActiveRun(run, client)
    stack.append(active)
    try:
        yield active
    finally:
        if active in stack:
            stack.remove(active)


def _resume(client: Client, run_id: str) -> Run:
    run = client.get_run(run_id)
    if run.info.lifecycle_stage is LifecycleStage.DELETED:
        raise InvalidArgumentError(f"run {run_id} is deleted; restore it before resuming it")
    if run_id in _state.all_active:
        raise InvalidArgumentError(f"run {run_id} is already active in this process")
    client.update_run(run_id, status=RunStatus.RUNNING)
    return client.get_run(run_id)


def _current_experiment_id(explicit: str | None) -> str:
    if explicit is not None:
        return str(explicit)
    if _state.experiment_id is not None:
        return _state.experiment_id
    from runwright.entities import DEFAULT_EXPERIMENT_ID

    return DEFAULT_EXPERIMENT_ID


def active_run() -> ActiveRun | None:
    stack = _stack()
    return stack[-1] if stack else None


def end_run(status: RunStatus | str = RunStatus.FINISHED) -> None:
    """End the active run of this thread (no-op when there is none)."""
    stack = _stack()
    if stack:
        _end_through(stack[-1], RunStatus(status.upper() if isinstance(status, str) else status))


def _end_through(run: ActiveRun, status: RunStatus, *, raise_errors: bool = True) -> None:
    """End `run` and any child runs still open above it on the stack."""
    stack = _stack()
    while run in stack:
        top = stack.pop()
        with _state.lock:
            _state.all_active.pop(top.run_id, None)
        try:
            top._client.set_terminated(top.run_id, status)
        except RunwrightError:
            if raise_errors:
                raise


def _active_or_start() -> ActiveRun:
    stack: list[ActiveRun] | None = getattr(_state.local, "stack", None)
    if stack:
        return stack[-1]
    return start_run()


# -- logging to the active run -------------------------------------------------------------


def log_metric(
    key: str, value: float, step: int | None = None, timestamp: int | None = None
) -> None:
    """Queue one metric value; returns in microseconds, stored in the background."""
    run = _active_or_start()
    run._client.log_metric(run.run_id, key, value, timestamp, step)


def log_metrics(
    metrics: Mapping[str, float], step: int | None = None, timestamp: int | None = None
) -> None:
    run = _active_or_start()
    for key, value in metrics.items():
        run._client.log_metric(run.run_id, key, value, timestamp, step)


def log_param(key: str, value: Any) -> Any:
    run = _active_or_start()
    return run._client.log_param(run.run_id, key, value)


def log_params(params: Mapping[str, Any]) -> None:
    run = _active_or_start()
    run._client.log_batch(run.run_id, params=[Param(k, val) for k, val in params.items()])


def set_tag(key: str, value: Any) -> None:
    run = _active_or_start()
    run._client.set_tag(run.run_id, key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    run = _active_or_start()
    run._client.log_batch(run.run_id, tags=[Tag(k, val) for k, val in tags.items()])


def delete_tag(key: str) -> None:
    run = _active_or_start()
    run._client.delete_tag(run.run_id, key)


def log_artifact(local_path: str | Path, artifact_path: str | None = None) -> None:
    run = _active_or_start()
    run._client.log_artifact(run.run_id, local_path, artifact_path)


def log_artifacts(local_dir: str | Path, artifact_path: str | None = None) -> None:
    run = _active_or_start()
    run._client.log_artifacts(run.run_id, local_dir, artifact_path)


def log_text(text: str, artifact_file: str) -> None:
    run = _active_or_start()
    run._client.log_text(run.run_id, text, artifact_file)


def log_dict(dictionary: Mapping[str, Any], artifact_file: str) -> None:
    run = _active_or_start()
    run._client.log_dict(run.run_id, dictionary, artifact_file)


def log_figure(figure: Any, artifact_file: str) -> None:
    run = _active_or_start()
    run._client.log_figure(run.run_id, figure, artifact_file)


def log_input(
    dataset: Dataset, context: str | None = None, tags: Mapping[str, str] | None = None
) -> None:
    run = _active_or_start()
    run._client.log_input(run.run_id, dataset, context=context, tags=tags)


def get_artifact_uri(artifact_path: str | None = None) -> str:
    from runwright.artifacts import join_uri

    run = _active_or_start()
    root = run._client.get_run(run.run_id).info.artifact_uri
    return join_uri(root, artifact_path) if artifact_path else root


def flush() -> None:
    """Store every value logged so far, in every thread; raises if some could not be."""
    if _state.client is not None:
        _state.client.flush()


# -- reading -------------------------------------------------------------------------------


def get_run(run_id: str) -> Run:
    return _get_client().get_run(run_id)


def search_experiments(
    view_type: ViewType | str | int = ViewType.ACTIVE_ONLY,
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[Experiment]:
    """All matching experiments (paging through them), or the first `max_results`."""
    client = _get_client()
    found: list[Experiment] = []
    token: str | None = None
    while True:
        want = 1000 if max_results is None else min(1000, max_results - len(found))
        page = client.search_experiments(view_type, want, filter_string, order_by, token)
        found.extend(page)
        token = page.token
        if not token or (max_results is not None and len(found) >= max_results):
            return found


def search_runs(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str | None = None,
    run_view_type: ViewType | str | int = ViewType.ACTIVE_ONLY,
    max_results: int = 100_000,
    order_by: Sequence[str] | None = None,
    output_format: Literal["list", "pandas"] = "list",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
) -> Any:
    """Runs matching a filter, across experiments, as a list of Run or a pandas DataFrame.

    Without experiment ids or names, searches the active experiment (or all of them
    with `search_all_experiments=True`). Unknown experiment names are an error.
    """
    client = _get_client()
    ids = [str(i) for i in experiment_ids or ()]
    for name in experiment_names or ():
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise NotFoundError(f"no experiment named {name!r}")
        ids.append(experiment.experiment_id)
    if not ids:
        if search_all_experiments:
            ids = [e.experiment_id for e in search_experiments(ViewType.ALL)]
        else:
            ids = [_current_experiment_id(None)]
    runs: list[Run] = []
    token: str | None = None
    while len(runs) < max_results:
        page: PagedList[Run] = client.search_runs(
            ids, filter_string, run_view_type, min(max_results - len(runs), 50_000), order_by, token
        )
        runs.extend(page)
        token = page.token
        if not token:
            break
    if output_format == "pandas":
        from runwright.tracking.frames import runs_to_frame

        return runs_to_frame(runs)
    if output_format != "list":
        raise InvalidArgumentError(
            f"output_format must be 'list' or 'pandas', got {output_format!r}"
        )
    return runs


# -- process lifecycle -------------------------------------------------------------------------


def _install_exit_hooks() -> None:
    if _state.exit_hooks_installed:
        return
    with _state.lock:
        if _state.exit_hooks_installed:
            return
        previous = sys.excepthook

        def _note_crash(*args: Any) -> None:
            _state.crashed = True
            previous(*args)

        sys.excepthook = _note_crash
        atexit.register(_end_all_at_exit)
        _state.exit_hooks_installed = True


def _end_all_at_exit() -> None:
    """Store what is buffered and end runs still open (FAILED if the script crashed)."""
    status = RunStatus.FAILED if _state.crashed else RunStatus.FINISHED
    for active in list(_state.all_active.values())[::-1]:
        _state.all_active.pop(active.run_id, None)
        try:
            active._client.set_terminated(active.run_id, status)
        except RunwrightError as exc:
            print(f"runwright: could not end run {active.run_id}: {exc}", file=sys.stderr)
    if _state.client is not None:
        try:
            _state.client.close()
        except RunwrightError as exc:
            print(f"runwright: {exc}", file=sys.stderr)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_state.reset_after_fork)
