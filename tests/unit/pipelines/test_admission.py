"""What the driver may start now, and behind which running step a step may queue."""

from __future__ import annotations

import runwright as rw
from runwright.pipelines.admission import QUEUE_BEHIND_SECONDS, Admission
from runwright.pipelines.executors.inline import InlineExecutor
from runwright.pipelines.executors.local import LocalExecutor


@rw.step
def small() -> int:
    return 1


@rw.step(resources=rw.Resources(cpus=2, memory="1GiB"))
def big() -> int:
    return 2


def test_a_step_fits_while_the_cpus_in_use_leave_room_for_it() -> None:
    admission = Admission(LocalExecutor(max_workers=2))
    admission.use(small.options.resources, +1)
    assert admission.fits(small.options.resources, anything_running=True)
    admission.use(small.options.resources, +1)
    assert not admission.fits(small.options.resources, anything_running=True)
    admission.use(small.options.resources, -1)
    assert admission.fits(small.options.resources, anything_running=True)


def test_a_step_bigger_than_the_machine_fits_when_nothing_runs() -> None:
    admission = Admission(LocalExecutor(max_workers=1))
    assert admission.fits(big.options.resources, anything_running=False)
    assert not admission.fits(big.options.resources, anything_running=True)


def test_a_step_follows_only_a_step_that_ran_short_and_needs_as_much() -> None:
    admission = Admission(LocalExecutor(max_workers=2))
    need = small.options.resources
    assert not admission.may_follow(need, small)  # never ran: no telling how long it takes
    admission.ran(small, QUEUE_BEHIND_SECONDS / 10)
    admission.ran(big, QUEUE_BEHIND_SECONDS / 10)
    assert admission.may_follow(need, small)
    assert admission.may_follow(need, big)
    assert not admission.may_follow(big.options.resources, small)
    admission.ran(small, QUEUE_BEHIND_SECONDS * 2)
    assert not admission.may_follow(need, small)


def test_nothing_follows_on_an_executor_that_cannot_queue() -> None:
    admission = Admission(InlineExecutor())
    admission.ran(small, 0.0)
    assert not admission.may_follow(small.options.resources, small)
