"""requirements.txt: pinned to the installed versions, or exactly what the caller gave."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from runwright.errors import InvalidArgumentError
from runwright.models import save_model
from runwright.models.requirements import distributions_of_modules, modules_of, pinned
from tests.unit.models import defs


def test_pins_are_the_installed_versions() -> None:
    assert pinned(["numpy", "scikit-learn"]) == [
        f"numpy=={importlib.metadata.version('numpy')}",
        f"scikit-learn=={importlib.metadata.version('scikit-learn')}",
    ]


def test_distributions_that_are_not_installed_are_left_out() -> None:
    assert pinned(["surely-not-installed-here"]) == []


def test_modules_map_to_their_distributions_and_the_stdlib_to_nothing() -> None:
    assert distributions_of_modules(["sklearn.linear_model", "json", "__main__"]) == {
        "scikit-learn"
    }


def test_the_modules_of_a_pipeline_include_each_steps_library() -> None:
    from lightgbm import LGBMClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    found = modules_of(make_pipeline(StandardScaler(), LGBMClassifier()))
    assert {"lightgbm.sklearn", "sklearn.pipeline"} <= found


def test_a_package_pins_runwright_and_what_the_flavor_needs(tmp_path: Path) -> None:
    save_model(defs.Doubler(), tmp_path / "m")
    lines = (tmp_path / "m" / "requirements.txt").read_text().split()
    assert f"runwright=={importlib.metadata.version('runwright')}" in lines
    assert f"cloudpickle=={importlib.metadata.version('cloudpickle')}" in lines
    assert all("==" in line for line in lines)


def test_pip_requirements_replace_the_captured_ones(tmp_path: Path) -> None:
    save_model(defs.Doubler(), tmp_path / "m", pip_requirements=["pandas>=2", "numpy"])
    assert (tmp_path / "m" / "requirements.txt").read_text() == "pandas>=2\nnumpy\n"


def test_pip_requirements_may_be_a_requirements_file(tmp_path: Path) -> None:
    source = tmp_path / "reqs.txt"
    source.write_text("# pinned by hand\nscikit-learn==1.5.0\n\n")
    save_model(defs.Doubler(), tmp_path / "m", pip_requirements=source)
    assert (tmp_path / "m" / "requirements.txt").read_text() == "scikit-learn==1.5.0\n"


def test_a_requirements_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="no file at"):
        save_model(defs.Doubler(), tmp_path / "m", pip_requirements=str(tmp_path / "nope.txt"))
