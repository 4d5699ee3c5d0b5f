"""The scoring server's Prometheus metrics (``GET /metrics``).

With several worker processes, prometheus-client's multiprocess mode adds up every
worker's values: the CLI names a folder (``PROMETHEUS_MULTIPROC_DIR``, read by
prometheus-client itself) and passes it here as ``multiprocess_dir``.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

__all__ = ["CONTENT_TYPE", "ServingMetrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
_LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
_ROW_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)
_REQUEST_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128)


class ServingMetrics:
    """Requests by status, latency, errors by kind, batch sizes, rows scored by version."""

    def __init__(self, *, multiprocess_dir: str | None = None) -> None:
        self._multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "runwright_serving_requests",
            "Scoring requests answered, by HTTP status.",
            ["status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "runwright_serving_request_duration_seconds",
            "Time from a scoring request's arrival to its answer.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "runwright_serving_errors",
            "Scoring requests that failed, by kind of error.",
            ["kind"],
            registry=self.registry,
        )
        self.batch_rows = Histogram(
            "runwright_serving_batch_rows",
            "Rows per predict call.",
            buckets=_ROW_BUCKETS,
            registry=self.registry,
        )
        self.batch_requests = Histogram(
            "runwright_serving_batch_requests",
            "Requests merged into one predict call.",
            buckets=_REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "runwright_serving_predictions",
            "Rows scored, by model version and role (primary or shadow).",
            ["version", "role"],
            registry=self.registry,
        )

    def observe_batch(self, rows: int, requests: int) -> None:
        self.batch_rows.observe(rows)
        self.batch_requests.observe(requests)

    def render(self) -> bytes:
        """The text exposition format, summed over worker processes when there are several."""
        if self._multiprocess_dir is None:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined, path=self._multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(combined)
