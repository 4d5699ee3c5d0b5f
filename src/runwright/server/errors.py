"""Every error as MLflow's body `{"error_code": ..., "message": ...}`; never a bare 500
for a bad request, never a traceback in a response."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from runwright.errors import RunwrightError

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger("runwright.server")

_CODE_BY_STATUS = {
    # FastAPI's only 400 of its own: a body that is not UTF-8 JSON.
    400: "INVALID_PARAMETER_VALUE",
    404: "ENDPOINT_NOT_FOUND",
    405: "BAD_REQUEST",
    413: "REQUEST_LIMIT_EXCEEDED",
    415: "INVALID_PARAMETER_VALUE",
}
# Validation errors that mean "the body is not a JSON object" rather than a bad field.
_NOT_AN_OBJECT = frozenset({"model_attributes_type", "model_type", "dict_type"})


def error_response(
    status: int, error_code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error_code": error_code, "message": message}, status_code=status, headers=headers
    )


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _describe(exc: RequestValidationError, content_type: str | None) -> str:
    problems = []
    for error in exc.errors():
        if tuple(error.get("loc", ())) == ("body",) and error.get("type") in _NOT_AN_OBJECT:
            if not _is_json(content_type):
                return f"Content-Type must be application/json, got {content_type or 'none'!r}"
            problems.append("The request body must be a JSON object")
            continue
        if tuple(error.get("loc", ())) == ("body",) and error.get("type") == "missing":
            problems.append("The request has no body; send a JSON object")
            continue
        where = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
        field = ".".join(where)
        text = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if error.get("type") == "missing":
            problems.append(f"Missing value for required parameter '{field}'")
        elif error.get("type") == "json_invalid":
            reason = error.get("ctx", {}).get("error", text)
            problems.append(f"Malformed JSON in the request body at offset {field}: {reason}")
        elif field:
            problems.append(f"Invalid value for parameter '{field}': {text}")
        else:
            problems.append(text)
    return "; ".join(problems) or "Invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RunwrightError)
    async def _runwright(_: Request, exc: RunwrightError) -> JSONResponse:
        return error_response(exc.http_status, exc.error_code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = _describe(exc, request.headers.get("content-type"))
        return error_response(400, "INVALID_PARAMETER_VALUE", message)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = _CODE_BY_STATUS.get(exc.status_code, "BAD_REQUEST")
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"No endpoint {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"Method {request.method} is not allowed on {request.url.path}"
        elif exc.status_code == 400 and message == "There was an error parsing the body":
            message = "The request body is not valid JSON (it must be UTF-8 text)"
        return error_response(exc.status_code, code, message, exc.headers)

    # The request schemas refuse what no store can hold; these are the backstop for
    # values that only the database driver finds it cannot take (a number beyond 64
    # bits in a search filter, say). Logged with the trace, since the check belongs
    # in front of the database.
    async def _refused_value(request: Request, exc: Exception) -> JSONResponse:
        log.warning(
            "database refused a value on %s %s", request.method, request.url.path, exc_info=exc
        )
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        message = f"The database cannot take a value in this request: {reason}"
        return error_response(400, "INVALID_PARAMETER_VALUE", message)

    from sqlalchemy.exc import DataError

    for refused in (DataError, OverflowError, UnicodeEncodeError):
        app.add_exception_handler(refused, _refused_value)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "INTERNAL_ERROR", f"Internal error: {type(exc).__name__}")
