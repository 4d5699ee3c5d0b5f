"""`runwright predict`: a file scored in chunks, as a real subprocess, in bounded memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.integration.serving.conftest import REPO
from tests.integration.serving.defs import expected


def _run_measured(store: Path, *args: str) -> tuple[int, str, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNWRIGHT_")}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "runwright", "--tracking-uri", str(store), "predict", *args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read().decode(errors="replace")
    # wait4 gives this one child's own peak resident size (kilobytes on Linux).
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, errors, usage.ru_maxrss * 1024


def _write_parquet(path: Path, rows: int, chunk: int = 200_000) -> None:
    rng = np.random.default_rng(0)
    writer = None
    for start in range(0, rows, chunk):
        size = min(chunk, rows - start)
        table = pa.table({"x": rng.normal(size=size), "z": rng.normal(size=size)})
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=50_000)
    assert writer is not None
    writer.close()


@pytest.mark.parametrize(
    ("source", "target"), [("parquet", "parquet"), ("csv", "csv"), ("csv", "parquet")]
)
def test_a_file_is_scored_in_order(
    model_store: Path, tmp_path: Path, source: str, target: str
) -> None:
    frame = pd.DataFrame({"z": np.arange(2_500) / 7.0, "x": np.arange(2_500) / 3.0})
    input_path = tmp_path / f"in.{source}"
    output_path = tmp_path / f"out.{target}"
    if source == "parquet":
        frame.to_parquet(input_path)
    else:
        frame.to_csv(input_path, index=False)

    status, errors, _ = _run_measured(
        model_store, "models:/lin@champion", "--input", str(input_path),
        "--output", str(output_path), "--batch-size", "300",
    )  # fmt: skip

    assert status == 0, errors
    scored = pd.read_parquet(output_path) if target == "parquet" else pd.read_csv(output_path)
    assert list(scored.columns) == ["prediction"]
    assert scored["prediction"].to_numpy() == pytest.approx(expected(frame[["x", "z"]], 5.0))


def test_a_bad_input_file_is_one_error_line_and_no_output(
    model_store: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    input_path = folder / "in.csv"
    input_path.write_text("x,y\n1,2\n")
    output_path = folder / "out.parquet"

    status, errors, _ = _run_measured(
        model_store, "models:/lin@champion", "--input", str(input_path),
        "--output", str(output_path),
    )  # fmt: skip

    assert status == 1
    assert "'z'" in errors
    assert not output_path.exists()
    assert list(folder.iterdir()) == [input_path]


@pytest.mark.slow
def test_a_large_file_is_scored_in_bounded_memory(model_store: Path, tmp_path: Path) -> None:
    small, large = tmp_path / "small.parquet", tmp_path / "large.parquet"
    _write_parquet(small, 10_000)
    rows = 3_000_000
    _write_parquet(large, rows)
    in_memory = rows * 2 * 8  # two float64 columns: 48 MB as one DataFrame
    arguments = ["--batch-size", "20000"]

    base_status, errors, baseline = _run_measured(
        model_store, "models:/lin@champion", "--input", str(small),
        "--output", str(tmp_path / "small-out.parquet"), *arguments,
    )  # fmt: skip
    assert base_status == 0, errors
    status, errors, peak = _run_measured(
        model_store, "models:/lin@champion", "--input", str(large),
        "--output", str(tmp_path / "large-out.parquet"), *arguments,
    )  # fmt: skip

    assert status == 0, errors
    assert pq.ParquetFile(tmp_path / "large-out.parquet").metadata.num_rows == rows
    # Reading it whole would take the frame, its predictions and the copies predict
    # makes (several times 48 MB); chunks of 20,000 rows stay within a few MB.
    assert peak - baseline < in_memory / 2, (peak, baseline)
