"""Model URIs, and where a model version's files are.

A version's `source` is what it was registered from; its storage location (the download
URI) is that source resolved to files, as MLflow's server resolves it:

- ``runs:/<run_id>/<path>``: ``<path>`` under the run's artifact root (and the run is
  recorded as the version's run);
- ``models:/<logged model id>``: the logged model's artifact location (its source run
  is recorded, and the model id);
- ``models:/<name>/<version|stage|latest>`` and ``models:/<name>@<alias>``: the download
  URI of that registered version;
- anything else (a folder, ``s3://...``, ``mlflow-artifacts:/...``): itself, a relative
  folder made absolute.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from runwright.entities import ModelVersion, Stage
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.store.registry import uri_scheme

if TYPE_CHECKING:
    from runwright.registry.service import Registry

__all__ = ["ModelsUri", "ResolvedSource", "parse_models_uri", "parse_runs_uri", "resolve_source"]


@dataclass(frozen=True, slots=True)
class ModelsUri:
    """A parsed ``models:/`` URI: exactly one of `model_id` (a logged model) or `name`
    with one of `version`, `stage`, `alias`, `latest`."""

    model_id: str | None = None
    name: str | None = None
    version: str | None = None
    stage: Stage | None = None
    alias: str | None = None
    latest: bool = False


@dataclass(frozen=True, slots=True)
class ResolvedSource:
    source: str
    storage_location: str
    run_id: str | None
    model_id: str | None


def parse_models_uri(uri: str) -> ModelsUri:
    """InvalidArgumentError for anything that is not a well-formed ``models:/`` URI."""
    parts = urlsplit(uri)
    bad = InvalidArgumentError(
        f"Not a valid models URI: {uri!r}; expected models:/<name>/<version>, "
        "models:/<name>/<stage>, models:/<name>/latest, models:/<name>@<alias> or "
        "models:/<logged model id>"
    )
    if parts.scheme != "models" or parts.netloc or not parts.path.startswith("/"):
        raise bad
    pieces = parts.path[1:].split("/")
    if len(pieces) > 2 or not pieces[0].strip():
        raise bad
    if len(pieces) == 2:
        name, suffix = pieces
        if not suffix.strip():
            raise bad
        if suffix.isdigit():
            return ModelsUri(name=name, version=suffix)
        if suffix.lower() == "latest":
            return ModelsUri(name=name, latest=True)
        return ModelsUri(name=name, stage=Stage.parse(suffix))
    name, at, alias = pieces[0].rpartition("@")
    if not at:
        return ModelsUri(model_id=pieces[0])
    if not name or not alias:
        raise bad
    return ModelsUri(name=name, alias=alias)


def parse_runs_uri(uri: str) -> tuple[str, str]:
    """(run id, artifact path) of ``runs:/<run_id>[/<path>]``."""
    parts = urlsplit(uri)
    run_id, _, path = parts.path.lstrip("/").partition("/")
    if parts.scheme != "runs" or parts.netloc or not run_id:
        raise InvalidArgumentError(
            f"Not a valid runs URI: {uri!r}; expected runs:/<run_id>/<artifact path>"
        )
    return run_id, path.strip("/")


def _invalid_source(source: str, field: str) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"Invalid model version source: '{source}'. The {field} request parameter must "
        "identify the resource that contains the source."
    )


def resolve_source(
    registry: Registry, source: str, *, run_id: str | None, model_id: str | None
) -> ResolvedSource:
    """The source as stored, where its files are, and the run and logged model it
    records. A run id or model id that contradicts the source, or names nothing, is an
    InvalidArgumentError."""
    from runwright.artifacts import join_uri
    from runwright.tracking.logged_models import LoggedModels, check_model_id

    client = registry.client
    scheme = uri_scheme(source)
    if scheme == "runs":
        source_run, path = parse_runs_uri(source)
        if run_id and run_id != source_run:
            raise _invalid_source(source, "run_id")
        try:
            root = client.get_run(source_run).info.artifact_uri
        except NotFoundError:
            raise _invalid_source(source, "run_id") from None
        return ResolvedSource(source, join_uri(root, path) if path else root, source_run, model_id)
    if scheme == "models":
        uri = parse_models_uri(source)
        if uri.model_id is not None:
            if model_id and model_id != uri.model_id:
                raise _invalid_source(source, "model_id")
            try:
                model = LoggedModels(client).get_logged_model(uri.model_id)
            except (NotFoundError, InvalidArgumentError):
                raise _invalid_source(source, "model_id") from None
            run = run_id or model.source_run_id
            return ResolvedSource(source, model.artifact_location, run, model.model_id)
        found = _registered_version(registry, uri)
        return ResolvedSource(
            f"models:/{found.name}/{found.version}",
            registry.get_model_version_download_uri(found.name, found.version),
            run_id or found.run_id,
            model_id or found.model_id,
        )
    if model_id:
        try:
            model = LoggedModels(client).get_logged_model(check_model_id(model_id))
        except NotFoundError:
            raise _invalid_source(source, "model_id") from None
        run_id = run_id or model.source_run_id
    if run_id:
        try:
            client.get_run(run_id)
        except NotFoundError:
            raise _invalid_source(source, "run_id") from None
    location = str(Path(source).absolute()) if scheme == "" else source
    return ResolvedSource(location, location, run_id, model_id)


def _registered_version(registry: Registry, uri: ModelsUri) -> ModelVersion:
    assert uri.name is not None
    if uri.version is not None:
        return registry.get_model_version(uri.name, uri.version)
    if uri.alias is not None:
        return registry.get_model_version_by_alias(uri.name, uri.alias)
    stages = None if uri.stage is None else [uri.stage]
    found = registry.get_latest_versions(uri.name, stages)
    if not found:
        wanted = "any" if uri.stage is None else f"the {uri.stage.value}"
        raise NotFoundError(f"Registered model {uri.name!r} has no version in {wanted} stage")
    return max(found, key=lambda version: int(version.version))
