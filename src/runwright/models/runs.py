"""`log_model`: a model package stored as an artifact folder of the active run."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runwright.errors import AlreadyExistsError, InvalidArgumentError
from runwright.models.manifest import MANIFEST_FILE, ModelMetadata
from runwright.models.package import save_model
from runwright.models.signature import ModelSignature

__all__ = ["ModelInfo", "log_model"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What :func:`log_model` stored, and where: load it with ``load_model(model_uri)``."""

    model_uri: str
    run_id: str
    artifact_path: str
    flavor: str
    signature: ModelSignature | None
    content_hash: str
    size: int
    metadata: ModelMetadata


def log_model(
    model: Any,
    name: str = "model",
    signature: ModelSignature | Mapping[str, Any] | None = None,
    input_example: Any = None,
    pip_requirements: str | Path | Sequence[str] | None = None,
    flavor: str | None = None,
    *,
    artifacts: Mapping[str, str | Path] | None = None,
    model_class: str | None = None,
) -> ModelInfo:
    """Save ``model`` as the artifact folder ``name`` of the active run (starting a run
    if none is active, as ``rw.log_metric`` does; inside a pipeline step, the step's
    run). Arguments as for :func:`~runwright.models.save_model`.

    The manifest is stored last, so a package that failed half-way is never taken for
    a model. A run holds one model per name: logging another under the same name is
    refused.
    """
    from runwright.artifacts import normalize_artifact_path
    from runwright.tracking import fluent

    artifact_path = normalize_artifact_path(name) if isinstance(name, str) else None
    if not artifact_path:
        raise InvalidArgumentError(f"a model needs a name (its artifact folder), got {name!r}")
    active = fluent.active_run() or fluent.start_run()
    client = active._client
    run_id = active.run_id
    repository = client.artifact_repository(run_id)
    if repository.list(artifact_path):
        raise AlreadyExistsError(
            f"run {run_id} already has artifacts at {artifact_path!r}; log the model under "
            "another name"
        )
    with tempfile.TemporaryDirectory(prefix="runwright-model-") as scratch:
        folder = Path(scratch, "model")
        metadata = save_model(
            model,
            folder,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
            flavor=flavor,
            artifacts=artifacts,
            model_class=model_class,
            run_id=run_id,
            artifact_path=artifact_path,
        )
        manifest = Path(scratch, MANIFEST_FILE)
        (folder / MANIFEST_FILE).rename(manifest)
        client.log_artifacts(run_id, folder, artifact_path)
        client.log_artifact(run_id, manifest, artifact_path)
    return ModelInfo(
        model_uri=f"runs:/{run_id}/{artifact_path}",
        run_id=run_id,
        artifact_path=artifact_path,
        flavor=metadata.flavor,
        signature=metadata.signature,
        content_hash=metadata.content_hash,
        size=metadata.size,
        metadata=metadata,
    )
