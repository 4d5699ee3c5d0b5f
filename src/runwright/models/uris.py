"""Where a model URI points, as a local folder.

- ``runs:/<run_id>/<path>``: a folder among a run's artifacts;
- ``models:/<name>/<version>``, ``models:/<name>@<alias>``, ``models:/<name>/<stage>``
  (None, Staging, Production, Archived: any case) and ``models:/<name>/latest``: the
  model registry's download URI for that version; ``models:/<logged model id>``: that
  logged model's artifact location;
- a plain path or ``file://...``: a local folder;
- any other URI (``s3://...``, ``memory://...``, ``mlflow-artifacts:/...``): a folder
  in an artifact store, reached the way the tracking store reaches artifacts.

Folders on the local disk are used in place; anything else is downloaded into a new
temporary folder, which the caller owns.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from runwright.errors import InvalidArgumentError, NotFoundError, RunwrightError

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = ["ModelLocation", "resolve_model_uri"]

RUNS_PREFIX = "runs:/"
MODELS_PREFIX = "models:/"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass(frozen=True, slots=True)
class ModelLocation:
    """A model URI resolved to a local folder."""

    uri: str
    path: Path
    #: The temporary folder holding a downloaded copy (delete it when done), or None.
    temporary: Path | None = None


def resolve_model_uri(uri: str | Path, *, client: Client | None = None) -> ModelLocation:
    """The local folder behind ``uri``; see the module docstring."""
    if isinstance(uri, Path):
        return _local(str(uri), uri)
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidArgumentError(f"a model URI must be a non-empty string, got {uri!r}")
    if uri.startswith(MODELS_PREFIX):
        source = _registry_source(uri, _client(client))
        if source.startswith(MODELS_PREFIX):
            raise InvalidArgumentError(
                f"model URI {uri!r} resolves to {source!r}, another registry URI"
            )
        found = resolve_model_uri(source, client=client)
        return ModelLocation(uri=uri, path=found.path, temporary=found.temporary)
    if uri.startswith(RUNS_PREFIX):
        return _run_folder(uri, _client(client))
    scheme = _SCHEME.match(uri)
    if scheme is None or len(scheme.group(1)) == 1:  # no scheme, or a Windows drive
        return _local(uri, Path(uri))
    if scheme.group(1).lower() == "file":
        parts = urlsplit(uri)
        if parts.netloc not in ("", "localhost"):
            raise InvalidArgumentError(f"model URI {uri!r} names another host ({parts.netloc})")
        return _local(uri, Path(unquote(parts.path)))
    if scheme.group(1).lower() in ("runs", "models"):
        raise InvalidArgumentError(
            f"model URI {uri!r} is not of the form runs:/<run_id>/<path> or models:/<name>/..."
        )
    return _download(uri, _repository(uri, client), "")


def _repository(uri: str, client: Client | None) -> Any:
    """The artifact store holding ``uri``: the client's store knows the tracking server's
    ``mlflow-artifacts:`` proxy; any other URI needs no tracking store opened."""
    from runwright.artifacts import artifact_repository_for
    from runwright.artifacts.http import PROXY_SCHEME

    if client is None and not uri.startswith(PROXY_SCHEME):
        return artifact_repository_for(uri)
    return _client(client).store.artifact_repository(uri)


def _client(client: Client | None) -> Client:
    if client is not None:
        return client
    from runwright.tracking import fluent

    return fluent._get_client()


def _local(uri: str, path: Path) -> ModelLocation:
    path = path.expanduser()
    if not path.exists():
        raise NotFoundError(f"no model at {uri!r}: {path} does not exist")
    if not path.is_dir():
        raise InvalidArgumentError(f"model URI {uri!r} names a file; a model is a folder")
    return ModelLocation(uri=uri, path=path.resolve())


def _run_folder(uri: str, client: Client) -> ModelLocation:
    from runwright.artifacts import normalize_artifact_path

    run_id, _, relative = uri[len(RUNS_PREFIX) :].lstrip("/").partition("/")
    if not run_id:
        raise InvalidArgumentError(f"model URI {uri!r} is not of the form runs:/<run_id>/<path>")
    relative = normalize_artifact_path(relative.strip("/") or None)
    try:
        repository = client.artifact_repository(run_id)
    except NotFoundError as exc:
        raise NotFoundError(f"no model at {uri!r}: {exc.message}") from None
    root = repository.root_uri
    local_root = _local_root(root)
    if local_root is not None:
        folder = local_root.joinpath(*relative.split("/")) if relative else local_root
        if not folder.is_dir():
            raise NotFoundError(f"no model at {uri!r}: run {run_id} has no folder {relative!r}")
        return ModelLocation(uri=uri, path=folder)
    return _download(uri, repository, relative)


def _local_root(root: str) -> Path | None:
    if "://" not in root and _SCHEME.match(root) is None:
        return Path(root)
    if root.startswith("file://"):
        return Path(unquote(urlsplit(root).path))
    return None


def _download(uri: str, repository: Any, relative: str) -> ModelLocation:
    temporary = Path(tempfile.mkdtemp(prefix="runwright-model-"))
    try:
        if relative and not repository.list(relative):
            raise NotFoundError(f"no model at {uri!r}: nothing under {relative!r}")
        path = Path(repository.download(relative, temporary))
        if not relative and not any(path.iterdir()):
            raise NotFoundError(f"no model at {uri!r}: the folder is empty or missing")
    except RunwrightError as exc:
        _remove(temporary)
        if isinstance(exc, NotFoundError) and uri in exc.message:
            raise
        raise type(exc)(f"cannot load a model from {uri!r}: {exc.message}") from None
    except Exception as exc:
        # Credentials, network, a filesystem fsspec knows: the cause stays chained.
        _remove(temporary)
        raise RunwrightError(
            f"cannot load a model from {uri!r}: {type(exc).__name__}: {exc}"
        ) from exc
    except BaseException:
        _remove(temporary)
        raise
    return ModelLocation(uri=uri, path=path, temporary=temporary)


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _registry_source(uri: str, client: Client) -> str:
    """Where the files of the model a ``models:/`` URI names are."""
    from runwright.registry import Registry, parse_models_uri

    try:
        reference = parse_models_uri(uri)
        if reference.model_id is not None:
            from runwright.tracking.logged_models import LoggedModels

            return LoggedModels(client).get_logged_model(reference.model_id).artifact_location
        registry = Registry(client)
        name = str(reference.name)
        if reference.version is not None:
            version = registry.get_model_version(name, reference.version).version
        elif reference.alias is not None:
            version = registry.get_model_version_by_alias(name, reference.alias).version
        else:
            stages = None if reference.stage is None else [reference.stage]
            found = registry.get_latest_versions(name, stages=stages)
            if not found:
                where = "any stage" if reference.stage is None else f"stage {reference.stage}"
                raise NotFoundError(f"no model at {uri!r}: {name!r} has no version in {where}")
            version = max(found, key=lambda v: int(v.version)).version
        return registry.get_model_version_download_uri(name, version)
    except RunwrightError as exc:
        if uri in exc.message:
            raise
        raise type(exc)(f"no model at {uri!r}: {exc.message}") from None
