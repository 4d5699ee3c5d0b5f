"""The registry's rules for names, versions, aliases, tags and limits (MLflow's)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.tracking import validation as v

__all__ = [
    "DEFAULT_MODEL_SEARCH_RESULTS",
    "DEFAULT_VERSION_SEARCH_RESULTS",
    "MAX_MODEL_SEARCH_RESULTS",
    "MAX_NAME",
    "MAX_VERSION_SEARCH_RESULTS",
    "check_alias",
    "check_max_results",
    "check_name",
    "check_settable_alias",
    "check_tag",
    "check_tags",
    "check_version",
    "optional_text",
]

MAX_NAME = 256
MAX_ALIAS = 255
MAX_TAG_VALUE = 100_000
MAX_USER = 256
DEFAULT_MODEL_SEARCH_RESULTS = 100
MAX_MODEL_SEARCH_RESULTS = 1000
DEFAULT_VERSION_SEARCH_RESULTS = 10_000
MAX_VERSION_SEARCH_RESULTS = 200_000
# The version column is a 32-bit integer; no model gets near it.
MAX_VERSION = 2**31 - 1

_ALIAS = re.compile(r"^[A-Za-z0-9_\-]+$")
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")
LATEST_ALIAS = "latest"


def check_name(name: object, field: str = "name") -> str:
    """A registered model name: not blank, no `/` or `:` (they would break `models:/`
    URIs), at most 256 characters."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError(f"Missing value for required parameter '{field}'.")
    if "/" in name or ":" in name:
        raise InvalidArgumentError(f"Invalid model name '{name}'. Names cannot contain '/' or ':'.")
    if name in (".", ".."):
        raise InvalidArgumentError(f"Invalid model name '{name}'.")
    if len(name) > MAX_NAME:
        raise InvalidArgumentError(
            f"Model name is {len(name)} characters long; the limit is {MAX_NAME}."
        )
    return name


def check_version(name: str, version: object) -> int:
    """A version number given as an int or a string holding one. A number no version
    can have is NotFoundError, as a version that does not exist."""
    not_integer = InvalidArgumentError(f"Parameter 'version' must be an integer, got {version!r}.")
    if isinstance(version, bool) or not isinstance(version, int | str):
        raise not_integer
    try:
        number = int(version)
    except ValueError:
        raise not_integer from None
    if not 1 <= number <= MAX_VERSION:
        raise NotFoundError(f"Model Version (name={name}, version={version}) not found")
    return number


def check_alias(alias: object) -> str:
    """An alias name as it may be looked up: 1-255 of A-Z a-z 0-9 _ -."""
    if not isinstance(alias, str) or not alias:
        raise InvalidArgumentError("Registered model alias name cannot be empty.")
    if not _ALIAS.match(alias):
        raise InvalidArgumentError(
            f"Invalid alias name: '{alias}'. Names may only contain alphanumerics, "
            "underscores (_), and dashes (-)."
        )
    if len(alias) > MAX_ALIAS:
        raise InvalidArgumentError(
            f"Registered model alias name is {len(alias)} characters long; "
            f"the limit is {MAX_ALIAS}."
        )
    return alias


def check_settable_alias(alias: object) -> str:
    """An alias that may be set: not `latest` (any case) nor `v<digits>`, which name
    versions in `models:/` URIs."""
    checked = check_alias(alias)
    if checked.lower() == LATEST_ALIAS:
        raise InvalidArgumentError("'latest' alias name (case insensitive) is reserved.")
    if _VERSION_ALIAS.match(checked):
        raise InvalidArgumentError(f"Version alias name '{checked}' is reserved.")
    return checked


def check_tag(key: object, value: object) -> tuple[str, str]:
    """A tag key with the rules of run tag keys; a value of at most 100,000 characters."""
    checked = v.check_key(key, "tag")
    if value is None:
        raise InvalidArgumentError(f"Tag {checked!r}: the value cannot be None.")
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TAG_VALUE:
        raise InvalidArgumentError(
            f"Tag {checked!r}: the value is {len(text)} characters long; "
            f"the limit is {MAX_TAG_VALUE}."
        )
    return checked, text


def check_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    return dict(check_tag(key, value) for key, value in (tags or {}).items())


def check_max_results(value: object, *, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidArgumentError(
            f"Invalid value for parameter 'max_results': it must be an integer from 1 to "
            f"{limit}, got {value!r}."
        )
    return value


def optional_text(value: object, field: str) -> str | None:
    """An optional text field; an empty string counts as not given (as in MLflow)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidArgumentError(f"Parameter '{field}' must be a string, got {value!r}.")
    return value


def check_user(user: str) -> str:
    """Who made a change, as recorded (cut to the column's width)."""
    return user[:MAX_USER]
