"""The one exception tree of Runwright.

Every error a user can cause is a subclass of :class:`RunwrightError` with a stable
``error_code`` that matches the MLflow REST error codes, so the REST server renders it
and the REST client raises the same class back::

    RunwrightError                      INTERNAL_ERROR
    ├── InvalidArgumentError            INVALID_PARAMETER_VALUE
    │   ├── FilterSyntaxError           INVALID_PARAMETER_VALUE
    │   ├── ArtifactPathError           INVALID_PARAMETER_VALUE
    │   ├── PipelineDefinitionError     INVALID_PARAMETER_VALUE
    │   └── SchemaError                 INVALID_PARAMETER_VALUE  (runwright.models)
    ├── NotFoundError                   RESOURCE_DOES_NOT_EXIST
    ├── AlreadyExistsError              RESOURCE_ALREADY_EXISTS
    ├── InvalidStateError               INVALID_STATE
    ├── StoreSchemaError                INTERNAL_ERROR
    ├── StoreUnavailableError           TEMPORARILY_UNAVAILABLE
    ├── LoggingFlushError               DATA_LOSS
    ├── PipelineFailedError             INVALID_STATE
    └── SerializationError              INVALID_PARAMETER_VALUE
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "HTTP_STATUS_BY_ERROR_CODE",
    "AlreadyExistsError",
    "ArtifactPathError",
    "FilterSyntaxError",
    "InvalidArgumentError",
    "InvalidStateError",
    "LoggingFlushError",
    "NotFoundError",
    "PipelineDefinitionError",
    "PipelineFailedError",
    "RunwrightError",
    "SerializationError",
    "StoreSchemaError",
    "StoreUnavailableError",
    "error_class_for_code",
]


class RunwrightError(Exception):
    """Root of every error Runwright raises on purpose."""

    error_code: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def http_status(self) -> int:
        return HTTP_STATUS_BY_ERROR_CODE.get(self.error_code, 500)


class InvalidArgumentError(RunwrightError):
    """A value passed in breaks a rule (length, type, format, state of the target)."""

    error_code = "INVALID_PARAMETER_VALUE"


class FilterSyntaxError(InvalidArgumentError):
    """A search filter or order_by clause that does not parse; says where and why."""

    def __init__(self, message: str, *, text: str = "", position: int | None = None) -> None:
        if position is not None and text:
            message = f"{message} (at character {position + 1} of {text!r})"
        super().__init__(message)
        self.text = text
        self.position = position


class ArtifactPathError(InvalidArgumentError):
    """An artifact path that would escape its run's artifact root."""


class PipelineDefinitionError(InvalidArgumentError):
    """A pipeline that cannot be built: a wrong argument, a missing input, a misused
    handle. The message names the step and the line of the pipeline body."""


class NotFoundError(RunwrightError):
    """The named experiment, run or artifact does not exist."""

    error_code = "RESOURCE_DOES_NOT_EXIST"


class AlreadyExistsError(RunwrightError):
    """A resource with that unique name already exists."""

    error_code = "RESOURCE_ALREADY_EXISTS"


class InvalidStateError(RunwrightError):
    """The operation does not fit the resource's lifecycle stage."""

    error_code = "INVALID_STATE"


class StoreSchemaError(RunwrightError):
    """The database schema is older or newer than this Runwright; run `runwright db upgrade`."""


class StoreUnavailableError(RunwrightError):
    """The database or server behind a tracking URI cannot be reached."""

    error_code = "TEMPORARILY_UNAVAILABLE"


class LoggingFlushError(RunwrightError):
    """Buffered values could not be written; raised on the next call so nothing is lost silently."""

    error_code = "DATA_LOSS"


# MLflow's mapping; note that RESOURCE_ALREADY_EXISTS is a 400, not a 409.
class PipelineFailedError(RunwrightError):
    """Asked for the output of a pipeline run that did not finish."""

    error_code = "INVALID_STATE"


class SerializationError(RunwrightError):
    """A step output that no serialiser could store, or a stored one that cannot be read."""

    error_code = "INVALID_PARAMETER_VALUE"


HTTP_STATUS_BY_ERROR_CODE: dict[str, int] = {
    "INVALID_PARAMETER_VALUE": 400,
    "BAD_REQUEST": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "RESOURCE_CONFLICT": 409,
    "REQUEST_LIMIT_EXCEEDED": 429,
    "INTERNAL_ERROR": 500,
    "INVALID_STATE": 500,
    "DATA_LOSS": 500,
    "NOT_IMPLEMENTED": 501,
    "TEMPORARILY_UNAVAILABLE": 503,
}

_CLASS_BY_CODE: dict[str, type[RunwrightError]] = {
    "INVALID_PARAMETER_VALUE": InvalidArgumentError,
    "BAD_REQUEST": InvalidArgumentError,
    "RESOURCE_DOES_NOT_EXIST": NotFoundError,
    "RESOURCE_ALREADY_EXISTS": AlreadyExistsError,
    "INVALID_STATE": InvalidStateError,
    "DATA_LOSS": LoggingFlushError,
}


def error_class_for_code(error_code: str) -> type[RunwrightError]:
    """The exception class a REST client raises for an error code it received."""
    return _CLASS_BY_CODE.get(error_code, RunwrightError)
