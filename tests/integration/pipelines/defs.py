"""Steps and pipelines the pipeline tests run; importable, so worker processes find them.

Steps note each execution in a journal file (passed as a parameter: worker processes
do not share the test's memory), so tests can count what really ran.
"""

from __future__ import annotations

import time
from pathlib import Path

import runwright as rw


def note(journal: str, entry: str) -> None:
    with open(journal, "a", encoding="utf-8") as stream:
        stream.write(entry + "\n")


def executions(journal: str | Path) -> list[str]:
    path = Path(journal)
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def scale(value: float) -> float:
    return value * 2


@rw.step
def load(journal: str, n: int) -> list[int]:
    note(journal, "load")
    print(f"loading {n} rows")
    return list(range(n))


@rw.step
def train(journal: str, data: list[int], c: float) -> float:
    note(journal, f"train:{c}")
    rw.log_metric("train_score", c * len(data))
    return scale(c) * sum(data)


@rw.step
def pick(journal: str, scores: list[float]) -> dict[str, float]:
    note(journal, "pick")
    return {"best": max(scores), "count": float(len(scores))}


@rw.pipeline
def training(journal: str, n: int = 5, cs: list[float] = [0.1, 1.0, 10.0]):  # noqa: B006
    data = load(journal, n)
    scores = train.map(journal=journal, data=data, c=cs)
    return pick(journal, scores)


@rw.step(retries=2, retry_delay=0.01)
def flaky(journal: str, fail_times: int) -> str:
    note(journal, "flaky")
    if len(executions(journal)) <= fail_times:
        raise RuntimeError("not yet")
    return "ok"


@rw.pipeline
def retrying(journal: str, fail_times: int = 2):
    return flaky(journal, fail_times)


@rw.step
def explode(journal: str, data: list[int]) -> int:
    note(journal, "explode")
    raise ValueError("boom in explode")


@rw.step
def slow_branch(journal: str, data: list[int], seconds: float) -> int:
    time.sleep(seconds)
    note(journal, "slow_branch")
    return len(data)


@rw.step
def after_explode(journal: str, value: int) -> int:
    note(journal, "after_explode")
    return value


@rw.pipeline
def failing(journal: str, seconds: float = 0.0):
    data = load(journal, 3)
    broken = explode(journal, data)
    independent = slow_branch(journal, data, seconds)
    return after_explode(journal, broken), independent


@rw.step(timeout=1.0)
def sleepy(journal: str, seconds: float) -> str:
    note(journal, "sleepy")
    time.sleep(seconds)
    return "woke"


@rw.pipeline
def sleeping(journal: str, seconds: float = 30.0):
    return sleepy(journal, seconds)


@rw.step(timeout=1.0)
def spinning(journal: str, seconds: float) -> str:
    """Busy in Python code, which a timeout can stop in any thread."""
    note(journal, "spinning")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "spun"


@rw.pipeline
def spinning_pipeline(journal: str, seconds: float = 30.0):
    return spinning(journal, seconds)


@rw.step
def gate(journal: str, data: list[int], hold_file: str) -> int:
    """Blocks while ``hold_file`` exists, after saying so: how tests kill a driver mid-run."""
    note(journal, "gate")
    if Path(hold_file).exists():
        Path(hold_file + ".started").touch()
        time.sleep(120)
    return sum(data)


@rw.pipeline
def gated(journal: str, hold_file: str):
    data = load(journal, 4)
    total = gate(journal, data, hold_file)
    return pick(journal, [total])


# -- a .map over lists computed at run time ----------------------------------------------


@rw.step
def make_items(journal: str, n: int) -> list[int]:
    note(journal, "make_items")
    return [10 * i for i in range(n)]


@rw.step
def square(journal: str, x: int, fail_on: int = -1, fail_while: str = "") -> int:
    """Fails for ``x == fail_on`` (while the file ``fail_while`` exists, if one is named)."""
    note(journal, f"square:{x}")
    if x == fail_on and (not fail_while or Path(fail_while).exists()):
        raise ValueError(f"square refuses {x}")
    return x * x


@rw.step
def halve(journal: str, x: int, everything: list[int] | None = None) -> float:
    note(journal, f"halve:{x}")
    return x / 2 + (len(everything) if everything else 0)


@rw.step
def total(journal: str, values: list[float]) -> float:
    note(journal, "total")
    return sum(values)


@rw.pipeline
def dynamic(journal: str, n: int = 3, fail_on: int = -1, fail_while: str = ""):
    items = make_items(journal, n)
    squares = square.map(
        journal=journal, x=rw.mapped(items), fail_on=fail_on, fail_while=fail_while
    )
    halves = halve.map(journal=journal, x=squares)  # a map over a run-time map
    return total(journal, halves)  # fan-in: the list of the branches' results


@rw.pipeline
def dynamic_list(journal: str, n: int = 3):
    return square.map(journal=journal, x=rw.mapped(make_items(journal, n)))


@rw.pipeline
def dynamic_shared(journal: str, n: int = 3):
    squares = square.map(journal=journal, x=rw.mapped(make_items(journal, n)))
    return halve.map(journal=journal, x=squares, everything=rw.unmapped(squares))


@rw.pipeline
def dynamic_uneven(journal: str, n: int = 3):
    return square.map(journal=journal, x=rw.mapped(make_items(journal, n)), fail_on=[1, 2])


@rw.pipeline
def dynamic_not_a_list(journal: str):
    data = load(journal, 2)
    return halve.map(journal=journal, x=rw.mapped(pick(journal, data)))


@rw.step(outputs=("evens", "odds"))
def split_parity(journal: str, n: int) -> tuple[list[int], list[int]]:
    note(journal, "split_parity")
    return [i for i in range(n) if i % 2 == 0], [i for i in range(n) if i % 2]


@rw.pipeline
def dynamic_parts(journal: str, n: int = 5):
    evens, odds = split_parity(journal, n)
    return square.map(journal=journal, x=rw.mapped(odds)), evens


@rw.step
def chunked(journal: str, n: int) -> list[list[int]]:
    note(journal, "chunked")
    return [[i, i + 1] for i in range(0, n, 2)]


@rw.pipeline
def gated_map(journal: str, hold_file: str):
    totals = gate.map(journal=journal, data=rw.mapped(chunked(journal, 4)), hold_file=hold_file)
    return pick(journal, totals)
