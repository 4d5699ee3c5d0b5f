"""The public surface of `import runwright`, and what importing it costs."""

from __future__ import annotations

import json
import subprocess
import sys

import runwright

EXPECTED = {
    "ActiveRun", "AlreadyExistsError", "ArtifactPathError", "Client", "Dataset",
    "DatasetInput", "Experiment", "FileInfo", "FilterSyntaxError", "InvalidArgumentError",
    "InvalidStateError", "LifecycleStage", "LoggingFlushError", "Metric", "NotFoundError",
    "Param", "PipelineDefinitionError", "PipelineFailedError", "Resources", "Run", "RunData",
    "RunInfo", "RunStatus", "RunwrightError", "SerializationError", "StoreSchemaError",
    "Tag", "ViewType", "__version__", "active_run", "delete_tag", "end_run", "flush",
    "get_artifact_uri", "get_experiment_by_name", "get_run", "get_tracking_uri",
    "log_artifact", "log_artifacts", "log_dict", "log_figure", "log_input", "log_metric",
    "log_metrics", "log_param", "log_params", "log_text", "search_experiments",
    "search_runs", "set_experiment", "set_tag", "set_tags", "set_tracking_uri", "start_run",
    "step", "pipeline", "pipelines", "mapped", "unmapped", "models", "register_model",
}  # fmt: skip


def test_all_is_the_curated_list() -> None:
    assert set(runwright.__all__) == EXPECTED


def test_every_exported_name_exists() -> None:
    assert all(hasattr(runwright, name) for name in runwright.__all__)


def test_importing_runwright_loads_no_heavy_library() -> None:
    code = "import sys, json, runwright; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code])))
    heavy = {"sqlalchemy", "alembic", "fsspec", "lark", "pandas", "numpy", "typer", "rich"}
    assert loaded & heavy == set()


def test_errors_carry_rest_error_codes() -> None:
    assert runwright.NotFoundError("x").error_code == "RESOURCE_DOES_NOT_EXIST"
    assert runwright.AlreadyExistsError("x").http_status == 400
    assert runwright.InvalidArgumentError("x").http_status == 400
