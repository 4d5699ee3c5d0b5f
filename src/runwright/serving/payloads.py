"""Reading a scoring request's body: MLflow's scoring protocol.

``application/json`` (an object with exactly one of ``dataframe_split``,
``dataframe_records``, ``instances``, ``inputs``, and optionally ``params``) or
``text/csv`` (a header row, then rows), each optionally ``; charset=utf-8``. Anything
else is a 415; a body that cannot be read is a :class:`PayloadError` saying why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runwright.serving.errors import PayloadError, UnsupportedMediaTypeError

__all__ = ["CSV", "FORMATS", "JSON", "Payload", "media_type", "parse_payload"]

JSON = "application/json"
CSV = "text/csv"
FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_REQUIRED = (
    "The JSON body must be an object with exactly one of the keys "
    "'dataframe_split', 'dataframe_records', 'instances' or 'inputs' (and optionally 'params')"
)
_LOG_PREVIEW = 200


@dataclass(frozen=True, slots=True)
class Payload:
    """A request body as read: its format, its data (JSON values, or a DataFrame for
    CSV) and the ``params`` to pass to ``predict``."""

    format: str
    data: Any
    params: dict[str, Any] | None = None


def media_type(content_type: str | None) -> str:
    """``application/json`` or ``text/csv``; UnsupportedMediaTypeError for anything
    else, including a charset other than UTF-8 or any other parameter."""
    if not content_type:
        raise UnsupportedMediaTypeError(
            "The request has no Content-Type; send application/json or text/csv"
        )
    kind, *parameters = (part.strip() for part in content_type.split(";"))
    kind = kind.lower()
    if kind not in (JSON, CSV):
        raise UnsupportedMediaTypeError(
            f"Content-Type {content_type!r} is not supported; send application/json or text/csv"
        )
    for parameter in parameters:
        if not parameter:
            continue
        key, _, value = parameter.partition("=")
        if key.strip().lower() != "charset" or value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise UnsupportedMediaTypeError(
                f"Content-Type {content_type!r} is not supported: only charset=utf-8 may "
                "follow the media type"
            )
    return kind


def parse_payload(body: bytes, kind: str) -> Payload:
    """The payload in ``body``, read as ``kind`` (see :func:`media_type`)."""
    if not body.strip():
        raise PayloadError("The request body is empty; send the rows to score", kind="empty_body")
    if kind == CSV:
        return Payload("csv", _read_csv(body))
    try:
        decoded = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PayloadError(
            f"The request body is not UTF-8 text: {exc.reason} at byte {exc.start}",
            kind="malformed_json",
        ) from None
    except ValueError as exc:
        raise PayloadError(
            f"Failed to parse the request body as JSON: {exc}", kind="malformed_json"
        ) from None
    if not isinstance(decoded, dict):
        got = "a list" if isinstance(decoded, list) else f"a JSON {type(decoded).__name__}"
        raise PayloadError(f"{_REQUIRED}; got {got}", kind="bad_format")
    present = [key for key in FORMATS if key in decoded]
    if len(present) != 1:
        keys = ", ".join(repr(k) for k in decoded) or "none"
        raise PayloadError(f"{_REQUIRED}; got the keys {keys}", kind="bad_format")
    params = decoded.get("params")
    if params is not None and not isinstance(params, Mapping):
        raise PayloadError(
            f"'params' must be an object of parameter names to values, got {_preview(params)}",
            kind="bad_format",
        )
    return Payload(present[0], decoded[present[0]], dict(params) if params else None)


def _read_csv(body: bytes) -> Any:
    import io

    import pandas as pd

    try:
        return pd.read_csv(io.BytesIO(body))
    except UnicodeDecodeError as exc:
        raise PayloadError(
            f"The CSV body is not UTF-8 text: {exc.reason} at byte {exc.start}",
            kind="malformed_csv",
        ) from None
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PayloadError(
            f"Failed to parse the request body as CSV: {message}", kind="malformed_csv"
        ) from None


def _preview(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= _LOG_PREVIEW else text[:_LOG_PREVIEW] + "…"
