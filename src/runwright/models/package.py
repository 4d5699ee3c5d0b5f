"""`save_model`: a model into a package folder, without a run.

The package::

    runwright-model.json   the manifest (flavor, signature, versions, size, content hash)
    model.joblib | model.ubj | model.txt | model.pt | state_dict.pt | model.onnx |
    python_model.pkl       the model in its flavor's own format
    artifacts/             files a generic Python model reads in load_context
    input_example.json     the input example, as a scoring request body
    requirements.txt       pinned versions of what loading the model needs

The folder is built next to its destination and renamed into place, so a failed save
leaves nothing behind.
"""

from __future__ import annotations

import logging
import platform
import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from runwright._host import now_ms
from runwright._version import __version__
from runwright.errors import AlreadyExistsError, InvalidArgumentError
from runwright.models.errors import SchemaError
from runwright.models.examples import write_example
from runwright.models.flavors import Flavor, SaveOptions, detect_flavor, get_flavor
from runwright.models.inference import infer_schema
from runwright.models.manifest import ModelMetadata, content_hash, write_manifest
from runwright.models.requirements import (
    REQUIREMENTS_FILE,
    distributions_of_modules,
    pinned,
    requirements_from_argument,
)
from runwright.models.signature import ModelSignature

__all__ = ["save_model"]

log = logging.getLogger("runwright.models")


def save_model(
    model: Any,
    path: str | Path,
    *,
    signature: ModelSignature | Mapping[str, Any] | None = None,
    input_example: Any = None,
    pip_requirements: str | Path | Sequence[str] | None = None,
    flavor: str | None = None,
    artifacts: Mapping[str, str | Path] | None = None,
    model_class: str | None = None,
    run_id: str | None = None,
    artifact_path: str | None = None,
) -> ModelMetadata:
    """Package ``model`` into the folder ``path`` (which must not exist, or be empty).

    The flavor is detected from the object unless ``flavor`` names one. Without a
    ``signature``, one is inferred from ``input_example`` (and its outputs from
    predicting on it), or taken from the model itself (ONNX). An explicit signature is
    checked against the example. ``pip_requirements`` (a list, or a requirements
    file) replaces the pinned requirements captured from the installed distributions.
    ``artifacts`` are files or folders a generic Python model reads in
    ``load_context``; ``model_class`` (``"pkg.mod:Net"``) rebuilds a PyTorch module
    saved as a state dict. Returns the manifest.
    """
    target = Path(path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise AlreadyExistsError(
            f"cannot save a model to {str(target)!r}: it exists and is not empty"
        )
    chosen = get_flavor(flavor) if flavor is not None else detect_flavor(model)
    given = _signature_argument(signature)
    options = SaveOptions(
        artifacts={str(k): Path(v) for k, v in (artifacts or {}).items()},
        model_class=model_class,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:12]}"
    building.mkdir()
    try:
        flavor_options = chosen.save(model, building, options)
        example_file = None
        if input_example is not None:
            example_file = write_example(building, input_example)
        final_signature = _signature(chosen, model, building, flavor_options, given, input_example)
        requirements = _requirements(chosen, model, pip_requirements)
        (building / REQUIREMENTS_FILE).write_text("\n".join(requirements) + "\n", encoding="utf-8")
        digest, size = content_hash(building)
        metadata = ModelMetadata(
            flavor=chosen.name,
            flavor_options=flavor_options,
            batchable=chosen.batchable(model),
            runwright_version=__version__,
            python_version=platform.python_version(),
            created=now_ms(),
            run_id=run_id,
            artifact_path=artifact_path,
            signature=final_signature,
            input_example=example_file,
            requirements=REQUIREMENTS_FILE,
            size=size,
            content_hash=digest,
        )
        write_manifest(building, metadata)
        if target.exists():
            target.rmdir()
        building.rename(target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return metadata


def _signature_argument(value: ModelSignature | Mapping[str, Any] | None) -> ModelSignature | None:
    if value is None or isinstance(value, ModelSignature):
        return value
    if isinstance(value, Mapping):
        return ModelSignature.from_dict(value)
    raise InvalidArgumentError(
        f"signature must be a ModelSignature (see rw.models.infer_signature), got "
        f"{type(value).__name__}"
    )


def _signature(
    flavor: Flavor,
    model: Any,
    folder: Path,
    flavor_options: Mapping[str, Any],
    given: ModelSignature | None,
    example: Any,
) -> ModelSignature | None:
    from runwright.models.enforcement import prepare_input

    if given is not None:
        if example is not None:
            try:
                prepare_input(example, given.inputs)
            except SchemaError as exc:
                raise InvalidArgumentError(
                    f"the input example does not fit the signature: {exc.message}"
                ) from None
        return given
    if example is None:
        return flavor.default_signature(model)
    inputs = infer_schema(example)
    return ModelSignature(
        inputs=inputs, outputs=_infer_outputs(flavor, folder, flavor_options, inputs, example)
    )


def _infer_outputs(
    flavor: Flavor, folder: Path, flavor_options: Mapping[str, Any], inputs: Any, example: Any
) -> Any:
    """The schema of the model's predictions on the example, from the saved copy (so
    the prediction goes the way it will after loading); None when that fails."""
    from runwright.models.loading import predict_with

    try:
        predictor = flavor.load(folder, flavor_options)
        output = predict_with(predictor, example, ModelSignature(inputs=inputs))
        return infer_schema(output)
    except Exception as exc:  # outputs are optional: say why they are missing
        log.warning("model outputs not inferred from the input example: %s", exc)
        return None


def _requirements(
    flavor: Flavor, model: Any, override: str | Path | Sequence[str] | None
) -> list[str]:
    if override is not None:
        return requirements_from_argument(override)
    needed = distributions_of_modules(flavor.modules(model))
    return pinned(["runwright", *sorted(needed)])
