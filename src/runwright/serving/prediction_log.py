"""Prediction logs: a sample of served requests' inputs and outputs, as Parquet files
in the artifact store, for monitoring.

One Parquet row per scored row: ``timestamp`` (UTC), ``request_id``, ``model``,
``version``, ``role`` (primary or shadow), ``row`` (its index in the request),
``inputs`` (a struct of the input columns; a list for a tensor row; JSON text for
inputs of no table shape) and ``prediction`` (a number, a struct of output columns, a
list, or JSON text). Files go to
``<artifact root>/predictions/<model>/<YYYY-MM-DD>/part-<time>-<pid>-<n>.parquet``.

Records are buffered in memory (appending is all a request pays) and written by a
background thread when enough rows are waiting or every ``flush_seconds``; ``close``
writes what is left, so nothing a client got an answer for is lost on a clean stop.
A part that cannot be written is kept and tried again at the next flush.
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runwright.serving.decoding import COLUMNS, FRAME, MATRIX, ModelInput, jsonable

if TYPE_CHECKING:
    import pyarrow as pa

    from runwright.artifacts import ArtifactStore

__all__ = ["PREDICTIONS_FOLDER", "PredictionLog"]

log = logging.getLogger("runwright.serving")

PREDICTIONS_FOLDER = "predictions"


@dataclass(frozen=True, slots=True)
class _Record:
    when: float
    request_id: str
    model: str
    version: str
    role: str
    inputs: ModelInput
    output: Any


class PredictionLog:
    """Samples requests at ``rate`` and writes them; see the module docstring."""

    def __init__(
        self,
        repository: Callable[[], ArtifactStore],
        *,
        rate: float,
        seed: int | None = None,
        flush_rows: int = 10_000,
        flush_seconds: float = 30.0,
    ) -> None:
        self._repository = repository
        self._rate = rate
        self._random = random.Random(seed)
        self._flush_rows = flush_rows
        self._flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._buffer: list[_Record] = []
        self._buffered_rows = 0
        self._write_lock = threading.Lock()
        self._sequence = 0
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def sampled(self) -> bool:
        """Whether to log the next request."""
        return self._rate >= 1.0 or (self._rate > 0 and self._random.random() < self._rate)

    def record(
        self,
        *,
        request_id: str,
        model: str,
        version: str,
        role: str,
        inputs: ModelInput,
        output: Any,
    ) -> None:
        entry = _Record(time.time(), request_id, model, version, role, inputs, output)
        with self._lock:
            self._buffer.append(entry)
            self._buffered_rows += max(inputs.rows, 1)
            full = self._buffered_rows >= self._flush_rows
        if self._thread is None:
            self._start()
        if full:
            self._wake.set()

    def flush(self) -> None:
        """Write every buffered record now."""
        with self._lock:
            taken, self._buffer = self._buffer, []
            self._buffered_rows = 0
        if not taken:
            return
        with self._write_lock:
            failed = self._write(taken)
        if failed:
            with self._lock:
                self._buffer[:0] = failed
                self._buffered_rows += sum(max(r.inputs.rows, 1) for r in failed)

    def close(self) -> None:
        """Stop the background writer and write what is left (raising if it cannot)."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()
        with self._lock:
            left = len(self._buffer)
        if left:
            raise OSError(f"{left} logged predictions could not be written; see the log")

    # -- writing ----------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stopping:
                return
            self._thread = threading.Thread(
                target=self._background, name="runwright-prediction-log", daemon=True
            )
            self._thread.start()

    def _background(self) -> None:
        while not self._stopping:
            self._wake.wait(self._flush_seconds)
            self._wake.clear()
            if self._stopping:
                return
            try:
                self.flush()
            except Exception:
                log.exception("writing prediction logs failed")

    def _write(self, records: list[_Record]) -> list[_Record]:
        """Writes one part per model and day; returns the records it could not write."""
        import pyarrow as pa

        groups: dict[tuple[str, str], list[_Record]] = {}
        for record in records:
            day = time.strftime("%Y-%m-%d", time.gmtime(record.when))
            groups.setdefault((record.model, day), []).append(record)
        failed: list[_Record] = []
        for (model, day), group in groups.items():
            tables: dict[Any, list[pa.Table]] = {}
            kept: dict[Any, list[_Record]] = {}
            for record in group:
                table = _table(record)
                tables.setdefault(table.schema, []).append(table)
                kept.setdefault(table.schema, []).append(record)
            for schema, parts in tables.items():
                try:
                    self._write_part(model, day, pa.concat_tables(parts))
                except Exception:
                    log.exception("cannot write a prediction log part for %s", model)
                    failed.extend(kept[schema])
        return failed

    def _write_part(self, model: str, day: str, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        sink = io.BytesIO()
        pq.write_table(table, sink)
        self._sequence += 1
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        name = f"part-{stamp}-{os.getpid()}-{self._sequence:06d}.parquet"
        self._repository().write_bytes(
            f"{PREDICTIONS_FOLDER}/{model}/{day}/{name}", sink.getvalue()
        )


def _table(record: _Record) -> pa.Table:
    import pyarrow as pa

    rows = record.inputs.rows
    inputs = _inputs_array(record.inputs)
    prediction = _prediction_array(record.output, rows)
    if inputs is None or prediction is None or len(inputs) != rows or len(prediction) != rows:
        rows = 1
        inputs = pa.array([json.dumps(jsonable(_plain(record.inputs)), default=str)])
        prediction = pa.array([json.dumps(jsonable(record.output), default=str)])
    stamp = pa.scalar(int(record.when * 1000), pa.timestamp("ms", tz="UTC"))
    return pa.table(
        {
            "timestamp": pa.array([stamp.value] * rows, pa.timestamp("ms", tz="UTC")),
            "request_id": pa.array([record.request_id] * rows, pa.string()),
            "model": pa.array([record.model] * rows, pa.string()),
            "version": pa.array([record.version] * rows, pa.string()),
            "role": pa.array([record.role] * rows, pa.string()),
            "row": pa.array(range(rows), pa.int32()),
            "inputs": inputs,
            "prediction": prediction,
        }
    )


def _plain(item: ModelInput) -> Any:
    return item.for_predict()


def _inputs_array(item: ModelInput) -> pa.Array | None:
    import pyarrow as pa

    try:
        if item.kind == MATRIX and item.columns is not None:
            columns = [pa.array(item.data[:, i]) for i in range(item.data.shape[1])]
            return pa.StructArray.from_arrays(columns, names=list(item.columns))
        if item.kind == MATRIX:
            return pa.array(item.data.tolist()) if item.data.ndim > 1 else pa.array(item.data)
        if item.kind == COLUMNS:
            columns = [pa.array(item.data[n]) for n in item.columns or ()]
            return pa.StructArray.from_arrays(columns, names=list(item.columns or ()))
        if item.kind == FRAME:
            table = pa.Table.from_pandas(item.data, preserve_index=False)
            return pa.StructArray.from_arrays(
                [c.combine_chunks() for c in table.columns],
                names=[str(n) for n in table.column_names],
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    return None


def _prediction_array(output: Any, rows: int) -> pa.Array | None:
    import pyarrow as pa

    try:
        if hasattr(output, "columns") and hasattr(output, "iloc"):
            table = pa.Table.from_pandas(output, preserve_index=False)
            return pa.StructArray.from_arrays(
                [c.combine_chunks() for c in table.columns],
                names=[str(n) for n in table.column_names],
            )
        if hasattr(output, "shape") and hasattr(output, "tolist"):
            if len(output.shape) == 1:
                return pa.array(output.to_numpy() if hasattr(output, "to_numpy") else output)
            return pa.array(output.tolist())
        if isinstance(output, list):
            return pa.array(output)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    return None
