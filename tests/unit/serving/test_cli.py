"""`runwright serve` and `runwright predict` through the CLI runner: what they refuse
before starting anything is one error line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import runwright as rw
from runwright.cli import app
from runwright.models import log_model
from runwright.registry import Registry
from tests.integration.serving.defs import Labeller


@pytest.fixture
def store(tmp_path: Path) -> str:
    home = str(tmp_path / "rw")
    rw.set_tracking_uri(home)
    with rw.start_run():
        info = log_model(Labeller(), input_example=pd.DataFrame({"name": ["a"], "count": [1]}))
    Registry().register_model(info.model_uri, "labels")
    Registry().set_registered_model_alias("labels", "champion", "1")
    rw.set_tracking_uri(None)
    return home


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["models:/labels@nobody"], ["'nobody'", "labels"]),
        (["models:/labels", "--route", "champion"], ["ALIAS=WEIGHT"]),
        (["models:/labels", "--route", "champion=-1"], ["weight"]),
        (["models:/labels", "--route", "champion=0"], ["add up to 0"]),
        (["runs:/abc/model", "--shadow", "champion"], ["registered model"]),
        (["models:/labels", "--shadow", "champion"], ["--shadow needs"]),
    ],
)
def test_serve_refuses_what_it_cannot_serve_in_one_line(
    store: str, arguments: list[str], words: list[str]
) -> None:
    result = CliRunner().invoke(app, ["--tracking-uri", store, "serve", *arguments])

    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith("Error: ") and "\n" not in line
    for word in words:
        assert word in line


def test_predict_scores_a_file_and_says_how_many_rows(store: str, tmp_path: Path) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame({"name": ["a", "b", "c"], "count": [1, 2, 3]}).to_csv(source, index=False)

    result = CliRunner().invoke(
        app,
        [
            *("--tracking-uri", store, "predict", "models:/labels@champion"),
            *("--input", str(source), "--output", str(target), "--batch-size", "2"),
        ],
    )

    assert result.exit_code == 0, result.stderr
    assert "Scored 3 rows in 2 chunks" in result.stdout
    assert pd.read_csv(target)["label"].tolist() == ["a:1", "b:2", "c:3"]


def test_predict_refuses_an_unknown_file_type(store: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            *("--tracking-uri", store, "predict", "models:/labels@champion"),
            *("--input", str(tmp_path / "in.json"), "--output", str(tmp_path / "out.csv")),
        ],
    )

    assert result.exit_code == 1
    assert ".parquet and .csv" in result.stderr
