"""What the pipeline workloads do, shared by the Runwright and the Prefect worker.

Standard library at import time (scikit-learn only inside the functions that use it),
so that both workers, each in its own environment, decorate exactly these functions
and the plain-Python baseline calls exactly these functions. A worker is run as
``python pipelines_<tool>.py WORKLOAD --root DIR --params JSON`` and prints one line
``RESULT {json}`` (see `shapes.run_worker`).

The "no-op" steps add one to their input: a step whose input never changed would be
served from the cache after its first call by both tools (each keys its cache on the
inputs), so a chain or fan of true no-ops would not run its steps at all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CALLS",
    "LAUNCHED_AT",
    "RUNWRIGHT_PRELOAD",
    "WORKLOADS",
    "Sizes",
    "add_one",
    "evaluate",
    "expected_output",
    "load_data",
    "plain",
    "preload",
    "split",
    "startup_seconds",
    "step_count",
    "timed_run",
    "total",
    "train",
]

WORKLOADS = ("single", "chain", "fan", "sklearn")

#: The environment variable that carries the parent's wall clock at launch.
LAUNCHED_AT = "BENCH_LAUNCHED_AT"

#: What the Runwright worker imports before the clock (its pipeline engine and storage
#: layer, which `import runwright` defers to first use), as `import prefect` is before
#: Prefect's; the import timing in bench/pipelines.py imports the same.
RUNWRIGHT_PRELOAD = (
    "sqlite3",  # the embedded store's database driver
    "runwright",
    "runwright.pipelines.driver",
    "runwright.pipelines.session",
    "runwright.pipelines.executors.inline",
    "runwright.pipelines.executors.local",
    "runwright.store.registry",
    "runwright.store.sql.factory",
    "runwright.store.sql.step_journal",
)

#: Names of the functions below, appended at each call: the in-process count of steps
#: that really ran (a list append is atomic under the GIL, so threads may share it).
CALLS: list[str] = []


@dataclass(frozen=True, slots=True)
class Sizes:
    chain_steps: int
    fan_items: int


FULL = Sizes(chain_steps=100, fan_items=1000)
QUICK = Sizes(chain_steps=20, fan_items=100)


# -- the steps -----------------------------------------------------------------------------


def add_one(x: int) -> int:
    CALLS.append("add_one")
    return x + 1


def total(xs: list[int]) -> int:
    CALLS.append("total")
    return sum(xs)


def load_data() -> dict[str, Any]:
    from sklearn.datasets import load_breast_cancer

    CALLS.append("load_data")
    x, y = load_breast_cancer(return_X_y=True)
    return {"x": x, "y": y}


def split(data: dict[str, Any]) -> dict[str, Any]:
    from sklearn.model_selection import train_test_split

    CALLS.append("split")
    x_train, x_test, y_train, y_test = train_test_split(
        data["x"], data["y"], test_size=0.25, random_state=0, stratify=data["y"]
    )
    return {"x_train": x_train, "x_test": x_test, "y_train": y_train, "y_test": y_test}


def train(parts: dict[str, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    CALLS.append("train")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return model.fit(parts["x_train"], parts["y_train"])


def evaluate(model: Any, parts: dict[str, Any]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, roc_auc_score

    CALLS.append("evaluate")
    scores = model.predict_proba(parts["x_test"])[:, 1]
    return {
        "accuracy": round(float(accuracy_score(parts["y_test"], scores > 0.5)), 6),
        "roc_auc": round(float(roc_auc_score(parts["y_test"], scores)), 6),
    }


def preload(workload: str) -> None:
    """Import what the steps import, before the clock starts: the same for every tool
    and the baseline (worker processes of a process-based executor import it again)."""
    if workload == "sklearn":
        import sklearn.datasets
        import sklearn.linear_model
        import sklearn.metrics
        import sklearn.model_selection
        import sklearn.pipeline
        import sklearn.preprocessing  # noqa: F401


# -- sizes and answers ---------------------------------------------------------------------


def step_count(workload: str, size: int) -> int:
    """Steps in one run: `size` is the chain's length or the fan's width."""
    return {"single": 1, "chain": size, "fan": size + 1, "sklearn": 4}[workload]


def expected_output(workload: str, size: int) -> Any:
    """The pipeline's return value, where it is known without running it."""
    if workload == "single":
        return 1
    if workload == "chain":
        return size
    if workload == "fan":
        return sum(range(1, size + 1))
    return None


def plain(workload: str, size: int) -> Any:
    """The workload as plain Python: the same functions called directly, in order."""
    if workload == "single":
        return add_one(0)
    if workload == "chain":
        x = 0
        for _ in range(size):
            x = add_one(x)
        return x
    if workload == "fan":
        return total([add_one(x) for x in range(size)])
    parts = split(load_data())
    return evaluate(train(parts), parts)


# -- timing --------------------------------------------------------------------------------


def startup_seconds() -> float | None:
    """Wall time from the parent launching this process until now (None if unknown)."""
    launched = os.environ.get(LAUNCHED_AT)
    return time.time() - float(launched) if launched else None


def timed_run(workload: str, run: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """`run()` timed from just before the call to just after it returns, after the
    step functions' own imports; and the startup before it (interpreter + imports)."""
    preload(workload)
    CALLS.clear()
    startup = startup_seconds()
    began = time.perf_counter()
    returned = run()
    wall = time.perf_counter() - began
    return returned, {"wall_seconds": wall, "startup_seconds": startup}
