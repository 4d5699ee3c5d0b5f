"""Every error as MLflow's body `{"error_code": ..., "message": ...}`; never a bare 500
for a bad request, never a traceback in a response."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from runwright.errors import RunwrightError

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger("runwright.server")

_CODE_BY_STATUS = {
    404: "ENDPOINT_NOT_FOUND",
    405: "BAD_REQUEST",
    413: "REQUEST_LIMIT_EXCEEDED",
    415: "INVALID_PARAMETER_VALUE",
}


def error_response(status: int, error_code: str, message: str) -> JSONResponse:
    return JSONResponse({"error_code": error_code, "message": message}, status_code=status)


def _describe(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
        field = ".".join(where)
        text = str(error.get("msg", "invalid"))
        if error.get("type") == "missing":
            problems.append(f"Missing value for required parameter '{field}'")
        elif error.get("type") == "json_invalid":
            problems.append(f"Malformed JSON in the request body: {text}")
        elif field:
            problems.append(f"Invalid value for parameter '{field}': {text}")
        else:
            problems.append(text.removeprefix("Value error, "))
    return "; ".join(problems) or "Invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RunwrightError)
    async def _runwright(_: Request, exc: RunwrightError) -> JSONResponse:
        return error_response(exc.http_status, exc.error_code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "INVALID_PARAMETER_VALUE", _describe(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = _CODE_BY_STATUS.get(exc.status_code, "BAD_REQUEST")
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"No endpoint {request.method} {request.url.path}"
        return error_response(exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "INTERNAL_ERROR", f"Internal error: {type(exc).__name__}")
