"""Comparisons between what the mlflow client returns and what the store holds."""

from __future__ import annotations

import re
import uuid

from mlflow.entities import Run as MlflowRun

from runwright import Run


def unique_name(hint: str) -> str:
    """An experiment name no other test (or earlier session on this server) uses."""
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", hint).strip("-")[:60]
    return f"compat-{readable}-{uuid.uuid4().hex[:10]}"


def assert_same_run(seen: MlflowRun, stored: Run) -> None:
    """The mlflow client's view of a run equals the stored run, field by field."""
    info = seen.info
    assert info.run_id == stored.info.run_id
    assert info.experiment_id == stored.info.experiment_id
    assert info.run_name == stored.info.run_name
    assert info.user_id == stored.info.user_id
    assert info.status == stored.info.status.value
    assert info.start_time == stored.info.start_time
    assert info.end_time == stored.info.end_time
    assert info.artifact_uri == stored.info.artifact_uri
    assert info.lifecycle_stage == stored.info.lifecycle_stage.value
    assert seen.data.params == dict(stored.data.params)
    assert seen.data.tags == dict(stored.data.tags)
    assert seen.data.metrics == dict(stored.data.metrics)
