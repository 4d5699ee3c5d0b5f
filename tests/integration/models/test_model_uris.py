"""models:/ URIs through the model registry, and models behind a tracking server."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import runwright as rw
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.models import ModelInfo, load_model, log_model
from runwright.registry import Registry
from tests.fixtures.rest_server import InProcessServer
from tests.unit.models.defs import Doubler

FRAME = pd.DataFrame({"a": [1.0, 2.0]})


class Adder:
    """Tells its versions apart: version n adds n."""

    batchable = True

    def __init__(self, amount: float) -> None:
        self.amount = amount

    def predict(self, data: pd.DataFrame) -> list[float]:
        return (data["a"] + self.amount).tolist()


def _register(amount: float, name: str = "churn") -> ModelInfo:
    with rw.start_run():
        info = log_model(Adder(amount), input_example=FRAME)
    Registry().register_model(info.model_uri, name)
    return info


@pytest.fixture
def versions() -> list[ModelInfo]:
    """churn v1 (+1, Production, alias champion), v2 (+2, Staging), v3 (+3)."""
    infos = [_register(1.0), _register(2.0), _register(3.0)]
    registry = Registry()
    registry.transition_model_version_stage("churn", "1", "Production")
    registry.transition_model_version_stage("churn", "2", "Staging")
    registry.set_registered_model_alias("churn", "champion", "1")
    return infos


@pytest.mark.parametrize(
    ("uri", "added"),
    [
        ("models:/churn/2", 2.0),
        ("models:/churn@champion", 1.0),
        ("models:/churn/Production", 1.0),
        ("models:/churn/staging", 2.0),
        ("models:/churn/latest", 3.0),
    ],
)
def test_a_registry_uri_loads_the_version_it_names(
    versions: list[ModelInfo], uri: str, added: float
) -> None:
    loaded = load_model(uri)
    assert loaded.uri == uri
    assert loaded.predict({"a": [0.0]}) == [added]


def test_a_version_loads_the_package_its_run_logged(versions: list[ModelInfo]) -> None:
    assert load_model("models:/churn/3").metadata.content_hash == versions[2].content_hash


@pytest.mark.parametrize(
    "uri",
    ["models:/churn/9", "models:/churn@nobody", "models:/other/1", "models:/churn/archived"],
)
def test_a_registry_uri_naming_nothing_is_an_error_naming_the_uri(
    versions: list[ModelInfo], uri: str
) -> None:
    with pytest.raises((NotFoundError, InvalidArgumentError), match=re.escape(f"at '{uri}'")):
        load_model(uri)


@pytest.mark.parametrize("uri", ["models:/churn/soon", "models:/", "models:/a/b/c"])
def test_a_malformed_registry_uri_is_refused_naming_it(uri: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(uri)):
        load_model(uri)


def test_a_model_logged_to_a_tracking_server_loads_through_its_artifact_proxy(
    rest_server: InProcessServer,
) -> None:
    rw.set_tracking_uri(rest_server.url)
    with rw.start_run() as run:
        info = log_model(Doubler(), input_example=FRAME)
    assert rw.get_run(run.run_id).info.artifact_uri.startswith("mlflow-artifacts:")
    loaded = load_model(info.model_uri)
    assert loaded.metadata.content_hash == info.content_hash
    pd.testing.assert_frame_equal(loaded.predict(FRAME), FRAME * 2)


def test_a_registry_uri_resolves_through_a_tracking_server(
    rest_server: InProcessServer,
) -> None:
    rw.set_tracking_uri(rest_server.url)
    _register(5.0, name="remote")
    np.testing.assert_allclose(load_model("models:/remote/1").predict({"a": [1.0]}), [6.0])
