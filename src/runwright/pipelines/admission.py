"""Which ready steps the driver may start now, and behind which running step one may
queue: what the running attempts use of the executor's capacity, and how long each
step took when it last ran."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runwright.pipelines.executors.base import Executor, QueuingExecutor
from runwright.pipelines.resources import Resources

if TYPE_CHECKING:
    from runwright.pipelines.node import Step

__all__ = ["QUEUE_BEHIND_SECONDS", "Admission"]

#: A step queues behind another only if that one's step last ran in less than this:
#: queuing saves a worker its wait for the driver, about a millisecond, and a step
#: queued behind a long one could wait long after another worker came free.
QUEUE_BEHIND_SECONDS = 0.05


class Admission:
    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self.queuing = executor if isinstance(executor, QueuingExecutor) else None
        self._in_use = Resources(cpus=0.0, gpus=0.0)
        self._took: dict[str, float] = {}

    def fits(self, need: Resources, *, anything_running: bool) -> bool:
        if not self._executor.limits_concurrency or not anything_running:
            return True  # a step bigger than the machine still runs, alone
        used, capacity = self._in_use, self._executor.capacity()
        return (
            used.cpus + need.cpus <= capacity.cpus
            and used.gpus + need.gpus <= capacity.gpus
            and (
                not capacity.memory_bytes
                or used.memory_bytes + need.memory_bytes <= capacity.memory_bytes
            )
        )

    def may_follow(self, need: Resources, leader: Step[..., Any]) -> bool:
        """Whether a step needing ``need`` may queue behind a running ``leader``: one
        that ran short last time and needs at least as much (taking over its place
        then keeps within what the machine has)."""
        took = self._took.get(leader.name)
        have = leader.options.resources
        return (
            self.queuing is not None
            and took is not None
            and took < QUEUE_BEHIND_SECONDS
            and need.cpus <= have.cpus
            and need.gpus <= have.gpus
            and need.memory_bytes <= have.memory_bytes
        )

    def ran(self, step: Step[..., Any], seconds: float) -> None:
        self._took[step.name] = seconds

    def use(self, need: Resources, sign: int) -> None:
        """Count ``need`` in (+1) or out (-1) of what is in use."""
        used = self._in_use
        self._in_use = Resources(
            cpus=max(0.0, used.cpus + sign * need.cpus),
            gpus=max(0.0, used.gpus + sign * need.gpus),
            memory=max(0, used.memory_bytes + sign * need.memory_bytes),
        )
