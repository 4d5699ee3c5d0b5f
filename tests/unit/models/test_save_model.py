"""save_model: the package folder, signatures, input examples, and failures that leave
nothing behind."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from runwright.errors import AlreadyExistsError, InvalidArgumentError
from runwright.models import (
    MANIFEST_FILE,
    ColSpec,
    ModelSignature,
    Schema,
    SchemaError,
    infer_signature,
    load_model,
    save_model,
)
from tests.unit.models import defs


def test_the_package_holds_manifest_model_example_and_requirements(tmp_path: Path) -> None:
    save_model(defs.Doubler(), tmp_path / "m", input_example=pd.DataFrame({"a": [1.0]}))
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "input_example.json",
        "python_model.pkl",
        "requirements.txt",
        MANIFEST_FILE,
    ]


def test_a_table_example_is_stored_as_a_dataframe_split_request(tmp_path: Path) -> None:
    example = pd.DataFrame({"a": [1.5, np.nan], "when": pd.to_datetime(["2024-01-01"] * 2)})
    save_model(defs.Doubler(), tmp_path / "m", input_example=example)
    body = json.loads((tmp_path / "m" / "input_example.json").read_text())
    assert body == {
        "dataframe_split": {
            "columns": ["a", "when"],
            "data": [[1.5, "2024-01-01T00:00:00"], [None, "2024-01-01T00:00:00"]],
        }
    }


def test_an_array_example_is_stored_as_inputs(tmp_path: Path) -> None:
    save_model(defs.Doubler(), tmp_path / "m", input_example=np.arange(4).reshape(2, 2))
    body = json.loads((tmp_path / "m" / "input_example.json").read_text())
    assert body == {"inputs": [[0, 1], [2, 3]]}


def test_the_loaded_model_gives_its_example_back(tmp_path: Path) -> None:
    example = pd.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]})
    save_model(defs.Doubler(), tmp_path / "m", input_example=example)
    pd.testing.assert_frame_equal(
        load_model(tmp_path / "m").input_example(), example, check_dtype=False
    )


def test_without_an_example_there_is_no_signature(tmp_path: Path) -> None:
    metadata = save_model(defs.Doubler(), tmp_path / "m")
    assert metadata.signature is None
    assert metadata.input_example is None
    assert load_model(tmp_path / "m").input_example() is None


def test_a_given_signature_is_kept_and_enforced(tmp_path: Path) -> None:
    signature = ModelSignature(inputs=Schema([ColSpec("long", "n")]))
    save_model(defs.Doubler(), tmp_path / "m", signature=signature)
    loaded = load_model(tmp_path / "m")
    assert loaded.signature == signature
    with pytest.raises(SchemaError, match="column 'n'"):
        loaded.predict({"n": [1.5]})


def test_a_signature_may_be_given_as_its_dict(tmp_path: Path) -> None:
    signature = infer_signature(pd.DataFrame({"a": [1.0]}))
    save_model(defs.Doubler(), tmp_path / "m", signature=signature.to_dict())
    assert load_model(tmp_path / "m").signature == signature


def test_an_example_that_does_not_fit_the_given_signature_is_refused(tmp_path: Path) -> None:
    signature = ModelSignature(inputs=Schema([ColSpec("long", "n")]))
    with pytest.raises(InvalidArgumentError, match="does not fit the signature: missing column"):
        save_model(
            defs.Doubler(),
            tmp_path / "m",
            signature=signature,
            input_example=pd.DataFrame({"a": [1]}),
        )
    assert not (tmp_path / "m").exists()


def test_a_folder_that_is_not_empty_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "keep.txt").write_text("mine")
    with pytest.raises(AlreadyExistsError, match="exists and is not empty"):
        save_model(defs.Doubler(), tmp_path / "m")
    assert [p.name for p in (tmp_path / "m").iterdir()] == ["keep.txt"]


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    save_model(defs.Doubler(), tmp_path / "m")
    assert (tmp_path / "m" / MANIFEST_FILE).is_file()


def test_a_failed_save_leaves_nothing_behind(tmp_path: Path) -> None:
    class Unpicklable:
        def __init__(self) -> None:
            self.lock = threading.Lock()

        def predict(self, data: object) -> object:
            return data

    out = tmp_path / "out"
    with pytest.raises(TypeError, match="lock"):
        save_model(Unpicklable(), out / "m")
    assert list(out.iterdir()) == []


def test_when_predicting_on_the_example_fails_the_outputs_are_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def predict(self, data: object) -> object:
            raise RuntimeError("no luck")

    metadata = save_model(Broken(), tmp_path / "m", input_example=pd.DataFrame({"a": [1.0]}))
    assert metadata.signature is not None and metadata.signature.outputs is None
    assert "no luck" in caplog.text
