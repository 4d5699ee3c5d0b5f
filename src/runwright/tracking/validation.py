"""The rules every entry point applies before anything is stored (limits as MLflow's)."""

from __future__ import annotations

import numbers
import posixpath
import re
from collections.abc import Mapping
from typing import Any

from runwright.entities import Dataset
from runwright.errors import InvalidArgumentError

__all__ = [
    "MAX_EXPERIMENT_NAME",
    "MAX_KEY",
    "MAX_PARAM_VALUE",
    "MAX_TAG_VALUE",
    "check_dataset",
    "check_experiment_name",
    "check_experiment_tag",
    "check_key",
    "check_max_results",
    "check_metric_value",
    "check_run_id",
    "check_step",
    "check_timestamp",
    "param_value",
    "tag_value",
]

MAX_KEY = 250
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 8000
MAX_EXPERIMENT_NAME = 500
MAX_EXPERIMENT_TAG_VALUE = 5000
MAX_RESULTS = 50_000
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

_KEY_CHARS = re.compile(r"^[\w\-. /:]+$")
_RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
_DATASET_LIMITS = {"name": 500, "digest": 36, "source_type": 36, "source": 65_535}
# Keys already checked; checking each metric key once keeps log_metric cheap.
valid_keys: set[str] = set()


def check_key(key: object, kind: str) -> str:
    if key in valid_keys:
        return key
    if not isinstance(key, str) or not key:
        raise InvalidArgumentError(f"{kind} key must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY:
        raise InvalidArgumentError(
            f"{kind} key {key[:40]!r}… is {len(key)} characters long; the limit is {MAX_KEY}"
        )
    if not _KEY_CHARS.match(key):
        raise InvalidArgumentError(
            f"{kind} key {key!r} may only hold letters, digits, and _ - . space / :"
        )
    if key.startswith("/") or ".." in key.split("/") or posixpath.normpath(key) != key:
        raise InvalidArgumentError(f"{kind} key {key!r} must be a normalised relative path")
    if len(valid_keys) < 100_000:
        valid_keys.add(key)
    return key


def check_metric_value(key: str, value: object) -> float:
    if type(value) is float:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(f"metric {key!r} must be a number, got {value!r}")
    return float(value)


def check_timestamp(timestamp: object) -> int:
    if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Integral):
        raise InvalidArgumentError(f"timestamp must be an integer (ms), got {timestamp!r}")
    if not 0 <= int(timestamp) <= INT64_MAX:
        raise InvalidArgumentError(f"timestamp must be non-negative, got {timestamp!r}")
    return int(timestamp)


def check_step(step: object) -> int:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise InvalidArgumentError(f"step must be an integer, got {step!r}")
    if not INT64_MIN <= int(step) <= INT64_MAX:
        raise InvalidArgumentError(f"step {step} does not fit in 64 bits")
    return int(step)


def _string_value(value: object, *, what: str, limit: int) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        raise InvalidArgumentError(f"{what} is {len(text)} characters long; the limit is {limit}")
    return text


def param_value(key: str, value: object) -> str:
    return _string_value(value, what=f"value of param {key!r}", limit=MAX_PARAM_VALUE)


def tag_value(key: str, value: object) -> str:
    return _string_value(value, what=f"value of tag {key!r}", limit=MAX_TAG_VALUE)


def check_experiment_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError(f"experiment name must be a non-empty string, got {name!r}")
    if len(name) > MAX_EXPERIMENT_NAME:
        raise InvalidArgumentError(
            f"experiment name is {len(name)} characters long; the limit is {MAX_EXPERIMENT_NAME}"
        )
    return name


def check_experiment_tag(key: object, value: object) -> tuple[str, str]:
    checked = check_key(key, "experiment tag")
    return checked, _string_value(
        value, what=f"value of experiment tag {checked!r}", limit=MAX_EXPERIMENT_TAG_VALUE
    )


def check_run_id(run_id: object) -> str:
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
        raise InvalidArgumentError(f"{run_id!r} is not a valid run id")
    return run_id


def check_max_results(max_results: object, *, limit: int = MAX_RESULTS) -> int:
    if isinstance(max_results, bool) or not isinstance(max_results, int):
        raise InvalidArgumentError(f"max_results must be an integer, got {max_results!r}")
    if not 1 <= max_results <= limit:
        raise InvalidArgumentError(f"max_results must be between 1 and {limit}, got {max_results}")
    return max_results


def check_dataset(dataset: Dataset, tags: Mapping[str, Any]) -> None:
    for field, limit in _DATASET_LIMITS.items():
        value = getattr(dataset, field)
        if not isinstance(value, str) or not value:
            raise InvalidArgumentError(f"dataset {field} must be a non-empty string")
        if len(value) > limit:
            raise InvalidArgumentError(
                f"dataset {field} is {len(value)} characters long; the limit is {limit}"
            )
    for key, value in tags.items():
        if not isinstance(key, str) or not key or len(key) > 255:
            raise InvalidArgumentError(f"dataset input tag key {key!r} must be 1-255 characters")
        if not isinstance(value, str) or len(value) > 500:
            raise InvalidArgumentError(f"dataset input tag {key!r} must be a string of ≤ 500 chars")
