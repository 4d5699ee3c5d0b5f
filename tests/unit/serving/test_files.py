"""Batch scoring reads a file in chunks of at most batch-size rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from runwright.models import PythonModel, save_model
from runwright.models import load_model as load
from runwright.serving.files import score_file


class ChunkSizes(PythonModel):
    """Records the rows of each call; predicts x + 1."""

    batchable = True
    seen: list[int] = []

    def predict(self, data, params=None):  # type: ignore[no-untyped-def]
        ChunkSizes.seen.append(len(data))
        return data["x"].to_numpy() + 1


@pytest.fixture
def model(tmp_path: Path):  # type: ignore[no-untyped-def]
    save_model(ChunkSizes(), tmp_path / "model", input_example=pd.DataFrame({"x": [1.0]}))
    loaded = load(tmp_path / "model")
    ChunkSizes.seen = []
    return loaded


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_no_chunk_holds_more_than_batch_size_rows(model, tmp_path: Path, suffix: str) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame({"x": np.arange(10_007, dtype=float)})
    source = tmp_path / f"in.{suffix}"
    frame.to_parquet(source) if suffix == "parquet" else frame.to_csv(source, index=False)
    progress: list[tuple[int, int | None, str]] = []

    scored = score_file(
        model,
        source,
        tmp_path / "out.parquet",
        batch_size=500,
        progress=lambda *a: progress.append(a),
    )

    assert scored.rows == 10_007
    assert max(ChunkSizes.seen) <= 500
    assert sum(ChunkSizes.seen) == 10_007
    assert (
        pd.read_parquet(tmp_path / "out.parquet")["prediction"].tolist() == (frame.x + 1).tolist()
    )
    assert progress[-1][0] == progress[-1][1]


def test_an_unknown_file_type_is_refused(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "in.json").write_text("{}")

    with pytest.raises(Exception, match=r"\.parquet and \.csv"):
        score_file(model, tmp_path / "in.json", tmp_path / "out.parquet")
