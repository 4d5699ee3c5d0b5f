"""One attempt of one step: what crosses to a worker and what comes back.

`execute` runs wherever the executor puts it (this process, a local worker process,
a Ray worker). It loads the inputs by reference, runs the function with the step's
run active (so `rw.log_metric` inside the step lands there), captures stdout and
stderr, and stores the outputs. The driver then records the result in one write.
"""

from __future__ import annotations

import io
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from runwright.entities import Run, RunInfo
from runwright.entities.pipelines import OutputRef
from runwright.pipelines.expansion import item_outputs
from runwright.pipelines.graph import Const, Ref, Template
from runwright.pipelines.outputs import RootOpener, load_output, store_outputs
from runwright.pipelines.outputs_spec import OutputSpec

if TYPE_CHECKING:
    from runwright.artifacts import ArtifactStore
    from runwright.tracking.client import Client

__all__ = [
    "SpecPickler",
    "StepTimeoutError",
    "TaskResult",
    "TaskSpec",
    "execute",
    "execute_pickled",
    "unpack_spec",
]

LOG_FILES = {"stdout": "logs/stdout.txt", "stderr": "logs/stderr.txt"}


class StepTimeoutError(Exception):
    """An attempt ran past its step's timeout."""


@dataclass(frozen=True, slots=True)
class UpstreamOutputs:
    """What one upstream node produced: its refs, and how to rebuild the whole value."""

    spec: OutputSpec
    refs: Mapping[str, OutputRef]


@dataclass(slots=True)
class TaskSpec:
    node_id: str
    run: RunInfo
    attempt: int
    tracking_uri: str
    fn: Callable[..., Any]
    output_spec: OutputSpec
    arguments: dict[str, Template]
    upstream: dict[str, UpstreamOutputs]
    #: Enforced inside `execute` (inline); process executors kill the worker instead.
    timeout: float | None = None
    #: Echo the step's prints to this process's stdout as well as capturing them.
    echo: bool = False
    #: Flush the outputs to disk before answering; the driver flushes them in batches
    #: instead when the attempt runs on its machine.
    sync_outputs: bool = True
    #: Outputs a run-time `.map` maps over: stored item by item as well as whole.
    split: tuple[str, ...] = ()


@dataclass(slots=True)
class TaskResult:
    node_id: str
    run_id: str
    attempt: int
    ok: bool
    outputs: list[OutputRef] = field(default_factory=list)
    error: str | None = None
    traceback: str | None = None
    timed_out: bool = False
    #: How long the attempt took where it ran, storing its outputs included.
    seconds: float = 0.0


class _Tee(io.TextIOBase):
    def __init__(self, echo_to: Any | None) -> None:
        self.buffer_ = io.StringIO()
        self.echo_to = echo_to

    def write(self, text: str) -> int:
        self.buffer_.write(text)
        if self.echo_to is not None:
            self.echo_to.write(text)
        return len(text)

    def flush(self) -> None:
        if self.echo_to is not None:
            self.echo_to.flush()


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise `StepTimeoutError` in this thread once ``seconds`` have passed.

    In the main thread an alarm signal does it, which also interrupts a sleep or a
    blocking read. Other threads get no signals, so there a timer thread raises the
    error in this one, which Python checks between instructions: a step blocked in one
    long C call (a sleep, a big NumPy operation) stops when that call returns."""
    if seconds is None:
        yield
    elif threading.current_thread() is threading.main_thread():
        with _alarm(seconds):
            yield
    else:
        with _async_raise_after(seconds):
            yield


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise StepTimeoutError

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _async_raise_after(seconds: float) -> Iterator[None]:
    import ctypes

    target = threading.get_ident()
    guard = threading.Lock()
    running = [True]

    def expire() -> None:
        with guard:
            if running[0]:  # past its deadline and not yet out of it
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(target), ctypes.py_object(StepTimeoutError)
                )

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with guard:
            running[0] = False
        timer.cancel()


def _resolve(
    template: Template,
    spec: TaskSpec,
    loaded: dict[tuple[str, str | None], Any],
    open_root: RootOpener,
) -> Any:
    if isinstance(template, Const):
        return template.value
    if isinstance(template, Ref):
        key = (template.node_id, template.output)
        if key not in loaded:
            upstream = spec.upstream[template.node_id]
            if template.output is not None:
                loaded[key] = load_output(upstream.refs[template.output], open_root=open_root)
            else:
                loaded[key] = upstream.spec.join(
                    {
                        name: load_output(upstream.refs[name], open_root=open_root)
                        for name in upstream.spec.names
                    }
                )
        return loaded[key]
    values = [(key, _resolve(item, spec, loaded, open_root)) for key, item in template.items]
    if template.kind == "dict":
        return dict(values)
    items = [value for _key, value in values]
    return tuple(items) if template.kind == "tuple" else items


_positional_only: dict[Callable[..., Any], tuple[str, ...]] = {}


def _call(spec: TaskSpec, open_root: RootOpener) -> Any:
    loaded: dict[tuple[str, str | None], Any] = {}
    arguments = {name: _resolve(t, spec, loaded, open_root) for name, t in spec.arguments.items()}
    fn = spec.fn
    positional = _positional_only.get(fn)
    if positional is None:
        import inspect

        parameters = inspect.signature(fn).parameters.values()
        positional = tuple(p.name for p in parameters if p.kind is p.POSITIONAL_ONLY)
        _positional_only[fn] = positional
    if not positional:
        return fn(**arguments)
    leading = []
    for name in positional:  # up to the first one left to its default, as Python binds
        if name not in arguments:
            break
        leading.append(arguments.pop(name))
    return fn(*leading, **arguments)


def _save_logs(open_root: RootOpener, artifact_root: str, captured: Mapping[str, str]) -> None:
    """Only what a step printed: most print nothing, and then their worker need not
    open the tracking store to learn where the logs would go."""
    texts = {name: text for name, text in captured.items() if text}
    if texts:
        repository = open_root(artifact_root)
        for name, text in texts.items():
            repository.write_text(LOG_FILES[name], text)


def _user_traceback(exc: BaseException) -> str:
    """The traceback from the step function down, without Runwright's own frames."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_globals.get("__name__", "").startswith("runwright."):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


_clients: dict[str, Client] = {}


def _client_for(uri: str) -> Client:
    client = _clients.get(uri)
    if client is None:
        from runwright.tracking.client import Client

        client = _clients[uri] = Client(uri)
    return client


def _roots_of(client: Client) -> RootOpener:
    """Artifact roots as the client's store serves them (a tracking server's through
    its proxy, with its credentials); the store is opened on first use, where a
    failure to open it is the attempt's error, not the worker's."""

    def open_root(root: str) -> ArtifactStore:
        return client.store.artifact_repository(root)

    return open_root


def execute(spec: TaskSpec, client: Client | None = None) -> TaskResult:
    """Run one attempt; never raises for a failure of the step itself."""
    from runwright.tracking.fluent import attached_run

    client = client or _client_for(spec.tracking_uri)
    open_root = _roots_of(client)
    stdout = _Tee(sys.stdout if spec.echo else None)
    stderr = _Tee(sys.stderr if spec.echo else None)
    result = TaskResult(spec.node_id, spec.run.run_id, spec.attempt, ok=False)
    began = time.monotonic()
    try:
        with (
            attached_run(Run(info=spec.run), client),
            redirect_stdout(stdout),
            redirect_stderr(stderr),
        ):
            try:
                with _deadline(spec.timeout):
                    value = _call(spec, open_root)
                parts = spec.output_spec.split(value)
                for name in spec.split:
                    parts.update(item_outputs(name, parts[name]))
                result.outputs = store_outputs(
                    parts,
                    artifact_root=spec.run.artifact_uri,
                    producer_run_id=spec.run.run_id,
                    sync=spec.sync_outputs,
                    open_root=open_root,
                )
                result.ok = True
            finally:
                client.flush()
                result.seconds = time.monotonic() - began
    except StepTimeoutError as exc:
        result.timed_out = True
        result.error = f"the step ran longer than its timeout of {spec.timeout:g} s"
        result.traceback = _user_traceback(exc)
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        result.traceback = _user_traceback(exc)
    try:
        _save_logs(
            open_root,
            spec.run.artifact_uri,
            {"stdout": stdout.buffer_.getvalue(), "stderr": stderr.buffer_.getvalue()},
        )
    except Exception as exc:  # the step's result matters more than its logs
        print(f"runwright: could not store the logs of {spec.node_id}: {exc}", file=sys.stderr)
    return result


def _portable(value: Any) -> bytes:
    """`value` pickled for another process: by name where it can be imported there,
    which the standard pickler does four times as fast as cloudpickle; by value
    (cloudpickle) when the standard pickler fails (a lambda, a decorated or local
    function) or names a module the other process cannot import (a script's
    ``__main__``, a file loaded by path)."""
    import pickle

    import cloudpickle

    try:
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # the standard pickler raises more than PicklingError
        blob = None
    unimportable = ("__main__", *cloudpickle.list_registry_pickle_by_value())
    if blob is None or any(name.encode() in blob for name in unimportable):
        blob = cloudpickle.dumps(value)
    return blob


class SpecPickler:
    """Packs attempts for worker processes. A step function travels by value when it
    must (a decorated step usually must: its name is taken by the `Step`), which costs
    more than the rest of the spec: it is packed once per executor and unpacked once
    per worker, not once per attempt."""

    def __init__(self) -> None:
        self._functions: dict[Callable[..., Any], bytes] = {}

    def dumps(self, spec: TaskSpec) -> bytes:
        import pickle

        function = self._functions.get(spec.fn)
        if function is None:
            function = self._functions[spec.fn] = _portable(spec.fn)
        rest = _portable(replace(spec, fn=_not_unpacked))
        return pickle.dumps((function, rest), protocol=pickle.HIGHEST_PROTOCOL)


def _not_unpacked(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a packed spec's function is set when it is unpacked")


#: Step functions unpacked in this worker, by their packed bytes.
_unpacked: dict[bytes, Callable[..., Any]] = {}


def unpack_spec(blob: bytes) -> TaskSpec:
    """An attempt packed by `SpecPickler`, its step function unpacked once per process."""
    import pickle

    function, rest = pickle.loads(blob)
    spec: TaskSpec = pickle.loads(rest)
    spec.fn = _unpacked.get(function) or _unpacked.setdefault(function, pickle.loads(function))
    return spec


def execute_pickled(blob: bytes) -> TaskResult:
    """Worker entry point: run an attempt packed by `SpecPickler`."""
    return execute(unpack_spec(blob))
