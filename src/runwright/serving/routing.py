"""The traffic split: which routed version answers a request, by weight."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from itertools import accumulate

from runwright.errors import InvalidArgumentError
from runwright.serving.targets import Target

__all__ = ["Router"]


class Router:
    """Picks a target at random in proportion to its weight; with a ``seed`` the
    sequence of picks is the same on every run."""

    def __init__(self, targets: Sequence[Target], *, seed: int | None = None) -> None:
        chosen = [t for t in targets if t.weight > 0]
        if not chosen:
            raise InvalidArgumentError("no route has a weight above 0")
        self._targets = chosen
        self._bounds = list(accumulate(t.weight for t in chosen))
        self._random = random.Random(seed)

    @property
    def targets(self) -> list[Target]:
        return list(self._targets)

    def pick(self) -> Target:
        if len(self._targets) == 1:
            return self._targets[0]
        point = self._random.random() * self._bounds[-1]
        return self._targets[min(bisect.bisect_right(self._bounds, point), len(self._bounds) - 1)]
