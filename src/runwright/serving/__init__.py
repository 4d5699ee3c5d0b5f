"""Serving models: the scoring server and batch scoring.

    from runwright.serving import ServingConfig, create_app, score_file
    app = create_app(ServingConfig("models:/churn@champion"))    # an ASGI app
    score_file(load_model("models:/churn@champion"), "in.parquet", "out.parquet")

Layout: config (what to serve), targets (URIs, routes and shadow to fixed versions),
payloads (reading a request body: MLflow's scoring protocol), decoding (checked,
mergeable inputs; the response), batching (micro-batches), scoring (one version),
routing (the traffic split), metrics (Prometheus), prediction_log (Parquet logs),
service (one request from end to end), openapi, app (the FastAPI routes), files
(batch scoring of Parquet and CSV files in chunks).
"""

from __future__ import annotations

from runwright.serving.app import build_app, create_app
from runwright.serving.config import Route, ServingConfig, parse_route
from runwright.serving.errors import PayloadError, PayloadTooLargeError, UnsupportedMediaTypeError
from runwright.serving.files import ScoredFile, score_file
from runwright.serving.service import VERSION_HEADER, ScoringService

__all__ = [
    "VERSION_HEADER",
    "PayloadError",
    "PayloadTooLargeError",
    "Route",
    "ScoredFile",
    "ScoringService",
    "ServingConfig",
    "UnsupportedMediaTypeError",
    "build_app",
    "create_app",
    "parse_route",
    "score_file",
]
