"""HTTP for the REST store: one pooled connection per store, retries, and error bodies
raised back as the matching Runwright exception.

Retried, with exponential backoff and jitter (and the server's ``Retry-After``):

- failures before the server could have handled the request (connection refused or
  timed out, a pooled connection the server had already closed), for every method;
- a read that failed or timed out, for GET only: a POST may be half-way through on the
  server, and repeating a log-batch would append its metric points twice;
- answers 429, 502, 503 and 504 (overloaded, restarting, or a proxy in front of it).

When the retries run out the caller gets a :class:`StoreUnavailableError` that names the
server, so "the server is down" never looks like a bug in the caller's code.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from runwright.errors import (
    InvalidArgumentError,
    RunwrightError,
    StoreUnavailableError,
    error_class_for_code,
)

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "MLFLOW_API",
    "RETRIED_STATUSES",
    "RUNWRIGHT_API",
    "RestTransport",
]

#: MLflow's endpoints, which the mlflow client uses too; and Runwright's own, for what
#: MLflow has no endpoint for.
MLFLOW_API = "/api/2.0/mlflow"
RUNWRIGHT_API = "/api/2.0/runwright"

#: Seconds to wait for an answer; connecting has its own, shorter limit.
DEFAULT_TIMEOUT = 120.0
CONNECT_TIMEOUT = 10.0
#: Retries after the first attempt; waits grow 0.5, 1, 2, 4, 8 s (each ±50 %).
DEFAULT_MAX_RETRIES = 5
DEFAULT_BACKOFF = 0.5
MAX_WAIT = 30.0
RETRIED_STATUSES = frozenset({429, 502, 503, 504})

log = logging.getLogger("runwright.store.rest")

# The server never saw a request that failed this way, so repeating it is always safe.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
)
# The request may have reached the server; only reads are repeated after these.
_MAYBE_HANDLED = (httpx.ReadError, httpx.ReadTimeout)
# What a plain-text error status means, as the MLflow client reads it.
_CODE_BY_STATUS = {400: "BAD_REQUEST", 404: "ENDPOINT_NOT_FOUND"}


class RestTransport:
    """JSON requests to one tracking server, e.g. ``http://host:5000`` or
    ``https://user:secret@host/prefix``; credentials in the URL become HTTP Basic auth."""

    def __init__(
        self,
        server_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`transport` and `sleep` are for tests: a mock transport, a sleep that records."""
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidArgumentError(f"{server_url!r} is not an http:// or https:// server URL")
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port is not None:
            netloc += f":{parts.port}"
        #: The server's URL without credentials, for messages.
        self.url = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        auth = None
        if parts.username is not None:
            auth = httpx.BasicAuth(unquote(parts.username), unquote(parts.password or ""))
        self._client = httpx.Client(
            base_url=self.url,
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            transport=transport,
        )
        self._max_retries = max_retries
        self._backoff = backoff
        self._sleep = sleep

    @property
    def client(self) -> httpx.Client:
        """The connection pool, to share with the server's artifact proxy client."""
        return self._client

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET `path` (absolute, e.g. "/api/2.0/mlflow/runs/get"); lists in `params`
        become repeated keys, as MLflow expects."""
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        return self._send("GET", path, params=query)

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST `body` as JSON; floats must already be finite (see parsing.float_to_json)."""
        return self._send("POST", path, **_json_body(body))

    def close(self) -> None:
        self._client.close()

    def patch(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._send("PATCH", path, **_json_body(body))

    def delete(self, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._send("DELETE", path, **(_json_body(body) if body is not None else {}))

    def _send(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                response = self._client.request(method, path, **options)
            except httpx.TransportError as exc:
                retry = isinstance(exc, _NOT_SENT) or (
                    method == "GET" and isinstance(exc, _MAYBE_HANDLED)
                )
                if not retry or attempt >= self._max_retries:
                    raise self._unreachable(method, path, exc, attempt + 1) from exc
                self._pause(attempt, None, str(exc) or type(exc).__name__, method, path)
                attempt += 1
                continue
            if response.status_code in RETRIED_STATUSES:
                if attempt < self._max_retries:
                    retry_after = response.headers.get("Retry-After")
                    reason = f"{response.status_code} {response.reason_phrase}"
                    self._pause(attempt, retry_after, reason, method, path)
                    attempt += 1
                    continue
                raise self._overloaded(method, path, response, attempt + 1)
            return self._decode(method, path, response)

    def _pause(
        self, attempt: int, retry_after: str | None, reason: str, method: str, path: str
    ) -> None:
        wait = self._wait(attempt, retry_after)
        log.warning(
            "%s %s%s failed (%s); retry %d of %d in %.1f s",
            method,
            self.url,
            path,
            reason,
            attempt + 1,
            self._max_retries,
            wait,
        )
        self._sleep(wait)

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        wait = min(MAX_WAIT, self._backoff * 2.0**attempt)
        wait *= 0.5 + random.random()  # jitter: clients that failed together spread out
        asked = _seconds(retry_after)
        return max(wait, min(asked, MAX_WAIT)) if asked is not None else wait

    def _decode(self, method: str, path: str, response: httpx.Response) -> dict[str, Any]:
        try:
            body = json.loads(response.content) if response.content else {}
        except ValueError:
            body = None
        if response.is_success:
            if not isinstance(body, dict):
                raise RunwrightError(
                    f"{method} {self.url}{path} answered {response.status_code} with a body "
                    f"that is not a JSON object; is {self.url} a tracking server?"
                )
            return body
        if isinstance(body, dict) and isinstance(body.get("error_code"), str):
            code = body["error_code"]
            message = str(body.get("message") or f"{method} {path} failed with {code}")
        else:
            code = _CODE_BY_STATUS.get(response.status_code, "INTERNAL_ERROR")
            text = response.text.strip()[:500] or response.reason_phrase
            message = f"{method} {self.url}{path} answered {response.status_code}: {text}"
        error_class = error_class_for_code(code)
        if error_class is RunwrightError:
            # A code Runwright has no class for (ENDPOINT_NOT_FOUND, PERMISSION_DENIED...):
            # keep the server's code in view.
            message = f"{code}: {message}"
            if code == "ENDPOINT_NOT_FOUND":
                message += f" (is {self.url} a Runwright server of this version?)"
        raise error_class(message)

    def _unreachable(
        self, method: str, path: str, exc: httpx.TransportError, attempts: int
    ) -> StoreUnavailableError:
        reason = str(exc) or type(exc).__name__
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if isinstance(exc, _MAYBE_HANDLED):
            return StoreUnavailableError(
                f"the tracking server at {self.url} did not answer {method} {path}{tries} "
                f"({reason}); the request may or may not have been applied"
            )
        return StoreUnavailableError(
            f"cannot reach the tracking server at {self.url}{tries}: {reason}"
        )

    def _overloaded(
        self, method: str, path: str, response: httpx.Response, attempts: int
    ) -> StoreUnavailableError:
        text = response.text.strip()[:300]
        detail = f": {text}" if text else ""
        return StoreUnavailableError(
            f"the tracking server at {self.url} answered {method} {path} with "
            f"{response.status_code} {response.reason_phrase} {attempts} times{detail}"
        )


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return [_query_value(item) for item in value]
    return value


def _seconds(retry_after: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not retry_after:
        return None
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(retry_after).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _json_body(body: Mapping[str, Any]) -> dict[str, Any]:
    content = json.dumps(body, allow_nan=False, separators=(",", ":")).encode()
    return {"content": content, "headers": {"Content-Type": "application/json"}}
