"""Which model versions a server scores with: the model URI, the routes and the shadow
resolved to fixed versions once, at start-up, so that every worker process loads the
same ones even if an alias moves while they start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.serving.config import Route, ServingConfig

if TYPE_CHECKING:
    from runwright.registry import Registry
    from runwright.tracking.client import Client

__all__ = ["PRIMARY", "SHADOW", "Target", "resolve_targets"]

PRIMARY = "primary"
SHADOW = "shadow"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Target:
    """One model version the server loads."""

    #: Says which version answered, in the response header: ``churn/3`` (or the URI).
    label: str
    #: What to load: ``models:/churn/3``, ``runs:/...`` or a path.
    model_uri: str
    #: The folder name of its prediction logs.
    model_name: str
    weight: float = 1.0
    role: str = PRIMARY


def resolve_targets(config: ServingConfig, client: Client) -> tuple[list[Target], Target | None]:
    """The routed versions (at least one) and the shadow version, if any."""
    if not config.routes and config.shadow is None:
        return [_single(config.model_uri, client)], None
    name, own = _registered_name(config.model_uri)
    from runwright.registry import Registry

    registry = Registry(client)
    routes = config.routes
    if not routes:
        if own is None:
            raise InvalidArgumentError(
                f"--shadow needs the version that answers: give {config.model_uri!r} an alias "
                "or a version (models:/name@champion) or add --route"
            )
        routes = (Route(own, 1.0),)
    targets = [_version(registry, name, route.reference, route.weight, PRIMARY) for route in routes]
    shadow = None
    if config.shadow is not None:
        shadow = _version(registry, name, config.shadow, 0.0, SHADOW)
    return targets, shadow


def _registered_name(uri: str) -> tuple[str, str | None]:
    """The registered model's name, and the alias or version the URI itself names."""
    from runwright.registry import parse_models_uri

    if not uri.startswith("models:/"):
        raise InvalidArgumentError(
            f"routes and shadows are versions of a registered model: give models:/NAME, not {uri!r}"
        )
    parsed = parse_models_uri(uri)
    if parsed.model_id is not None:
        return parsed.model_id, None
    if parsed.name is None or parsed.stage is not None or parsed.latest:
        raise InvalidArgumentError(
            f"routes and shadows take models:/NAME or models:/NAME@ALIAS, got {uri!r}"
        )
    return parsed.name, parsed.alias or parsed.version


def _version(registry: Registry, name: str, reference: str, weight: float, role: str) -> Target:
    if reference.isdigit():
        version = registry.get_model_version(name, reference).version
    else:
        try:
            version = registry.get_model_version_by_alias(name, reference).version
        except (InvalidArgumentError, NotFoundError) as exc:
            raise type(exc)(
                f"cannot serve {reference!r} of model {name!r}: {exc.message}"
            ) from None
    return Target(
        label=f"{name}/{version}",
        model_uri=f"models:/{name}/{version}",
        model_name=_safe(name),
        weight=weight,
        role=role,
    )


def _single(uri: str, client: Client) -> Target:
    if uri.startswith("models:/"):
        from runwright.registry import Registry, parse_models_uri

        parsed = parse_models_uri(uri)
        if parsed.name is not None:
            registry = Registry(client)
            if parsed.version is not None:
                version = registry.get_model_version(parsed.name, parsed.version).version
            elif parsed.alias is not None:
                return _version(registry, parsed.name, parsed.alias, 1.0, PRIMARY)
            else:
                stages = None if parsed.stage is None else [parsed.stage]
                found = registry.get_latest_versions(parsed.name, stages=stages)
                if not found:
                    raise NotFoundError(f"no model at {uri!r}: no version matches")
                version = max(found, key=lambda v: int(v.version)).version
            return _version(registry, parsed.name, version, 1.0, PRIMARY)
    return Target(label=uri, model_uri=uri, model_name=_name_of(uri))


def _name_of(uri: str) -> str:
    if uri.startswith("runs:/"):
        run_id, _, path = uri[len("runs:/") :].strip("/").partition("/")
        return _safe(f"run-{run_id}-{path}" if path else f"run-{run_id}")
    tail = uri.rstrip("/").rsplit("/", 1)[-1]
    return _safe(tail) or "model"


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).strip("._") or "model"
