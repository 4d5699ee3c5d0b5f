"""The scoring service behind the HTTP routes: loads the served versions, answers a
scoring request (route, read, decode, score, shadow, log, count) and shuts down."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runwright.errors import RunwrightError
from runwright.serving.config import ServingConfig
from runwright.serving.decoding import ModelInput, encode_predictions
from runwright.serving.errors import PayloadError, PayloadTooLargeError, error_kind
from runwright.serving.metrics import ServingMetrics
from runwright.serving.payloads import Payload, media_type, parse_payload
from runwright.serving.prediction_log import PredictionLog
from runwright.serving.routing import Router
from runwright.serving.scoring import VersionScorer
from runwright.serving.targets import PRIMARY, SHADOW, Target, resolve_targets

if TYPE_CHECKING:
    from runwright.tracking.client import Client

__all__ = ["REQUEST_ID_HEADER", "VERSION_HEADER", "Answer", "ScoringService"]

log = logging.getLogger("runwright.serving")

VERSION_HEADER = "X-Runwright-Model-Version"
REQUEST_ID_HEADER = "X-Request-Id"
_SHUTDOWN_GRACE = 30.0


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer to a scoring request."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class ScoringService:
    """The served versions and everything shared across requests."""

    def __init__(
        self,
        config: ServingConfig,
        scorers: Mapping[str, VersionScorer],
        router: Router,
        shadow: VersionScorer | None,
        *,
        metrics: ServingMetrics,
        predictions: PredictionLog | None,
        executor: ThreadPoolExecutor,
        client: Client | None,
    ) -> None:
        self.config = config
        self.scorers = dict(scorers)
        self.router = router
        self.shadow = shadow
        self.metrics = metrics
        self.predictions = predictions
        self._executor = executor
        self._client = client
        self._background: set[asyncio.Task[None]] = set()

    @classmethod
    def open(
        cls,
        config: ServingConfig,
        *,
        client: Client | None = None,
        metrics: ServingMetrics | None = None,
    ) -> ScoringService:
        """Resolve and load the served versions (the slow part of a server's start)."""
        from runwright.models import load_model
        from runwright.tracking.client import Client

        owned = client is None
        client = client or Client(config.tracking_uri)
        try:
            targets, shadow_target = resolve_targets(config, client)
            metrics = metrics or ServingMetrics()
            executor = ThreadPoolExecutor(config.predict_threads, thread_name_prefix="predict")

            def scorer(target: Target) -> VersionScorer:
                model = load_model(target.model_uri, client=client)
                batching = model.batchable if config.batching is None else config.batching
                return VersionScorer(
                    target,
                    model,
                    executor=executor,
                    metrics=metrics,
                    batching=batching and config.max_batch_size > 1,
                    max_rows=config.max_batch_size,
                    max_wait=config.max_wait_ms / 1000.0,
                )

            scorers = {t.label: scorer(t) for t in targets}
            shadow = None if shadow_target is None else scorer(shadow_target)
            predictions = None
            if config.log_predictions > 0:
                store = client.store
                root = store.default_artifact_root
                predictions = PredictionLog(
                    lambda: store.artifact_repository(root),
                    rate=config.log_predictions,
                    seed=config.seed,
                    flush_rows=config.log_flush_rows,
                    flush_seconds=config.log_flush_seconds,
                )
        except BaseException:
            if owned:
                client.close()
            raise
        return cls(
            config,
            scorers,
            Router(targets, seed=config.seed),
            shadow,
            metrics=metrics,
            predictions=predictions,
            executor=executor,
            client=client if owned else None,
        )

    @property
    def primary(self) -> VersionScorer:
        """The version with the largest share of the traffic (its signature is the API's)."""
        best = max(self.router.targets, key=lambda t: t.weight)
        return self.scorers[best.label]

    # -- one request ----------------------------------------------------------------------

    async def invoke(
        self,
        content_type: str | None,
        content_length: str | None,
        body: AsyncIterator[bytes],
        request_id: str | None = None,
    ) -> Answer:
        started = time.perf_counter()
        scorer = self.scorers[self.router.pick().label]
        request_id = request_id or uuid.uuid4().hex
        headers = {VERSION_HEADER: scorer.target.label, REQUEST_ID_HEADER: request_id}
        payload: Payload | None = None
        try:
            with scorer.arriving():
                kind = media_type(content_type)
                raw = await _read_body(body, content_length, self.config.max_body_bytes)
                payload = parse_payload(raw, kind)
                item = scorer.decode(payload)
            output = await scorer.score(item)
            content = encode_predictions(output)
            status = 200
        except RunwrightError as exc:
            status = exc.http_status
            content = _error_body(exc.error_code, exc.message)
            self.metrics.errors.labels(error_kind(exc)).inc()
        except Exception as exc:
            log.exception("scoring request %s failed", request_id)
            status = 500
            content = _error_body("INTERNAL_ERROR", f"Internal error: {type(exc).__name__}")
            self.metrics.errors.labels("internal").inc()
        else:
            self.metrics.predictions.labels(scorer.target.label, PRIMARY).inc(item.rows)
            logged = self.predictions is not None and self.predictions.sampled()
            if logged:
                self._log(request_id, scorer.target, PRIMARY, item, output)
            if self.shadow is not None and payload is not None:
                self._spawn(self._score_shadow(payload, request_id, logged))
        self.metrics.requests.labels(str(status)).inc()
        self.metrics.latency.observe(time.perf_counter() - started)
        return Answer(status, content, headers)

    def _log(
        self, request_id: str, target: Target, role: str, item: ModelInput, output: Any
    ) -> None:
        assert self.predictions is not None
        self.predictions.record(
            request_id=request_id,
            model=target.model_name,
            version=target.label,
            role=role,
            inputs=item,
            output=output,
        )

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _score_shadow(self, payload: Payload, request_id: str, logged: bool) -> None:
        shadow = self.shadow
        assert shadow is not None
        try:
            item = shadow.decode(payload)
            output = await shadow.score(item)
        except Exception as exc:
            self.metrics.errors.labels(f"shadow_{error_kind(exc)}").inc()
            return
        self.metrics.predictions.labels(shadow.target.label, SHADOW).inc(item.rows)
        if logged:
            self._log(request_id, shadow.target, SHADOW, item, output)

    # -- shutting down --------------------------------------------------------------------

    async def close(self) -> None:
        """Finish shadow scoring, stop the batchers, write the prediction logs."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=_SHUTDOWN_GRACE)
        for scorer in [*self.scorers.values(), *([self.shadow] if self.shadow else [])]:
            await scorer.close()
        try:
            if self.predictions is not None:
                await asyncio.get_running_loop().run_in_executor(None, self.predictions.close)
        finally:
            self._executor.shutdown(wait=False)
            if self._client is not None:
                self._client.close()


async def _read_body(chunks: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes:
    too_large = PayloadTooLargeError(
        f"The request body is larger than the server's limit of {limit:,} bytes"
    )
    if declared is not None:
        try:
            if int(declared) > limit:
                raise too_large
        except ValueError:
            raise PayloadError("The Content-Length header is not a number") from None
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large
        parts.append(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"error_code": code, "message": message}).encode()
