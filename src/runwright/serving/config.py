"""What a scoring server is asked to serve, and how: one frozen object, built by the
CLI (or a test) and handed to every worker process as it is."""

from __future__ import annotations

from dataclasses import dataclass

from runwright.errors import InvalidArgumentError

__all__ = ["DEFAULT_MAX_BODY_BYTES", "Route", "ServingConfig", "parse_route"]

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Route:
    """A share of the traffic for one version of the served model: ``reference`` is an
    alias (``champion``) or a version number (``3``) of the registered model."""

    reference: str
    weight: float

    def __post_init__(self) -> None:
        if not self.reference:
            raise InvalidArgumentError("a route needs an alias or a version")
        if not self.weight >= 0 or self.weight == float("inf"):
            raise InvalidArgumentError(
                f"route {self.reference!r}: the weight must be a number >= 0, got {self.weight}"
            )


def parse_route(text: str) -> Route:
    """``champion=90`` → Route("champion", 90.0)."""
    reference, sep, weight = text.partition("=")
    if not sep or not reference.strip() or not weight.strip():
        raise InvalidArgumentError(f"a route is ALIAS=WEIGHT (e.g. champion=90), got {text!r}")
    try:
        value = float(weight)
    except ValueError:
        raise InvalidArgumentError(
            f"route {text!r}: the weight must be a number, got {weight!r}"
        ) from None
    return Route(reference.strip(), value)


@dataclass(frozen=True, slots=True)
class ServingConfig:
    """A scoring server's configuration.

    ``model_uri`` is any model URI; with ``routes`` or ``shadow`` it names a registered
    model (``models:/churn``, or ``models:/churn@champion`` whose alias then takes all
    the traffic unless routes say otherwise). ``batching`` None means on when the
    model's predictions are row-wise (``LoadedModel.batchable``).
    """

    model_uri: str
    routes: tuple[Route, ...] = ()
    shadow: str | None = None
    batching: bool | None = None
    #: Most rows merged into one ``predict`` call (a larger request is scored alone).
    max_batch_size: int = 4096
    #: Longest a request waits for others to join its batch, while more are arriving.
    max_wait_ms: float = 2.0
    #: Share of requests (0..1) whose inputs and outputs are written to Parquet.
    log_predictions: float = 0.0
    #: Rows buffered before a Parquet part is written (and at least every flush interval).
    log_flush_rows: int = 10_000
    log_flush_seconds: float = 30.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Seed of the traffic split and of the prediction-log sampling (None: random).
    seed: int | None = None
    tracking_uri: str | None = None
    #: Threads that run ``predict``.
    predict_threads: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.model_uri, str) or not self.model_uri.strip():
            raise InvalidArgumentError("serve needs a model URI")
        if self.max_batch_size < 1:
            raise InvalidArgumentError(
                f"max batch size must be at least 1, got {self.max_batch_size}"
            )
        if self.max_wait_ms < 0:
            raise InvalidArgumentError(f"max wait must be >= 0 ms, got {self.max_wait_ms}")
        if not 0.0 <= self.log_predictions <= 1.0:
            raise InvalidArgumentError(
                f"the prediction log rate must be between 0 and 1, got {self.log_predictions}"
            )
        if self.max_body_bytes < 1:
            raise InvalidArgumentError("the body size limit must be at least 1 byte")
        if self.predict_threads < 1:
            raise InvalidArgumentError("predict needs at least one thread")
        if self.routes and sum(r.weight for r in self.routes) <= 0:
            raise InvalidArgumentError("the route weights add up to 0: no route would be taken")
        names = [r.reference for r in self.routes]
        if len(set(names)) != len(names):
            raise InvalidArgumentError(f"a version is routed twice: {', '.join(names)}")
