"""The errors a scoring request can meet, as MLflow's scoring server reports them.

Each carries the HTTP status it is answered with and a short ``kind`` for the
``runwright_serving_errors_total`` metric. They extend the one tree of
:mod:`runwright.errors`::

    RunwrightError
    ├── InvalidArgumentError            INVALID_PARAMETER_VALUE  400 (SchemaError: "schema")
    └── PayloadError                    BAD_REQUEST              400
        ├── UnsupportedMediaTypeError   BAD_REQUEST              415
        └── PayloadTooLargeError        BAD_REQUEST              413
"""

from __future__ import annotations

from typing import ClassVar

from runwright.errors import InvalidArgumentError, RunwrightError

__all__ = [
    "PayloadError",
    "PayloadTooLargeError",
    "UnsupportedMediaTypeError",
    "error_kind",
]


class PayloadError(RunwrightError):
    """A request body that cannot be read as a scoring request: malformed JSON, no body,
    not exactly one of the input formats, rows that do not line up."""

    error_code: ClassVar[str] = "BAD_REQUEST"
    status: ClassVar[int] = 400

    def __init__(self, message: str, *, kind: str = "bad_payload") -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def http_status(self) -> int:
        return self.status


class UnsupportedMediaTypeError(PayloadError):
    """A content type other than ``application/json`` or ``text/csv`` (UTF-8)."""

    status = 415

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="unsupported_media_type")


class PayloadTooLargeError(PayloadError):
    """A body over the server's configured limit."""

    status = 413

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="too_large")


def error_kind(exc: BaseException) -> str:
    """The label an error is counted under in the errors metric."""
    if isinstance(exc, PayloadError):
        return exc.kind
    from runwright.models import SchemaError

    if isinstance(exc, SchemaError):
        return "schema"
    if isinstance(exc, InvalidArgumentError):
        return "invalid_argument"
    return "model_error"
