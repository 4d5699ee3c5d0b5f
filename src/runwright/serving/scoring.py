"""One served model version: decoding its requests and scoring them, merged or alone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import Executor
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from runwright.errors import RunwrightError
from runwright.serving.batching import Batcher, Outcome
from runwright.serving.decoding import Decoder, ModelInput, merge, split
from runwright.serving.payloads import Payload

if TYPE_CHECKING:
    from runwright.models import LoadedModel
    from runwright.serving.metrics import ServingMetrics
    from runwright.serving.targets import Target

__all__ = ["ModelFailedError", "VersionScorer"]

log = logging.getLogger("runwright.serving")


class ModelFailedError(RunwrightError):
    """The model raised an error of its own on a request's input. MLflow's scoring
    server answers these with 400 BAD_REQUEST; so does this one."""

    error_code = "BAD_REQUEST"


class VersionScorer:
    """Scores requests with one loaded model version; see :mod:`runwright.serving.batching`."""

    def __init__(
        self,
        target: Target,
        model: LoadedModel,
        *,
        executor: Executor,
        metrics: ServingMetrics,
        batching: bool,
        max_rows: int,
        max_wait: float,
    ) -> None:
        self.target = target
        self.model = model
        self.decoder = Decoder(model.signature)
        self._executor = executor
        self._metrics = metrics
        self._batcher: Batcher[ModelInput] | None = None
        if batching:
            self._batcher = Batcher(
                self.run_cycle, executor=executor, max_rows=max_rows, max_wait=max_wait
            )

    @property
    def batching(self) -> bool:
        return self._batcher is not None

    def arriving(self) -> AbstractContextManager[None]:
        """Wrap the reading and decoding of a request headed here (see Batcher.arriving)."""
        return self._batcher.arriving() if self._batcher is not None else nullcontext()

    def decode(self, payload: Payload) -> ModelInput:
        return self.decoder.decode(payload)

    async def score(self, item: ModelInput) -> Any:
        """The predictions for ``item``, computed in a worker thread."""
        if self._batcher is not None:
            return await self._batcher.submit(item)
        loop = asyncio.get_running_loop()
        (outcome,) = await loop.run_in_executor(self._executor, self.run_cycle, [item])
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    async def close(self) -> None:
        if self._batcher is not None:
            await self._batcher.close()

    # -- in the worker thread -------------------------------------------------------------

    def run_cycle(self, items: Sequence[ModelInput]) -> list[Outcome]:
        """Scores the items of one cycle: those that may merge in one call, the others
        alone. When a merged call fails, its items are scored one by one, so that the
        error falls on the request that caused it only."""
        groups: dict[Any, list[int]] = {}
        alone: list[int] = []
        for index, item in enumerate(items):
            key = item.key
            if key is None:
                alone.append(index)
            else:
                groups.setdefault(key, []).append(index)
        outcomes: list[Outcome | None] = [None] * len(items)
        for indexes in groups.values():
            if len(indexes) == 1:
                alone.append(indexes[0])
                continue
            group = [items[i] for i in indexes]
            parts = self._merged(group)
            if parts is None:
                alone.extend(indexes)
                continue
            for i, part in zip(indexes, parts, strict=True):
                outcomes[i] = Outcome(value=part)
        for index in sorted(alone):
            outcomes[index] = self._alone(items[index])
        return [o if o is not None else Outcome(error=RuntimeError("not scored")) for o in outcomes]

    def _merged(self, group: list[ModelInput]) -> list[Any] | None:
        combined = merge(group)
        try:
            output = self.model.predict(combined.for_predict())
        except Exception:
            return None
        parts = split(output, [item.rows for item in group])
        if parts is not None:
            self._metrics.observe_batch(combined.rows, len(group))
        return parts

    def _alone(self, item: ModelInput) -> Outcome:
        try:
            value = self.model.predict(item.for_predict(), params=item.params)
        except RunwrightError as exc:
            return Outcome(error=exc)
        except Exception as exc:
            log.info("model %s failed on a request", self.target.label, exc_info=True)
            message = (
                "Encountered an unexpected error while evaluating the model: "
                f"{type(exc).__name__}: {exc}"
            )
            return Outcome(error=ModelFailedError(message))
        self._metrics.observe_batch(item.rows, 1)
        return Outcome(value=value)
