"""Batch scoring of a file: Parquet or CSV in, Parquet or CSV out, in chunks.

The input is read ``batch_size`` rows at a time (Parquet through
``ParquetFile.iter_batches``; CSV through pyarrow's streaming reader, in blocks sized
for about that many rows and cut to it), each chunk is scored and its predictions
appended to the output, so memory holds one chunk whatever the file's size. The output
is written under a temporary name and renamed when complete: a failed run leaves no
half-written file.

Predictions become columns: ``prediction`` for one value per row, ``prediction_0``...
for several, the model's own columns for a DataFrame.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwright.errors import InvalidArgumentError, NotFoundError

if TYPE_CHECKING:
    import pyarrow as pa

    from runwright.models import LoadedModel
    from runwright.models.signature import Schema

__all__ = ["FORMATS", "Progress", "ScoredFile", "score_file"]

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
DEFAULT_BATCH_SIZE = 10_000
#: (work done, total work, unit): rows for Parquet; bytes read for CSV.
Progress = Callable[[int, int | None, str], None]
_CSV_TYPES = {
    "double": "float64",
    "float": "float32",
    "long": "int64",
    "integer": "int32",
    "boolean": "bool_",
    "string": "string",
}
_SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class ScoredFile:
    """What :func:`score_file` did."""

    rows: int
    chunks: int
    largest_chunk: int
    output: Path


def file_format(path: Path) -> str:
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise InvalidArgumentError(
            f"{str(path)!r}: batch scoring reads and writes .parquet and .csv files"
        )
    return found


def score_file(
    model: LoadedModel,
    source: str | Path,
    destination: str | Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ScoredFile:
    """Score every row of ``source`` with ``model`` into ``destination``; see the module
    docstring."""
    source, destination = Path(source), Path(destination)
    if batch_size < 1:
        raise InvalidArgumentError(f"the batch size must be at least 1, got {batch_size}")
    if not source.is_file():
        raise NotFoundError(f"no input file at {str(source)!r}")
    reader = _read_parquet if file_format(source) == "parquet" else _read_csv
    output_format = file_format(destination)
    inputs = None if model.signature is None else model.signature.inputs
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    writer = _Writer(partial, output_format)
    rows = chunks = largest = 0
    try:
        for batch, done, total, unit in reader(source, batch_size, inputs):
            frame = batch.to_pandas()
            output = model.predict(frame)
            writer.write(_predictions(output, batch.num_rows))
            rows += batch.num_rows
            chunks += 1
            largest = max(largest, batch.num_rows)
            if progress is not None:
                progress(done, total, unit)
        writer.close()
        if rows == 0 and writer.empty:
            raise InvalidArgumentError(f"{str(source)!r} has no rows to score")
        partial.replace(destination)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    return ScoredFile(rows=rows, chunks=chunks, largest_chunk=largest, output=destination)


# -- reading --------------------------------------------------------------------------------

Chunks = Iterator[tuple["pa.RecordBatch", int, int | None, str]]


def _read_parquet(source: Path, batch_size: int, inputs: Schema | None) -> Chunks:
    import pyarrow.parquet as pq

    with pq.ParquetFile(source) as parquet:
        total = parquet.metadata.num_rows
        done = 0
        for batch in parquet.iter_batches(batch_size=batch_size):
            done += batch.num_rows
            yield batch, done, total, "rows"


def _read_csv(source: Path, batch_size: int, inputs: Schema | None) -> Chunks:
    import pyarrow as pa
    from pyarrow import csv

    total = source.stat().st_size
    options = csv.ReadOptions(block_size=_block_size(source, batch_size))
    convert = csv.ConvertOptions(column_types=_column_types(inputs))
    with pa.OSFile(str(source), "rb") as stream:
        try:
            reader = csv.open_csv(stream, read_options=options, convert_options=convert)
        except pa.ArrowInvalid as exc:
            raise InvalidArgumentError(f"cannot read {str(source)!r} as CSV: {exc}") from None
        while True:
            try:
                block = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                raise InvalidArgumentError(f"cannot read {str(source)!r} as CSV: {exc}") from None
            for offset in range(0, block.num_rows, batch_size):
                yield block.slice(offset, batch_size), min(stream.tell(), total), total, "bytes"


def _block_size(source: Path, batch_size: int) -> int:
    """Bytes that hold about ``batch_size`` rows, judged from the file's first rows."""
    with source.open("rb") as stream:
        sample = stream.read(_SAMPLE_BYTES)
    lines = max(sample.count(b"\n") - 1, 1)
    per_row = max(len(sample) // (lines + 1), 1)
    return max(min(per_row * batch_size, 64 * 1024 * 1024), 4096)


def _column_types(inputs: Schema | None) -> dict[str, Any]:
    """CSV columns typed from the signature, so that a column is read the same way in
    every block (type inference looks at the first block only)."""
    import pyarrow as pa

    if inputs is None or inputs.is_tensor or not inputs.has_names:
        return {}
    return {
        str(c.name): getattr(pa, _CSV_TYPES[c.type])()
        for c in inputs.columns
        if c.type in _CSV_TYPES
    }


# -- writing --------------------------------------------------------------------------------


def _predictions(output: Any, rows: int) -> pa.Table:
    import numpy as np
    import pyarrow as pa

    if hasattr(output, "columns") and hasattr(output, "iloc"):
        return pa.Table.from_pandas(output, preserve_index=False)
    if isinstance(output, dict):
        return pa.table({str(k): np.asarray(v) for k, v in output.items()})
    name = "prediction"
    if hasattr(output, "to_numpy"):
        name = str(output.name) if getattr(output, "name", None) is not None else name
        output = output.to_numpy()
    array = np.asarray(output)
    if array.ndim == 0 or len(array) != rows:
        raise InvalidArgumentError(
            f"the model returned {array.shape[0] if array.ndim else 'a scalar'} predictions "
            f"for {rows} rows; batch scoring needs one per row"
        )
    if array.ndim == 1:
        return pa.table({name: array})
    flat = array.reshape(rows, -1)
    return pa.table({f"{name}_{i}": flat[:, i] for i in range(flat.shape[1])})


class _Writer:
    def __init__(self, path: Path, form: str) -> None:
        self._path = path
        self._form = form
        self._writer: Any = None
        self._schema: pa.Schema | None = None

    @property
    def empty(self) -> bool:
        return self._schema is None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._schema = table.schema
            if self._form == "parquet":
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(self._path, table.schema)
            else:
                from pyarrow import csv

                self._writer = csv.CSVWriter(self._path, table.schema)
        elif table.schema != self._schema:
            table = table.cast(self._schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
