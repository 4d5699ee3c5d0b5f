"""Run and experiment search statements against real databases: which rows, in which order, paged.

Every test runs on a SQLite file and, where the server binaries exist, on PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import Engine

from runwright.errors import FilterSyntaxError, InvalidArgumentError
from runwright.store.sql.schema import (
    Base,
    DatasetRow,
    ExperimentRow,
    ExperimentTagRow,
    LatestMetricRow,
    ParamRow,
    RunInputRow,
    RunRow,
    TagRow,
)
from runwright.store.sql.search import (
    MAX_RESULTS_LIMIT,
    SearchPlan,
    plan_experiment_search,
    plan_run_search,
)

NAN = math.nan
INF = math.inf


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'search.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'search.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


# --- building data --------------------------------------------------------------------


@dataclass
class RunSpec:
    run_id: str
    start_time: int
    name: str = "run"
    experiment_id: int = 1
    status: str = "FINISHED"
    user_id: str = "alice"
    end_time: int | None = None
    lifecycle_stage: str = "active"
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    # (dataset_id, context)
    inputs: list[tuple[str, str | None]] = field(default_factory=list)


def add_experiments(engine: Engine, *experiments: dict[str, Any]) -> None:
    rows = [
        {
            "artifact_location": f"file:///store/{experiment['experiment_id']}",
            "lifecycle_stage": "active",
            "creation_time": 0,
            "last_update_time": 0,
            **{key: value for key, value in experiment.items() if key != "tags"},
        }
        for experiment in experiments
    ]
    tags = [
        {"experiment_id": experiment["experiment_id"], "key": key, "value": value}
        for experiment in experiments
        for key, value in experiment.get("tags", {}).items()
    ]
    with engine.begin() as connection:
        connection.execute(insert(ExperimentRow), rows)
        if tags:
            connection.execute(insert(ExperimentTagRow), tags)


def add_runs(engine: Engine, runs: Sequence[RunSpec]) -> None:
    run_rows = [
        {
            "run_id": run.run_id,
            "experiment_id": run.experiment_id,
            "name": run.name,
            "user_id": run.user_id,
            "status": run.status,
            "start_time": run.start_time,
            "end_time": run.end_time,
            "lifecycle_stage": run.lifecycle_stage,
            "artifact_uri": f"file:///store/{run.run_id}",
        }
        for run in runs
    ]
    metric_rows = [
        {
            "run_id": run.run_id,
            "key": key,
            "value": 0.0 if math.isnan(value) else value,
            "is_nan": math.isnan(value),
            "timestamp": 0,
            "step": 0,
        }
        for run in runs
        for key, value in run.metrics.items()
    ]
    param_rows = [
        {"run_id": run.run_id, "key": key, "value": value}
        for run in runs
        for key, value in run.params.items()
    ]
    tag_rows = [
        {"run_id": run.run_id, "key": key, "value": value}
        for run in runs
        for key, value in run.tags.items()
    ]
    input_rows = [
        {"run_id": run.run_id, "dataset_id": dataset_id, "tags_json": "{}", "context": context}
        for run in runs
        for dataset_id, context in run.inputs
    ]
    with engine.begin() as connection:
        connection.execute(insert(RunRow), run_rows)
        for table, rows in (
            (LatestMetricRow, metric_rows),
            (ParamRow, param_rows),
            (TagRow, tag_rows),
            (RunInputRow, input_rows),
        ):
            if rows:
                connection.execute(insert(table), rows)


def add_datasets(engine: Engine, *names: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(DatasetRow),
            [
                {
                    "dataset_id": name,
                    "experiment_id": 1,
                    "name": name,
                    "digest": f"d-{name}",
                    "source_type": "local",
                    "source": "{}",
                }
                for name in names
            ],
        )


# --- searching ------------------------------------------------------------------------


def run_page(
    engine: Engine,
    *,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int = 1000,
    page_token: str | None = None,
    experiment_ids: Sequence[int] = (1,),
    stages: Sequence[str] = ("active",),
) -> tuple[list[str], str | None]:
    plan = plan_run_search(
        dialect=engine.dialect.name,
        experiment_ids=experiment_ids,
        lifecycle_stages=stages,
        filter_string=filter_string,
        order_by=order_by,
        max_results=max_results,
        page_token=page_token,
    )
    return _execute(engine, plan)


def experiment_page(
    engine: Engine,
    *,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    max_results: int = 1000,
    page_token: str | None = None,
    stages: Sequence[str] = ("active",),
) -> tuple[list[int], str | None]:
    plan = plan_experiment_search(
        dialect=engine.dialect.name,
        lifecycle_stages=stages,
        filter_string=filter_string,
        order_by=order_by,
        max_results=max_results,
        page_token=page_token,
    )
    return _execute(engine, plan)


def _execute(engine: Engine, plan: SearchPlan[Any]) -> tuple[list[Any], str | None]:
    with engine.connect() as connection:
        rows = connection.execute(plan.statement).all()
    assert len(rows) <= plan.max_results + 1
    return plan.page_ids(rows), plan.next_page_token(rows)


def all_run_pages(engine: Engine, page_size: int, **search: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        ids, token = run_page(engine, max_results=page_size, page_token=token, **search)
        pages.append(ids)
        if token is None:
            return pages
        assert len(pages) < 10_000, "paging does not end"


# --- filters --------------------------------------------------------------------------


@pytest.fixture
def runs(engine: Engine) -> Engine:
    """Four active runs in experiment 1, a deleted one, and one in experiment 2."""
    add_experiments(engine, {"experiment_id": 1, "name": "main"}, {"experiment_id": 2, "name": "b"})
    add_datasets(engine, "mnist", "cifar")
    add_runs(
        engine,
        [
            RunSpec(
                "r1",
                100,
                name="alpha",
                end_time=150,
                metrics={"acc": 0.9, "loss": 0.1},
                params={"lr": "0.1", "opt": "adam"},
                tags={"team": "vision"},
                inputs=[("mnist", "training"), ("cifar", "eval")],
            ),
            RunSpec(
                "r2",
                200,
                name="Beta",
                status="FAILED",
                user_id="bob",
                metrics={"acc": 0.5, "loss": NAN},
                params={"lr": "0.01", "opt": "sgd"},
                tags={"team": "Vision"},
                inputs=[("mnist", None)],
            ),
            RunSpec(
                "r3",
                300,
                name="gamma_1",
                status="RUNNING",
                metrics={"acc": INF},
                params={"lr": "0.1"},
            ),
            RunSpec(
                "r4",
                400,
                name="gamma%2",
                status="KILLED",
                user_id="carol",
                end_time=450,
                params={"opt": "ADAM"},
                tags={"team": "nlp", "note": "a*b?[c]"},
            ),
            RunSpec("r5", 500, lifecycle_stage="deleted", metrics={"acc": 0.95}),
            RunSpec("r6", 600, experiment_id=2, metrics={"acc": 0.99}),
        ],
    )
    return engine


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        # metrics, with NaN and infinities
        ("metrics.acc > 0.6", ["r3", "r1"]),
        ("metrics.acc >= 0.5", ["r3", "r2", "r1"]),
        ("metrics.acc = 0.5", ["r2"]),
        ("metrics.acc < 1e308", ["r2", "r1"]),
        ("metrics.loss != 0.1", ["r2"]),
        ("metrics.loss >= 0", ["r1"]),
        ("metrics.loss = 0", []),
        # absent keys: a comparison needs the key, its NOT does not
        ("params.opt != 'adam'", ["r4", "r2"]),
        ("NOT params.opt = 'adam'", ["r4", "r3", "r2"]),
        ("params.opt IS NULL", ["r3"]),
        ("tags.team IS NOT NULL", ["r4", "r2", "r1"]),
        # LIKE is case-sensitive, ILIKE is not
        ("params.opt LIKE 'adam'", ["r1"]),
        ("params.opt ILIKE 'adam'", ["r4", "r1"]),
        ("tags.team LIKE 'V%'", ["r2"]),
        ("tags.team ILIKE 'v%'", ["r2", "r1"]),
        ("run_name ILIKE 'BETA'", ["r2"]),
        ("run_name = 'beta'", []),
        # wildcards, escapes, and characters special to GLOB
        ("run_name LIKE 'gamma_%'", ["r4", "r3"]),
        ("run_name LIKE 'gamma\\_%'", ["r3"]),
        ("run_name LIKE 'gamma\\%%'", ["r4"]),
        ("tags.note LIKE 'a*b?[c]'", ["r4"]),
        ("tags.note LIKE 'a_b_[c]'", ["r4"]),
        ("tags.note LIKE '%[c]'", ["r4"]),
        ("tags.note LIKE '*'", []),
        ("tags.note ILIKE 'A*B?[C]'", ["r4"]),
        ("artifact_uri LIKE '%/r1'", ["r1"]),
        # lists
        ("status IN ('RUNNING', 'KILLED')", ["r4", "r3"]),
        ("status NOT IN ('FINISHED', 'FAILED')", ["r4", "r3"]),
        ("run_id IN ('r1', 'r3', 'r5')", ["r3", "r1"]),
        ("params.lr IN ('0.1')", ["r3", "r1"]),
        ("params.lr NOT IN ('0.1')", ["r2"]),
        # numeric attributes; a missing end_time matches no comparison, so it matches the NOT
        ("user_id = 'alice' AND start_time > 150", ["r3"]),
        ("created >= 200 AND created < 400", ["r3", "r2"]),
        ("end_time > 0", ["r4", "r1"]),
        ("end_time != 150", ["r4"]),
        ("NOT end_time > 200", ["r3", "r2", "r1"]),
        ("`run name` = 'Beta'", ["r2"]),
        ("lifecycle_stage = 'active'", ["r4", "r3", "r2", "r1"]),
        # datasets
        ("datasets.name = 'mnist'", ["r2", "r1"]),
        ("datasets.context = 'eval'", ["r1"]),
        ("datasets.context IN ('training', 'test')", ["r1"]),
        ("datasets.digest = 'd-cifar'", ["r1"]),
        ("NOT datasets.name = 'cifar'", ["r4", "r3", "r2"]),
        # OR, NOT and parentheses
        ("metrics.acc > 0.8 OR tags.team = 'nlp'", ["r4", "r3", "r1"]),
        (
            "(metrics.acc > 0.8 OR params.opt = 'sgd') AND NOT tags.team = 'vision'",
            ["r3", "r2"],
        ),
        ("NOT (params.opt = 'adam' OR params.opt = 'sgd')", ["r4", "r3"]),
        (None, ["r4", "r3", "r2", "r1"]),
    ],
)
def test_filter_selects_the_matching_runs(
    runs: Engine, filter_string: str | None, expected: list[str]
) -> None:
    ids, token = run_page(runs, filter_string=filter_string)
    assert ids == expected
    assert token is None


@pytest.mark.parametrize(
    ("experiment_ids", "stages", "expected"),
    [
        ((1, 2), ("active",), ["r6", "r4", "r3", "r2", "r1"]),
        ((1,), ("deleted",), ["r5"]),
        ((1,), ("active", "deleted"), ["r5", "r4", "r3", "r2", "r1"]),
        ((), ("active",), []),
    ],
)
def test_search_covers_only_the_given_experiments_and_stages(
    runs: Engine, experiment_ids: tuple[int, ...], stages: tuple[str, ...], expected: list[str]
) -> None:
    ids, _ = run_page(runs, experiment_ids=experiment_ids, stages=stages)
    assert ids == expected


def test_filter_values_are_bound_parameters(runs: Engine) -> None:
    hostile = "x'; DROP TABLE runs; --"
    plan = plan_run_search(
        dialect=runs.dialect.name,
        experiment_ids=[1],
        lifecycle_stages=["active"],
        filter_string=f"tags.team = '{hostile.replace(chr(39), chr(39) * 2)}'",
        order_by=None,
        max_results=10,
        page_token=None,
    )
    with runs.connect() as connection:
        rows = connection.execute(plan.statement).all()
        remaining = connection.execute(select(func.count()).select_from(RunRow)).scalar_one()
    assert "DROP TABLE" not in str(plan.statement)
    assert rows == []
    assert remaining == 6


def test_bad_filter_raises_filter_syntax_error(runs: Engine) -> None:
    with pytest.raises(FilterSyntaxError, match="metric values must be numbers"):
        run_page(runs, filter_string="metrics.acc > 'high'")


# --- order ----------------------------------------------------------------------------


@pytest.fixture
def ordered(engine: Engine) -> Engine:
    """Six runs whose metric, param, tag and end_time have ties, NaN, infinities and gaps."""
    add_experiments(engine, {"experiment_id": 1, "name": "main"})
    add_runs(
        engine,
        [
            RunSpec("o1", 10, name="delta", end_time=5, metrics={"m": 1.0}, params={"p": "b"}),
            RunSpec(
                "o2", 20, name="alpha", metrics={"m": -INF}, params={"p": "a"}, tags={"t": "x"}
            ),
            RunSpec("o3", 30, name="charlie", end_time=1, metrics={"m": NAN}, tags={"t": "y"}),
            RunSpec("o4", 40, name="bravo", end_time=7, params={"p": "c"}),
            RunSpec("o5", 50, name="echo", metrics={"m": INF}, params={"p": "a"}),
            RunSpec("o6", 60, name="alpha", end_time=3, metrics={"m": 1.0}),
        ],
    )
    return engine


ORDERINGS = [
    # numbers ascending, NaN after them, missing last; ties by start_time DESC
    (["metrics.m"], ["o2", "o6", "o1", "o5", "o3", "o4"]),
    (["metrics.m DESC"], ["o5", "o6", "o1", "o2", "o3", "o4"]),
    (["params.p"], ["o5", "o2", "o1", "o4", "o6", "o3"]),
    (["params.p DESC"], ["o4", "o1", "o5", "o2", "o6", "o3"]),
    (["tags.t DESC"], ["o3", "o2", "o6", "o5", "o4", "o1"]),
    (["end_time"], ["o3", "o6", "o1", "o4", "o5", "o2"]),
    (["end_time DESC"], ["o4", "o1", "o6", "o3", "o5", "o2"]),
    (["run_name"], ["o6", "o2", "o4", "o3", "o1", "o5"]),
    (["start_time ASC"], ["o1", "o2", "o3", "o4", "o5", "o6"]),
    (["run_id DESC"], ["o6", "o5", "o4", "o3", "o2", "o1"]),
    (["params.p", "metrics.m DESC"], ["o5", "o2", "o1", "o4", "o6", "o3"]),
    (None, ["o6", "o5", "o4", "o3", "o2", "o1"]),
]


@pytest.mark.parametrize(("order_by", "expected"), ORDERINGS)
def test_order_by_sorts_missing_values_last(
    ordered: Engine, order_by: list[str] | None, expected: list[str]
) -> None:
    ids, _ = run_page(ordered, order_by=order_by)
    assert ids == expected


@pytest.mark.parametrize("page_size", [1, 4])
@pytest.mark.parametrize(("order_by", "expected"), ORDERINGS)
def test_pages_together_give_every_run_once_in_order(
    ordered: Engine, order_by: list[str] | None, expected: list[str], page_size: int
) -> None:
    pages = all_run_pages(ordered, page_size, order_by=order_by)
    assert [run_id for page in pages for run_id in page] == expected
    assert all(len(page) == page_size for page in pages[:-1])


def test_filtered_pages_continue_the_same_filter(ordered: Engine) -> None:
    pages = all_run_pages(ordered, 2, filter_string="metrics.m > -1", order_by=["metrics.m"])
    assert pages == [["o6", "o1"], ["o5"]]


def test_last_full_page_has_no_token(ordered: Engine) -> None:
    first, token = run_page(ordered, max_results=3)
    second, last_token = run_page(ordered, max_results=3, page_token=token)
    assert (first, second) == (["o6", "o5", "o4"], ["o3", "o2", "o1"])
    assert token is not None
    assert last_token is None


def test_runs_created_while_paging_do_not_shift_later_pages(ordered: Engine) -> None:
    first, token = run_page(ordered, max_results=2)
    add_runs(ordered, [RunSpec("o7", 70), RunSpec("o8", 55)])
    second, _ = run_page(ordered, max_results=10, page_token=token)
    assert first == ["o6", "o5"]
    assert second == ["o4", "o3", "o2", "o1"]


# --- page tokens and limits -----------------------------------------------------------


def test_token_of_another_query_is_refused(ordered: Engine) -> None:
    _, token = run_page(ordered, max_results=2, order_by=["metrics.m"])
    with pytest.raises(InvalidArgumentError, match="belongs to another search"):
        run_page(ordered, max_results=2, order_by=["metrics.m DESC"], page_token=token)
    with pytest.raises(InvalidArgumentError, match="belongs to another search"):
        run_page(
            ordered, max_results=2, order_by=["metrics.m"], page_token=token, experiment_ids=(2,)
        )


def _token(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "not a token",
        "!!!!",
        _token([1, 2]),
        _token({"v": 1}),
        _token({"v": 99, "q": "x", "k": []}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_garbage_token_is_refused(ordered: Engine, token: str) -> None:
    with pytest.raises(InvalidArgumentError, match="invalid page token"):
        run_page(ordered, page_token=token)


def test_token_with_wrong_value_types_is_refused(ordered: Engine) -> None:
    _, token = run_page(ordered, max_results=2)
    assert token is not None
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    payload["k"] = ["not a time", "o5"]
    with pytest.raises(InvalidArgumentError, match="invalid page token"):
        run_page(ordered, max_results=2, page_token=_token(payload))


@pytest.mark.parametrize("max_results", [0, -1, MAX_RESULTS_LIMIT + 1, True])
def test_max_results_out_of_range_is_refused(max_results: int) -> None:
    with pytest.raises(InvalidArgumentError, match="max_results"):
        plan_run_search(
            dialect="sqlite",
            experiment_ids=[1],
            lifecycle_stages=["active"],
            filter_string=None,
            order_by=None,
            max_results=max_results,
            page_token=None,
        )


def test_max_results_at_the_limit_is_accepted(ordered: Engine) -> None:
    ids, token = run_page(ordered, max_results=MAX_RESULTS_LIMIT)
    assert len(ids) == 6
    assert token is None


# --- experiments ----------------------------------------------------------------------


@pytest.fixture
def experiments(engine: Engine) -> Engine:
    add_experiments(
        engine,
        {
            "experiment_id": 1,
            "name": "main",
            "creation_time": 100,
            "last_update_time": 500,
            "tags": {"team": "ml"},
        },
        {
            "experiment_id": 2,
            "name": "other",
            "creation_time": 200,
            "last_update_time": 300,
            "tags": {"team": "ML"},
        },
        {
            "experiment_id": 3,
            "name": "archive",
            "creation_time": 300,
            "last_update_time": 300,
            "lifecycle_stage": "deleted",
        },
        {"experiment_id": 4, "name": "main-2", "creation_time": 400, "last_update_time": 400},
        {"experiment_id": 5, "name": "Main_3", "creation_time": 100, "last_update_time": 100},
    )
    return engine


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        (None, [4, 2, 1, 5]),
        ("name LIKE 'main%'", [4, 1]),
        ("name ILIKE 'main%'", [4, 1, 5]),
        ("name LIKE 'main\\_%'", []),
        ("name ILIKE 'main\\_%'", [5]),
        ("name = 'other'", [2]),
        ("name IN ('other', 'main')", [2, 1]),
        ("tags.team = 'ml'", [1]),
        ("tags.team ILIKE 'ml'", [2, 1]),
        ("tags.team IS NULL", [4, 5]),
        ("creation_time > 150 AND NOT name = 'other'", [4]),
        ("last_update_time <= 300 OR tags.team LIKE 'm%'", [2, 1, 5]),
    ],
)
def test_experiment_filter_selects_the_matching_experiments(
    experiments: Engine, filter_string: str | None, expected: list[int]
) -> None:
    ids, _ = experiment_page(experiments, filter_string=filter_string)
    assert ids == expected


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["experiment_id DESC"], [5, 4, 2, 1]),
        (["last_update_time"], [5, 2, 4, 1]),
        (["creation_time", "name DESC"], [1, 5, 2, 4]),
        (["creation_time"], [1, 5, 2, 4]),
    ],
)
def test_experiment_order_by(experiments: Engine, order_by: list[str], expected: list[int]) -> None:
    ids, _ = experiment_page(experiments, order_by=order_by)
    assert ids == expected


def test_experiment_pages_together_give_every_experiment_once(experiments: Engine) -> None:
    collected: list[int] = []
    token: str | None = None
    for _ in range(10):
        ids, token = experiment_page(experiments, max_results=1, page_token=token)
        collected.extend(ids)
        if token is None:
            break
    assert collected == [4, 2, 1, 5]
    assert token is None


def test_experiment_search_covers_the_given_stages(experiments: Engine) -> None:
    ids, _ = experiment_page(experiments, stages=("deleted",))
    assert ids == [3]


def test_run_token_is_refused_for_experiments(experiments: Engine) -> None:
    add_runs(experiments, [RunSpec("a", 1), RunSpec("b", 2)])
    _, token = run_page(experiments, max_results=1)
    with pytest.raises(InvalidArgumentError, match="belongs to another search"):
        experiment_page(experiments, page_token=token)


# --- a large table --------------------------------------------------------------------


def _expected_order(specs: Sequence[RunSpec]) -> list[str]:
    def matches(run: RunSpec) -> bool:
        m1 = run.metrics.get("m1", NAN)
        return not math.isnan(m1) and m1 > 0.5 and run.params.get("p1") == "x"

    def key(run: RunSpec) -> tuple[int, float, int, str]:
        m2 = run.metrics.get("m2")
        if m2 is None:
            return (2, 0.0, -run.start_time, run.run_id)
        if math.isnan(m2):
            return (1, 0.0, -run.start_time, run.run_id)
        return (0, -m2, -run.start_time, run.run_id)

    return [run.run_id for run in sorted(filter(matches, specs), key=key)]


def test_pages_over_ten_thousand_runs_cover_every_match_once_in_order(
    sqlite_engine: Engine,
) -> None:
    rng = random.Random(20240501)
    specs = []
    for index in range(10_000):
        metrics = {f"m{k}": round(rng.random(), 3) for k in range(5)}
        if index % 37 == 0:
            del metrics["m2"]
        if index % 53 == 0:
            metrics["m2"] = NAN
        if index % 61 == 0:
            metrics["m1"] = NAN
        specs.append(
            RunSpec(
                f"{rng.getrandbits(128):032x}",
                # Few distinct start times, so ties reach the run_id tie-breaker.
                start_time=rng.randrange(50),
                metrics=metrics,
                params={f"p{k}": rng.choice("xyz") for k in range(5)},
                tags={f"t{k}": rng.choice("ab") for k in range(2)},
            )
        )
    add_experiments(sqlite_engine, {"experiment_id": 1, "name": "main"})
    add_runs(sqlite_engine, specs)
    expected = _expected_order(specs)

    pages = all_run_pages(
        sqlite_engine,
        100,
        filter_string="metrics.m1 > 0.5 and params.p1 = 'x'",
        order_by=["metrics.m2 DESC"],
    )

    assert [run_id for page in pages for run_id in page] == expected
    assert [len(page) for page in pages[:-1]] == [100] * (len(pages) - 1)
    assert len(pages) == math.ceil(len(expected) / 100)
