"""Model URIs that need no tracking store: folders, file:// URIs, and bad URIs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.models import load_model, save_model
from tests.unit.models import defs


@pytest.fixture
def package(tmp_path: Path) -> Path:
    save_model(defs.Doubler(), tmp_path / "my model")
    return tmp_path / "my model"


def test_a_plain_path_loads_in_place(package: Path) -> None:
    loaded = load_model(str(package))
    assert loaded.path == package
    assert loaded.predict([{"a": 1.0}])["a"].tolist() == [2.0]


def test_a_path_object_loads(package: Path) -> None:
    assert load_model(package).flavor == "python"


def test_a_relative_path_loads(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(package.parent)
    assert load_model("my model").path == package


def test_a_file_uri_loads_in_place(package: Path) -> None:
    loaded = load_model(package.as_uri())
    assert loaded.path == package
    assert loaded.uri == package.as_uri()


def test_a_missing_folder_is_not_found_naming_the_uri(tmp_path: Path) -> None:
    missing = str(tmp_path / "nothing")
    with pytest.raises(NotFoundError, match=re.escape(f"no model at '{missing}'")):
        load_model(missing)


def test_a_folder_without_a_manifest_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="is not a model package: no runwright-model"):
        load_model(tmp_path)


def test_a_file_is_not_a_model(package: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="names a file"):
        load_model(package / "requirements.txt")


@pytest.mark.parametrize("uri", ["", "   "])
def test_an_empty_uri_is_refused(uri: str) -> None:
    with pytest.raises(InvalidArgumentError, match="non-empty string"):
        load_model(uri)


def test_a_file_uri_on_another_host_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="names another host"):
        load_model("file://server/models/m")


@pytest.mark.parametrize("uri", ["runs:/", "runs:", "runs://"])
def test_a_runs_uri_without_a_run_id_is_refused(uri: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"runs:/<run_id>/<path>"):
        load_model(uri)


def test_an_unknown_scheme_is_refused_naming_the_uri() -> None:
    with pytest.raises(InvalidArgumentError, match=r"'nowhere://box/model'.*Protocol not known"):
        load_model("nowhere://box/model")
