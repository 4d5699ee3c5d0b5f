"""The model registry service: registered models, versions, aliases, stages and the
audit history, the same for the CLI, the tracking server and Python::

    from runwright.registry import Registry
    registry = Registry()                      # the store of rw.set_tracking_uri
    version = registry.create_model_version("churn", "runs:/<run_id>/model")
    registry.set_registered_model_alias("churn", "champion", version.version)
    registry.alias_at("churn", "champion", time_ms)   # which version was champion then
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runwright.entities import ModelVersion
from runwright.registry.service import Registry
from runwright.registry.sources import ModelsUri, parse_models_uri, parse_runs_uri

__all__ = ["ModelsUri", "Registry", "parse_models_uri", "parse_runs_uri", "register_model"]


def register_model(
    model_uri: str, name: str, tags: Mapping[str, Any] | None = None
) -> ModelVersion:
    """Register the model at `model_uri` as the next version of `name` (creating the
    registered model if needed), in the store of the fluent API. See
    :meth:`Registry.register_model`."""
    return Registry().register_model(model_uri, name, tags)
