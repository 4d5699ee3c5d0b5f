"""What runs log, in the SQL store: params, tags, metrics and their history."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from runwright._host import now_ms
from runwright.entities import RUN_NAME_TAG, Metric, PagedList, Param, Tag
from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.store.sql.database import Database
from runwright.store.sql.dialect import upsert
from runwright.store.sql.history import decode_history, encode_chunk
from runwright.store.sql.runs import require_run
from runwright.store.sql.schema import LatestMetricRow, MetricChunkRow, ParamRow, RunRow, TagRow

__all__ = ["SqlLogging"]


class SqlLogging:
    _db: Database

    def log_batch(
        self,
        *,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[Tag] = (),
    ) -> None:
        def work(session: Session) -> None:
            require_run(session, run_id, active=True)
            if params:
                self._write_params(session, run_id, params)
            if tags:
                self._write_tags(session, run_id, tags)
            if metrics:
                self._write_metrics(session, run_id, metrics)
            session.execute(
                update(RunRow).where(RunRow.run_id == run_id).values(heartbeat_time=now_ms())
            )

        self._db.run_write(work)

    def _write_params(self, session: Session, run_id: str, params: Sequence[Param]) -> None:
        wanted: dict[str, str] = {}
        for param in params:
            if wanted.setdefault(param.key, param.value) != param.value:
                raise InvalidArgumentError(
                    f"param {param.key!r} appears twice in one batch with different values"
                )
        session.execute(
            upsert(self._db.dialect, ParamRow, keys=("run_id", "key")),
            [{"run_id": run_id, "key": k, "value": v} for k, v in wanted.items()],
        )
        stored = session.execute(
            select(ParamRow.key, ParamRow.value).where(
                ParamRow.run_id == run_id, ParamRow.key.in_(list(wanted))
            )
        )
        for key, value in stored:
            if value != wanted[key]:
                raise InvalidArgumentError(
                    f"param {key!r} of run {run_id} is already {value!r}; params cannot "
                    f"change (tried {wanted[key]!r})"
                )

    def _write_tags(self, session: Session, run_id: str, tags: Sequence[Tag]) -> None:
        latest = {tag.key: tag.value for tag in tags}
        session.execute(
            upsert(self._db.dialect, TagRow, keys=("run_id", "key"), update=("value",)),
            [{"run_id": run_id, "key": k, "value": v} for k, v in latest.items()],
        )
        if RUN_NAME_TAG in latest:
            session.execute(
                update(RunRow).where(RunRow.run_id == run_id).values(name=latest[RUN_NAME_TAG])
            )

    def _write_metrics(self, session: Session, run_id: str, metrics: Sequence[Metric]) -> None:
        first_key = metrics[0].key
        if all(m.key == first_key for m in metrics):
            by_key = {first_key: list(metrics)}
        else:
            by_key = {}
            for metric in metrics:
                by_key.setdefault(metric.key, []).append(metric)
        session.execute(
            insert(MetricChunkRow), [encode_chunk(run_id, k, ms) for k, ms in by_key.items()]
        )
        session.execute(
            upsert(
                self._db.dialect,
                LatestMetricRow,
                keys=("run_id", "key"),
                update=("value", "is_nan", "timestamp", "step"),
                where=_is_newer,
            ),
            [_latest_row(run_id, ms) for ms in by_key.values()],
        )

    def delete_tag(self, *, run_id: str, key: str) -> None:
        def work(session: Session) -> None:
            require_run(session, run_id, active=True)
            result = session.execute(
                delete(TagRow).where(TagRow.run_id == run_id, TagRow.key == key)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise NotFoundError(f"run {run_id} has no tag {key!r}")

        self._db.run_write(work)

    def get_metric_history(
        self, *, run_id: str, key: str, max_results: int | None, page_token: str | None
    ) -> PagedList[Metric]:
        """Points in (timestamp, step, value) order, as MLflow's server returns them. The
        page token is a position in that order, which appends (with later timestamps) do
        not disturb. Only the page's points become Metric tuples."""
        if max_results is not None and max_results < 1:
            raise InvalidArgumentError(f"max_results must be at least 1, got {max_results}")
        start = 0 if not page_token else _decode_history_token(page_token)
        query = (
            select(MetricChunkRow.steps, MetricChunkRow.timestamps, MetricChunkRow.values)
            .where(MetricChunkRow.run_id == run_id, MetricChunkRow.key == key)
            .order_by(MetricChunkRow.id)
        )
        with self._db.read() as session:
            require_run(session, run_id)
            chunks = [(row[0], row[1], row[2]) for row in session.execute(query)]
        history = decode_history(key, chunks)
        end = len(history) if max_results is None else start + max_results
        token = _encode_history_token(end) if end < len(history) else None
        return PagedList(history.points(start, end), token)


def _latest_row(run_id: str, metrics: Sequence[Metric]) -> dict[str, Any]:
    """The point that a metric's latest value is: greatest (step, timestamp, value)."""
    top_step = max(m.step for m in metrics)
    best = max(
        (m for m in metrics if m.step == top_step),
        key=lambda m: (m.timestamp, 0.0 if m.value != m.value else m.value),
    )
    is_nan = best.value != best.value
    return {
        "run_id": run_id,
        "key": best.key,
        "value": 0.0 if is_nan else best.value,
        "is_nan": is_nan,
        "timestamp": best.timestamp,
        "step": best.step,
    }


def _is_newer(table: Any, excluded: Any) -> ColumnElement[bool]:
    """The (step, timestamp, value) of the incoming point is at least the stored one's."""
    return tuple_(excluded.step, excluded.timestamp, excluded.value) >= tuple_(
        table.step, table.timestamp, table.value
    )


def _encode_history_token(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"position": position}).encode()).decode()


def _decode_history_token(token: str) -> int:
    try:
        position = json.loads(base64.urlsafe_b64decode(token.encode()))["position"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise InvalidArgumentError(f"invalid page token {token!r}") from None
    if not isinstance(position, int) or position < 0:
        raise InvalidArgumentError(f"invalid page token {token!r}")
    return position
