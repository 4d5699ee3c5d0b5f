"""The manifest: its fields, and a content hash that names the model's files."""

from __future__ import annotations

import json
import platform
import shutil
from pathlib import Path

import pandas as pd
import pytest

import runwright
from runwright.errors import InvalidArgumentError
from runwright.models import MANIFEST_FILE, load_model, save_model
from runwright.models.manifest import content_hash, read_manifest
from tests.unit.models import defs


@pytest.fixture
def package(tmp_path: Path) -> Path:
    save_model(defs.Doubler(), tmp_path / "m", input_example=pd.DataFrame({"a": [1.0]}))
    return tmp_path / "m"


def test_the_manifest_records_how_where_and_what(package: Path) -> None:
    manifest = json.loads((package / MANIFEST_FILE).read_text())
    assert manifest["format_version"] == 1
    assert manifest["flavor"] == "python"
    assert manifest["flavor_options"]["file"] == "python_model.pkl"
    assert manifest["runwright_version"] == runwright.__version__
    assert manifest["python_version"] == platform.python_version()
    assert manifest["created"] > 1_700_000_000_000
    assert manifest["signature"]["inputs"] == [{"type": "double", "name": "a", "required": True}]
    assert manifest["input_example"] == "input_example.json"
    assert manifest["requirements"] == "requirements.txt"
    assert manifest["run_id"] is None
    digest, size = content_hash(package)
    assert (manifest["content_hash"], manifest["size"]) == (digest, size)


def test_the_content_hash_does_not_depend_on_where_the_package_lies(
    package: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(package, copy)
    assert content_hash(copy) == content_hash(package)


def test_the_same_model_saved_twice_has_the_same_content_hash(tmp_path: Path) -> None:
    example = pd.DataFrame({"a": [1.0]})
    first = save_model(defs.Doubler(), tmp_path / "one", input_example=example)
    second = save_model(defs.Doubler(), tmp_path / "two", input_example=example)
    assert first.content_hash == second.content_hash
    assert first.created <= second.created


def test_changing_or_renaming_a_file_changes_the_content_hash(package: Path) -> None:
    before, _ = content_hash(package)
    (package / "requirements.txt").write_text("numpy==1.0\n")
    changed, _ = content_hash(package)
    (package / "requirements.txt").rename(package / "requirements2.txt")
    renamed, _ = content_hash(package)
    assert len({before, changed, renamed}) == 3


def test_the_manifest_itself_is_outside_the_hash(package: Path) -> None:
    before = content_hash(package)
    (package / MANIFEST_FILE).write_text((package / MANIFEST_FILE).read_text() + " ")
    assert content_hash(package) == before


def test_the_loaded_models_metadata_is_the_manifest(package: Path) -> None:
    assert load_model(package).metadata == read_manifest(package)


def test_a_manifest_of_a_newer_format_is_refused(package: Path) -> None:
    manifest = json.loads((package / MANIFEST_FILE).read_text())
    manifest["format_version"] = 99
    (package / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(InvalidArgumentError, match=r"format 99 .* upgrade Runwright"):
        load_model(package)
