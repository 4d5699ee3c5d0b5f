"""Step outputs through every built-in serializer: to a file and back, and through the
artifact store (`store_outputs`/`load_output`) on a local and a remote-style root."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import fsspec
import lightgbm
import numpy as np
import pandas as pd
import polars as pl
import polars.testing
import pytest
import xgboost
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import runwright as rw
from runwright.artifacts import ArtifactRepository
from runwright.entities.pipelines import OutputRef
from runwright.errors import RunwrightError
from runwright.pipelines import register_serializer
from runwright.pipelines import serializers as serializers_module
from runwright.pipelines.outputs import OUTPUTS_FOLDER, load_output, store_outputs
from runwright.pipelines.serializers import load_value, save_value, serializers


@dataclass
class Point:
    """A user class: nothing but cloudpickle knows it."""

    x: int
    y: int


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "values"
    path.mkdir()
    return path


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serializers a test registers vanish with it."""
    monkeypatch.setattr(serializers_module, "_registry", list(serializers_module._registry))


@pytest.fixture
def memory_root() -> Iterator[str]:
    """A remote-style artifact root: fsspec's in-memory filesystem, not a local path."""
    bucket = f"runwright-test-{uuid.uuid4().hex}"
    yield f"memory://{bucket}/0/run/artifacts"
    memory = fsspec.filesystem("memory")
    if memory.exists(f"/{bucket}"):
        memory.rm(f"/{bucket}", recursive=True)


@pytest.fixture(scope="module")
def classification() -> tuple[np.ndarray, np.ndarray]:
    features, labels = make_classification(n_samples=120, n_features=6, random_state=0)
    return features, labels


def round_trip(value: Any, folder: Path) -> tuple[Any, str]:
    """The value read back from its file, and the serializer recorded for it."""
    path, stored = save_value(value, folder, "value")
    return load_value(path, stored), stored


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- pandas ---------------------------------------------------------------------------


def test_a_pandas_frame_keeps_dtypes_index_column_names_and_attrs_in_parquet(
    folder: Path,
) -> None:
    frame = pd.DataFrame(
        {
            "count": np.array([1, 2, 3], dtype=np.int64),
            "small": np.array([1, 2, 3], dtype=np.int8),
            "score": [1.5, float("nan"), -0.25],
            "label": ["a", "b", "c"],
            "flag": [True, False, True],
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "local": pd.date_range("2024-03-30", periods=3, tz="Europe/Paris"),
            "kind": pd.Categorical(["x", "y", "x"]),
            "maybe": pd.array([1, None, 3], dtype="Int64"),
        },
        index=pd.Index([10, 20, 30], name="row_id"),
    )
    frame.columns.name = "field"
    frame.attrs["source"] = "unit test"
    back, stored = round_trip(frame, folder)
    assert stored == "pandas.parquet"
    pd.testing.assert_frame_equal(back, frame)
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()
    assert back.index.name == "row_id"
    assert back.columns.name == "field"
    assert back.attrs == {"source": "unit test"}


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": [1, 2]}),
        pd.DataFrame({"a": [1, 2]}, index=pd.Index(["r1", "r2"], name="row")),
        pd.DataFrame(
            {"v": [1, 2]},
            index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)], names=["key", "n"]),
        ),
        pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])),
        pd.DataFrame(),
    ],
    ids=["range-index", "named-string-index", "multiindex", "multiindex-columns", "empty"],
)
def test_pandas_index_kinds_survive_parquet(frame: pd.DataFrame, folder: Path) -> None:
    back, stored = round_trip(frame, folder)
    assert stored == "pandas.parquet"
    pd.testing.assert_frame_equal(back, frame)


def test_integer_column_labels_survive_parquet_as_integers(folder: Path) -> None:
    # pyarrow stores labels as strings but restores a homogeneous non-string type.
    frame = pd.DataFrame({1: [1.0], 2: [2.0]})
    back, stored = round_trip(frame, folder)
    assert stored == "pandas.parquet"
    assert back.columns.tolist() == [1, 2]
    pd.testing.assert_frame_equal(back, frame)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame([[1, 2]], columns=["a", "a"]),
        pd.DataFrame({"mixed": [1, "one"]}),
        pd.DataFrame({1: [1], "a": [2]}),
        pd.DataFrame({"a": [1]}, index=pd.Index([7], name=0)),
    ],
    ids=[
        "duplicate-column-names",
        "mixed-object-column",
        "mixed-type-column-labels",
        "non-string-index-name",
    ],
)
def test_frames_parquet_refuses_or_would_alter_fall_back_to_cloudpickle(
    frame: pd.DataFrame, folder: Path
) -> None:
    back, stored = round_trip(frame, folder)
    assert stored == "cloudpickle"
    pd.testing.assert_frame_equal(back, frame)
    assert back.columns.tolist() == frame.columns.tolist()
    assert back.index.names == frame.index.names


def test_a_frame_with_attrs_parquet_cannot_store_falls_back_to_cloudpickle(folder: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    frame.attrs["labels"] = {"x", "y"}  # not JSON: parquet metadata would lose it
    back, stored = round_trip(frame, folder)
    assert stored == "cloudpickle"
    assert back.attrs == {"labels": {"x", "y"}}


def test_a_failed_parquet_attempt_leaves_only_the_fallback_file(folder: Path) -> None:
    save_value(pd.DataFrame([[1, 2]], columns=["a", "a"]), folder, "frame")
    assert [p.name for p in folder.iterdir()] == ["frame.pkl"]


# -- polars ---------------------------------------------------------------------------


def test_a_polars_frame_round_trips_through_parquet(folder: Path) -> None:
    import datetime

    frame = pl.DataFrame(
        {
            "id": pl.Series([1, 2, 3], dtype=pl.Int32),
            "name": ["a", None, "c"],
            "score": [0.5, 1.5, None],
            "ok": [True, False, True],
            "day": [datetime.date(2024, 1, d) for d in (1, 2, 3)],
            "tags": [["x"], [], ["y", "z"]],
        }
    )
    back, stored = round_trip(frame, folder)
    assert stored == "polars.parquet"
    assert back.schema == frame.schema
    polars.testing.assert_frame_equal(back, frame)


# -- NumPy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        np.arange(6, dtype=np.int8).reshape(2, 3),
        np.arange(24, dtype=np.float32).reshape(2, 3, 4),
        np.array(3.25),
        np.array(7, dtype=np.uint64),
        np.zeros((0, 4)),
        np.array([True, False, True]),
        np.array([1 + 2j, -1j]),
        np.array(["ab", "ç"]),
        np.array(["2024-01-01", "2024-02-29"], dtype="datetime64[D]"),
        np.arange(6, dtype=">u4"),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        np.array([(1, 2.5)], dtype=[("n", "i4"), ("x", "f8")]),
        np.array([1.0, np.nan, np.inf]),
    ],
    ids=lambda a: f"{a.dtype.str}-{a.shape}",
)
def test_numpy_arrays_keep_dtype_shape_and_values(array: np.ndarray, folder: Path) -> None:
    back, stored = round_trip(array, folder)
    assert stored == "numpy.npy"
    assert type(back) is np.ndarray
    assert back.dtype == array.dtype
    assert back.shape == array.shape
    assert back.tobytes(order="A") == array.tobytes(order="A")
    assert back.flags.f_contiguous == array.flags.f_contiguous


@pytest.mark.parametrize(
    "value",
    [
        np.array([Point(1, 2), None], dtype=object),
        np.ma.masked_array([1, 2, 3], mask=[False, True, False]),
        np.float64(1.5),
        np.int64(3),
    ],
    ids=["object-array", "masked-array", "float64-scalar", "int64-scalar"],
)
def test_numpy_values_npy_cannot_hold_exactly_go_to_cloudpickle(value: Any, folder: Path) -> None:
    back, stored = round_trip(value, folder)
    assert stored == "cloudpickle"
    assert type(back) is type(value)
    if isinstance(value, np.ma.MaskedArray):
        assert back.mask.tolist() == value.mask.tolist()
    assert np.asarray(back == value).all()


# -- models ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        LogisticRegression(max_iter=200),
        RandomForestClassifier(n_estimators=5, random_state=0, n_jobs=1),
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=200)),
    ],
    ids=["logistic-regression", "random-forest", "pipeline"],
)
def test_a_scikit_learn_estimator_predicts_the_same_after_loading(
    model: Any, classification: tuple[np.ndarray, np.ndarray], folder: Path
) -> None:
    features, labels = classification
    model.fit(features, labels)
    back, stored = round_trip(model, folder)
    assert stored == "sklearn.joblib"
    assert type(back) is type(model)
    assert np.array_equal(back.predict_proba(features), model.predict_proba(features))


def test_an_xgboost_classifier_is_stored_in_xgboost_format_and_predicts_the_same(
    classification: tuple[np.ndarray, np.ndarray], folder: Path
) -> None:
    features, labels = classification
    model = xgboost.XGBClassifier(n_estimators=5, max_depth=2, n_jobs=1).fit(features, labels)
    back, stored = round_trip(model, folder)
    assert stored == "xgboost.ubj:xgboost.sklearn:XGBClassifier"
    assert type(back) is xgboost.XGBClassifier
    assert np.array_equal(back.predict(features), model.predict(features))
    assert np.array_equal(back.predict_proba(features), model.predict_proba(features))


def test_a_raw_xgboost_booster_predicts_the_same_after_loading(
    classification: tuple[np.ndarray, np.ndarray], folder: Path
) -> None:
    features, labels = classification
    data = xgboost.DMatrix(features, label=labels)
    booster = xgboost.train(
        {"objective": "binary:logistic", "max_depth": 2, "nthread": 1}, data, num_boost_round=5
    )
    back, stored = round_trip(booster, folder)
    assert stored == "xgboost.ubj:xgboost.core:Booster"
    assert type(back) is xgboost.Booster
    assert np.array_equal(back.predict(data), booster.predict(data))


def test_a_lightgbm_booster_is_stored_as_text_and_predicts_the_same(
    classification: tuple[np.ndarray, np.ndarray], folder: Path
) -> None:
    features, labels = classification
    booster = lightgbm.train(
        {"objective": "binary", "verbose": -1, "num_threads": 1, "min_data_in_leaf": 5},
        lightgbm.Dataset(features, label=labels),
        num_boost_round=5,
    )
    path, stored = save_value(booster, folder, "model")
    assert stored == "lightgbm.txt"
    assert path.read_text().startswith("tree\n")
    back = load_value(path, stored)
    assert type(back) is lightgbm.Booster
    assert np.array_equal(back.predict(features), booster.predict(features))


def test_a_lightgbm_classifier_goes_to_joblib_and_predicts_the_same(
    classification: tuple[np.ndarray, np.ndarray], folder: Path
) -> None:
    features, labels = classification
    model = lightgbm.LGBMClassifier(n_estimators=5, min_child_samples=5, verbose=-1, n_jobs=1).fit(
        features, labels
    )
    back, stored = round_trip(model, folder)
    assert stored == "sklearn.joblib"
    assert type(back) is lightgbm.LGBMClassifier
    assert np.array_equal(back.predict_proba(features), model.predict_proba(features))


# -- JSON and cloudpickle ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -7,
        2**100,
        -(2**70),
        1.5,
        1e-300,
        -0.0,
        "",
        "plain text",
        'ünïcødé ☃ \n"quoted"',
        [],
        {},
        [1, "a", [2.5, {"k": [None, True]}]],
        {"a": {"b": [1, 2]}, "c": "", "d": None},
    ],
    ids=repr,
)
def test_json_values_round_trip_exactly_and_stay_readable_json(value: Any, folder: Path) -> None:
    path, stored = save_value(value, folder, "value")
    assert stored == "json"
    back = load_value(path, stored)
    assert back == value
    assert type(back) is type(value)
    assert json.loads(path.read_text(encoding="utf-8")) == value
    if isinstance(value, float):
        assert math.copysign(1.0, back) == math.copysign(1.0, value)


@pytest.mark.parametrize(
    "value",
    [
        (1, "a"),
        [(1, 2), (3, 4)],
        {1, 2, 3},
        frozenset({"x"}),
        {1: "int key"},
        {"nested": (1, 2)},
        [1.0, float("inf")],
        b"\x00\xff",
        Fraction(1, 3),
        Point(1, 2),
        range(3),
    ],
    ids=repr,
)
def test_values_json_would_change_go_to_cloudpickle_and_round_trip(
    value: Any, folder: Path
) -> None:
    back, stored = round_trip(value, folder)
    assert stored == "cloudpickle"
    assert back == value
    assert type(back) is type(value)


def test_nan_goes_to_cloudpickle_and_comes_back_nan(folder: Path) -> None:
    back, stored = round_trip(float("nan"), folder)
    assert stored == "cloudpickle"
    assert math.isnan(back)


def test_a_list_nested_deeper_than_json_allows_goes_to_cloudpickle(folder: Path) -> None:
    value: list[Any] = []
    for _ in range(150):
        value = [value]
    back, stored = round_trip(value, folder)
    assert stored == "cloudpickle"
    assert back == value


def test_a_lambda_travels_by_value_through_cloudpickle(folder: Path) -> None:
    offset = 10
    back, stored = round_trip(lambda x: x * x + offset, folder)
    assert stored == "cloudpickle"
    assert back(3) == 19


def test_a_value_nothing_can_store_raises_serialization_error_naming_its_type(
    folder: Path,
) -> None:
    with pytest.raises(rw.SerializationError, match=r"cannot store a lock output: cloudpickle"):
        save_value(threading.Lock(), folder, "value")
    assert list(folder.iterdir()) == []


# -- the registry -----------------------------------------------------------------------


class FractionText:
    """A user serializer: a Fraction as ``n/d`` text, with a format detail."""

    name = "test.fraction"
    extension = ".frac"

    def __init__(self) -> None:
        self.loaded_details: list[str] = []

    def accepts(self, value: Any) -> bool:
        return isinstance(value, Fraction)

    def save(self, value: Any, path: Path) -> str:
        path.write_text(f"{value.numerator}/{value.denominator}", encoding="utf-8")
        return "v1"

    def load(self, path: Path, detail: str) -> Any:
        self.loaded_details.append(detail)
        return Fraction(path.read_text(encoding="utf-8"))


class FrameAsCsv:
    """A user serializer that claims values a built-in one would take."""

    name = "test.csv"
    extension = ".csv"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, pd.DataFrame)

    def save(self, value: Any, path: Path) -> str:
        value.to_csv(path, index=False)
        return ""

    def load(self, path: Path, detail: str) -> Any:
        return pd.read_csv(path)


class Refusing:
    """Accepts everything, then fails to save it."""

    name = "test.refusing"
    extension = ".never"

    def accepts(self, value: Any) -> bool:
        return True

    def save(self, value: Any, path: Path) -> str:
        path.write_text("half")
        raise OSError("disk says no")

    def load(self, path: Path, detail: str) -> Any:
        raise AssertionError("never saved anything")


def test_a_registered_serializer_round_trips_and_gets_its_detail_back(folder: Path) -> None:
    user = FractionText()
    register_serializer(user)
    assert serializers()[0] is user
    path, stored = save_value(Fraction(2, 3), folder, "ratio")
    assert path.name == "ratio.frac"
    assert stored == "test.fraction:v1"
    assert load_value(path, stored) == Fraction(2, 3)
    assert user.loaded_details == ["v1"]


def test_a_registered_serializer_goes_before_the_built_in_ones(folder: Path) -> None:
    register_serializer(FrameAsCsv())
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    back, stored = round_trip(frame, folder)
    assert stored == "test.csv"
    pd.testing.assert_frame_equal(back, frame)


def test_registering_a_serializer_again_replaces_the_one_of_that_name() -> None:
    first, second = FractionText(), FractionText()
    register_serializer(first)
    register_serializer(second)
    named = [s for s in serializers() if s.name == "test.fraction"]
    assert named == [second]
    assert serializers()[0] is second


def test_a_serializer_that_fails_to_save_hands_over_to_the_next(folder: Path) -> None:
    register_serializer(Refusing())
    back, stored = round_trip({"a": 1}, folder)
    assert stored == "json"
    assert back == {"a": 1}
    assert [p.name for p in folder.iterdir()] == ["value.json"]


def test_registering_something_that_is_not_a_serializer_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="name, extension, accepts, save and load"):
        register_serializer(object())  # type: ignore[arg-type]


def test_loading_with_an_unknown_serializer_names_it(folder: Path) -> None:
    path = folder / "value.bin"
    path.write_bytes(b"whatever")
    with pytest.raises(rw.SerializationError, match=r"no serializer named 'acme\.format'"):
        load_value(path, "acme.format:some-detail")


def test_a_serialization_error_is_a_runwright_error() -> None:
    assert issubclass(rw.SerializationError, RunwrightError)


def test_a_corrupt_file_is_a_serialization_error_naming_the_file(folder: Path) -> None:
    path = folder / "value.npy"
    path.write_bytes(b"not an npy file")
    with pytest.raises(
        rw.SerializationError, match=r"cannot read output value\.npy \(numpy\.npy\)"
    ):
        load_value(path, "numpy.npy")


# -- through the artifact store ---------------------------------------------------------


def sample_values(classification: tuple[np.ndarray, np.ndarray]) -> dict[str, Any]:
    """One value per built-in serializer, with the name each must be stored under."""
    features, labels = classification
    return {
        "frame": pd.DataFrame({"a": [1.0, 2.0]}, index=pd.Index(["x", "y"], name="k")),
        "polars": pl.DataFrame({"a": [1, 2]}),
        "array": np.arange(12, dtype=np.int16).reshape(3, 4),
        "xgb": xgboost.XGBClassifier(n_estimators=3, max_depth=2, n_jobs=1).fit(features, labels),
        "lgb": lightgbm.train(
            {"objective": "binary", "verbose": -1, "num_threads": 1, "min_data_in_leaf": 5},
            lightgbm.Dataset(features, label=labels),
            num_boost_round=3,
        ),
        "sklearn": LogisticRegression(max_iter=200).fit(features, labels),
        "params": {"lr": 0.1, "layers": [64, 32], "name": "net"},
        "pair": (1, "a"),
    }


EXPECTED = {
    "frame": ("pandas.parquet", ".parquet"),
    "polars": ("polars.parquet", ".parquet"),
    "array": ("numpy.npy", ".npy"),
    "xgb": ("xgboost.ubj:xgboost.sklearn:XGBClassifier", ".ubj"),
    "lgb": ("lightgbm.txt", ".txt"),
    "sklearn": ("sklearn.joblib", ".joblib"),
    "params": ("json", ".json"),
    "pair": ("cloudpickle", ".pkl"),
}


def assert_same_value(name: str, back: Any, value: Any, features: np.ndarray) -> None:
    if isinstance(value, pd.DataFrame):
        pd.testing.assert_frame_equal(back, value)
    elif isinstance(value, pl.DataFrame):
        polars.testing.assert_frame_equal(back, value)
    elif isinstance(value, np.ndarray):
        assert back.dtype == value.dtype
        assert np.array_equal(back, value)
    elif isinstance(value, lightgbm.Booster):
        assert np.array_equal(back.predict(features), value.predict(features))
    elif hasattr(value, "predict_proba"):
        assert type(back) is type(value)
        assert np.array_equal(back.predict_proba(features), value.predict_proba(features))
    else:
        assert back == value, name
        assert type(back) is type(value)


def test_outputs_stored_under_a_local_root_load_back_by_reference(
    tmp_path: Path, classification: tuple[np.ndarray, np.ndarray]
) -> None:
    root = tmp_path / "0" / "run1" / "artifacts"
    values = sample_values(classification)
    refs = store_outputs(values, artifact_root=str(root), producer_run_id="run1")
    assert [ref.name for ref in refs] == list(values)
    for ref in refs:
        serializer, extension = EXPECTED[ref.name]
        assert ref.serializer == serializer
        assert ref.uri == str(root / OUTPUTS_FOLDER / f"{ref.name}{extension}")
        assert ref.producer_run_id == "run1"
        assert ref.content_hash == sha256_of(Path(ref.uri))
        assert ref.size == Path(ref.uri).stat().st_size
        assert_same_value(ref.name, load_output(ref), values[ref.name], classification[0])


def test_storing_outputs_leaves_only_the_output_files(
    tmp_path: Path, classification: tuple[np.ndarray, np.ndarray]
) -> None:
    root = tmp_path / "artifacts"
    values = sample_values(classification)
    store_outputs(
        {**values, "dup": pd.DataFrame([[1, 2]], columns=["a", "a"])},
        artifact_root=str(root),
        producer_run_id="run1",
    )
    names = sorted(p.name for p in (root / OUTPUTS_FOLDER).iterdir())
    assert names == sorted(
        [f"{name}{extension}" for name, (_s, extension) in EXPECTED.items()] + ["dup.pkl"]
    )


def test_a_file_uri_root_stores_and_loads_like_a_path(tmp_path: Path) -> None:
    root = tmp_path / "artifacts"
    (ref,) = store_outputs({"x": [1, 2]}, artifact_root=root.as_uri(), producer_run_id="r")
    assert ref.uri == str(root / OUTPUTS_FOLDER / "x.json")
    assert load_output(ref) == [1, 2]


def test_a_relative_root_gives_refs_that_still_load_from_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (ref,) = store_outputs({"x": {"k": 1}}, artifact_root="artifacts", producer_run_id="r")
    assert Path(ref.uri).is_absolute()
    monkeypatch.chdir(tmp_path.parent)
    assert load_output(ref) == {"k": 1}


def test_an_output_being_written_is_invisible_to_artifact_listings(tmp_path: Path) -> None:
    root = str(tmp_path / "artifacts")
    seen_while_writing: list[list[str]] = []

    class Peeking(FractionText):
        def save(self, value: Any, path: Path) -> str:
            path.write_text("1/2", encoding="utf-8")
            listed = ArtifactRepository(root).list(OUTPUTS_FOLDER)
            seen_while_writing.append([info.path for info in listed])
            return ""

    register_serializer(Peeking())
    store_outputs({"ratio": Fraction(1, 2)}, artifact_root=root, producer_run_id="r")
    assert seen_while_writing == [[]]
    assert [i.path for i in ArtifactRepository(root).list(OUTPUTS_FOLDER)] == ["outputs/ratio.frac"]


def test_storing_an_output_again_replaces_the_earlier_attempt(tmp_path: Path) -> None:
    root = str(tmp_path / "artifacts")
    (first,) = store_outputs({"x": [1]}, artifact_root=root, producer_run_id="r")
    (second,) = store_outputs({"x": [2]}, artifact_root=root, producer_run_id="r")
    assert second.uri == first.uri
    assert load_output(second) == [2]


@pytest.mark.parametrize(
    ("make", "make_other"),
    [
        (lambda: {"a": [1, 2]}, lambda: {"a": [1, 3]}),
        (lambda: np.arange(5), lambda: np.arange(1, 6)),
        (lambda: np.arange(5, dtype=np.int64), lambda: np.arange(5, dtype=np.int32)),
        (lambda: pd.DataFrame({"a": [1.0, 2.0]}), lambda: pd.DataFrame({"a": [1.0, 2.5]})),
        (lambda: pl.DataFrame({"a": [1, 2]}), lambda: pl.DataFrame({"b": [1, 2]})),
        (lambda: (1, "a"), lambda: (1, "b")),
    ],
    ids=["json", "numpy-values", "numpy-dtype", "pandas", "polars", "cloudpickle"],
)
def test_content_hashes_are_equal_for_equal_values_and_differ_otherwise(
    make: Any, make_other: Any, tmp_path: Path
) -> None:
    def stored_hash(value: Any, run: str) -> str:
        (ref,) = store_outputs({"v": value}, artifact_root=str(tmp_path / run), producer_run_id=run)
        return ref.content_hash

    first, again, other = (
        stored_hash(make(), "a"),
        stored_hash(make(), "b"),
        stored_hash(make_other(), "c"),
    )
    assert first == again
    assert first != other


def test_a_remote_root_uploads_outputs_and_downloads_them_to_load(
    memory_root: str, tmp_path: Path, classification: tuple[np.ndarray, np.ndarray]
) -> None:
    values = sample_values(classification)
    refs = store_outputs(values, artifact_root=memory_root, producer_run_id="run1")
    local = store_outputs(values, artifact_root=str(tmp_path / "local"), producer_run_id="run1")
    memory = fsspec.filesystem("memory")
    for ref, twin in zip(refs, local, strict=True):
        serializer, extension = EXPECTED[ref.name]
        assert ref.uri == f"{memory_root}/{OUTPUTS_FOLDER}/{ref.name}{extension}"
        assert ref.serializer == serializer
        assert memory.cat_file(ref.uri) == Path(twin.uri).read_bytes()
        assert (ref.content_hash, ref.size) == (twin.content_hash, twin.size)
        assert_same_value(ref.name, load_output(ref), values[ref.name], classification[0])


def test_a_registered_serializer_works_through_a_remote_root(memory_root: str) -> None:
    register_serializer(FractionText())
    (ref,) = store_outputs(
        {"ratio": Fraction(5, 7)}, artifact_root=memory_root, producer_run_id="r"
    )
    assert ref.serializer == "test.fraction:v1"
    assert ref.uri.endswith("/outputs/ratio.frac")
    assert load_output(ref) == Fraction(5, 7)


def test_loading_a_ref_with_an_unknown_serializer_names_it(tmp_path: Path) -> None:
    (ref,) = store_outputs({"x": 1}, artifact_root=str(tmp_path), producer_run_id="r")
    unknown = OutputRef(
        ref.name, ref.uri, "acme.format", ref.content_hash, ref.size, ref.producer_run_id
    )
    with pytest.raises(rw.SerializationError, match=r"'acme\.format'"):
        load_output(unknown)
