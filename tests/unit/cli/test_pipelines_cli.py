"""`runwright run` and `runwright pipelines list|show|resume`, in-process.

The pipelines live in a file under tmp_path, loaded by path as a user's would be; most
run on the inline executor (this process), one on local worker processes.
"""

from __future__ import annotations

import io
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import cloudpickle
import pytest
from rich.console import Console
from typer.testing import Result

from runwright.cli import run as run_module
from runwright.cli.run import StepBoard, parse_params
from runwright.entities import RunStatus
from runwright.entities.pipelines import CacheStatus
from runwright.errors import InvalidArgumentError
from runwright.pipelines.session import pipeline_store
from runwright.tracking.client import Client
from tests.unit.cli.helpers import Invoke, error_line, succeeded

PIPELINES = textwrap.dedent(
    """
    from pathlib import Path

    import runwright as rw


    @rw.step
    def load(n_rows: int) -> list[int]:
        return list(range(n_rows))


    @rw.step
    def fit(rows: list[int], C: float) -> float:
        return sum(rows) * C


    @rw.step
    def best(scores: list[float]) -> float:
        return max(scores)


    @rw.pipeline
    def training(n_rows: int = 10, Cs: list = [0.1, 1.0], name: str = "baseline"):
        rows = load(n_rows)
        return best(fit.map(rw.unmapped(rows), Cs))


    @rw.step
    def check(rows: list[int], marker: str) -> int:
        if not Path(marker).exists():
            raise ValueError(f"no marker at {marker}")
        return len(rows)


    @rw.step
    def summarize(count: int) -> str:
        return f"{count} rows"


    @rw.step
    def side(rows: list[int]) -> int:
        return len(rows) * 2


    @rw.pipeline
    def flaky(marker: str, n_rows: int = 3):
        rows = load(n_rows)
        summary = summarize(check(rows, marker))
        return summary, side(rows)


    @rw.step
    def chunks(n_rows: int) -> list[list[int]]:
        return [list(range(i, i + 2)) for i in range(0, n_rows, 2)]


    @rw.pipeline
    def sharded(n_rows: int = 6):
        return best(fit.map(rw.mapped(chunks(n_rows)), 1.0))


    not_a_pipeline = 42
    """
)
TRAINING_NODES = ["load", "fit[0]", "fit[1]", "best"]
FLAKY_NODES = ["load", "check", "summarize", "side"]
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def flows(tmp_path: Path) -> str:
    """The path of a file with the `training` and `flaky` pipelines."""
    path = tmp_path / "flows.py"
    path.write_text(PIPELINES)
    return str(path)


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """Where `flaky`'s check step looks for the file that lets it pass (absent at first)."""
    return tmp_path / "marker"


def run_id_of(out: str) -> str:
    """The pipeline run id from the closing line of `runwright run`."""
    match = re.search(r"^Pipeline run ([0-9a-f]{32}) ", out, re.MULTILINE)
    assert match is not None, out
    return match.group(1)


def ended_lines(out: str) -> dict[str, str]:
    """Node id -> the state word of its line in piped `runwright run` output."""
    found = {}
    for line in out.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in {"done", "cached", "failed", "skipped", "killed"}:
            found[words[1]] = words[0]
    return found


def failed(result: Result) -> str:
    """The plain standard output of a command that must have exited 1 without a traceback."""
    assert result.exit_code == 1, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    return _ANSI.sub("", result.stdout)


def shown(cli: Invoke, run_id: str) -> dict[str, Any]:
    return json.loads(succeeded(cli("pipelines", "show", run_id, "--json")))


def step_states(view: dict[str, Any]) -> dict[str, str]:
    return {step["node_id"]: step["status"] for step in view["steps"]}


def run_training(cli: Invoke, flows: str, *extra: str) -> str:
    out = succeeded(cli("run", f"{flows}:training", "-x", "inline", *extra))
    return run_id_of(out)


# -- parameters ------------------------------------------------------------------------


def test_parameters_are_json_when_they_parse_and_text_otherwise() -> None:
    parsed = parse_params(
        ["n_rows=5000", "Cs=[0.1,1]", "name=abc", "flag=true", 'quoted="5"', "eq=a=b", "empty="]
    )

    assert parsed == {
        "n_rows": 5000,
        "Cs": [0.1, 1],
        "name": "abc",
        "flag": True,
        "quoted": "5",
        "eq": "a=b",
        "empty": "",
    }


@pytest.mark.parametrize("bad", ["n_rows", "=5", " =5"])
def test_a_parameter_without_name_and_equals_sign_is_refused(bad: str) -> None:
    with pytest.raises(InvalidArgumentError, match="NAME=VALUE"):
        parse_params([bad])


def test_run_hands_the_parsed_parameters_to_the_pipeline(
    cli: Invoke, flows: str, tracking: Client
) -> None:
    run_id = run_training(cli, flows, "-p", "n_rows=5", "-p", "Cs=[0.5,2]", "-p", "name=abc")

    record = pipeline_store(tracking).get_pipeline_run(run_id=run_id)
    assert cloudpickle.loads(record.parameters_blob) == {
        "n_rows": 5,
        "Cs": [0.5, 2],
        "name": "abc",
    }


# -- run ---------------------------------------------------------------------------------


def test_piped_run_prints_one_line_per_step_and_the_run_id_and_status(
    cli: Invoke, flows: str, tracking: Client
) -> None:
    out = succeeded(cli("run", f"{flows}:training", "-x", "inline", "-p", "n_rows=4"))

    assert ended_lines(out) == dict.fromkeys(TRAINING_NODES, "done")
    run_id = run_id_of(out)
    assert f"Pipeline run {run_id} FINISHED" in out
    assert tracking.get_run(run_id).info.status is RunStatus.FINISHED


def test_a_map_over_a_computed_list_shows_one_line_per_branch(
    cli: Invoke, flows: str, tracking: Client
) -> None:
    out = succeeded(cli("run", f"{flows}:sharded", "-x", "inline", "-p", "n_rows=6"))

    nodes = ["chunks", "fit[0]", "fit[1]", "fit[2]", "best"]
    assert ended_lines(out) == dict.fromkeys(nodes, "done")
    view = shown(cli, run_id_of(out))
    assert [step["node_id"] for step in view["steps"]] == nodes
    assert [step["map_index"] for step in view["steps"]] == [None, 0, 1, 2, None]


def test_the_live_board_puts_a_maps_branches_in_place_of_the_map() -> None:
    from runwright.pipelines import StepEvent, StepState

    board = StepBoard("t", [])
    for node_id in ["chunks", "fit", "best"]:
        board.update(StepEvent(node_id, StepState.PENDING, None))
    for node_id in ["fit[0]", "fit[1]", "fit[2]"]:
        board.update(StepEvent(node_id, StepState.PENDING, None))

    assert [row.node_id for row in board.rows()] == ["chunks", "fit[0]", "fit[1]", "fit[2]", "best"]


def test_a_second_identical_run_reuses_every_step(cli: Invoke, flows: str) -> None:
    first = run_training(cli, flows, "-p", "n_rows=4")
    out = succeeded(cli("run", f"{flows}:training", "-x", "inline", "-p", "n_rows=4"))

    assert ended_lines(out) == dict.fromkeys(TRAINING_NODES, "cached")
    second = run_id_of(out)
    assert second != first
    assert set(step_states(shown(cli, second)).values()) == {"cached"}


def test_no_cache_runs_every_step_again_and_says_caching_was_off(cli: Invoke, flows: str) -> None:
    run_training(cli, flows)
    out = succeeded(cli("run", f"{flows}:training", "-x", "inline", "--no-cache"))

    assert ended_lines(out) == dict.fromkeys(TRAINING_NODES, "done")
    caches = [step["cache"] for step in shown(cli, run_id_of(out))["steps"]]
    assert {(c["status"], c["reason"]) for c in caches} == {("off", "caching is off for this run")}


def test_experiment_option_puts_the_pipeline_run_in_that_experiment(
    cli: Invoke, flows: str, tracking: Client
) -> None:
    run_id = run_training(cli, flows, "--experiment", "churn")

    experiment = tracking.get_experiment_by_name("churn")
    assert experiment is not None
    assert tracking.get_run(run_id).info.experiment_id == experiment.experiment_id


def test_a_failed_pipeline_exits_1_naming_the_failed_step_and_its_error(
    cli: Invoke, flows: str, marker: Path, tracking: Client
) -> None:
    out = failed(cli("run", f"{flows}:flaky", "-x", "inline", "-p", f"marker={marker}"))

    assert ended_lines(out) == {
        "load": "done",
        "check": "failed",
        "summarize": "skipped",
        "side": "done",
    }
    failed_line = next(line for line in out.splitlines() if line.startswith("failed"))
    assert f"ValueError: no marker at {marker}" in failed_line
    run_id = run_id_of(out)
    assert f"Pipeline run {run_id} FAILED" in out
    assert f"runwright pipelines resume {run_id}" in out
    assert tracking.get_run(run_id).info.status is RunStatus.FAILED


def test_fail_fast_stops_the_other_steps_at_the_first_failure(
    cli: Invoke, flows: str, marker: Path
) -> None:
    out = failed(
        cli("run", f"{flows}:flaky", "-x", "inline", "--fail-fast", "-p", f"marker={marker}")
    )

    view = shown(cli, run_id_of(out))
    assert view["options"]["fail_fast"] is True
    # Without --fail-fast `side`, which does not need `check`, ends done (see above).
    assert step_states(view)["side"] in {"killed", "skipped"}
    assert ended_lines(out)["side"] == step_states(view)["side"]


def test_a_run_on_local_worker_processes_finishes_every_step(cli: Invoke, flows: str) -> None:
    out = succeeded(cli("run", f"{flows}:training", "-x", "local", "-p", "n_rows=3"))

    assert ended_lines(out) == dict.fromkeys(TRAINING_NODES, "done")
    assert shown(cli, run_id_of(out))["options"]["executor"] == "local"


def test_on_a_terminal_the_steps_are_a_live_table_instead_of_lines(
    cli: Invoke, flows: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = io.StringIO()
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(run_module, "console", Console(file=screen, force_terminal=True, width=200))

    result = cli("run", f"{flows}:training", "-x", "inline")

    assert result.exit_code == 0, result.output
    drawn = _ANSI.sub("", screen.getvalue())
    final_table = drawn[drawn.rindex("Pipeline training") :]
    rows = {
        cells[0]: cells[1]
        for line in final_table.splitlines()
        if len(cells := [c.strip() for c in line.strip("│ ").split("│")]) > 2
    }
    assert {node: rows[node] for node in TRAINING_NODES} == dict.fromkeys(TRAINING_NODES, "done")
    assert ended_lines(drawn) == {}
    assert "FINISHED" in drawn


def test_ctrl_c_stops_the_run_and_says_how_to_resume_it(
    cli: Invoke, flows: str, tracking: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    update = StepBoard.update

    def interrupt_after_load(self: StepBoard, event: Any) -> None:
        update(self, event)
        if event.node_id == "load" and event.state.finished:
            raise KeyboardInterrupt

    monkeypatch.setattr(StepBoard, "update", interrupt_after_load)

    result = cli("run", f"{flows}:training", "-x", "inline")

    assert result.exit_code == 130, result.output
    match = re.search(r"pipeline run ([0-9a-f]{32}) was stopped", result.stderr)
    assert match is not None, result.stderr
    assert f"runwright pipelines resume {match.group(1)}" in result.stderr
    assert tracking.get_run(match.group(1)).info.status is RunStatus.KILLED


# -- list --------------------------------------------------------------------------------


def test_list_shows_each_pipeline_run_with_its_step_counts(cli: Invoke, flows: str) -> None:
    first = run_training(cli, flows)
    second = run_training(cli, flows)

    out = succeeded(cli("pipelines", "list"))

    rows = {
        cells[0]: cells
        for line in out.splitlines()
        if len(cells := [c.strip() for c in line.strip("│ ").split("│")]) == 9
    }
    # run id, pipeline, status, started, duration, steps, done, cached, failed
    assert rows[first][1:3] == ["training", "FINISHED"]
    assert rows[first][5:] == ["4", "4", "0", "0"]
    assert rows[second][5:] == ["4", "0", "4", "0"]


def test_list_json_is_newest_first_and_filters_by_pipeline(
    cli: Invoke, flows: str, marker: Path
) -> None:
    training = run_training(cli, flows)
    flaky = run_id_of(
        failed(cli("run", f"{flows}:flaky", "-x", "inline", "-p", f"marker={marker}"))
    )

    everything = json.loads(succeeded(cli("pipelines", "list", "--json")))
    only_flaky = json.loads(succeeded(cli("pipelines", "list", "--pipeline", "flaky", "--json")))

    assert [r["run_id"] for r in everything] == [flaky, training]
    assert [r["run_id"] for r in only_flaky] == [flaky]
    assert only_flaky[0]["status"] == "FAILED"
    assert only_flaky[0]["counts"]["failed"] == 1
    assert only_flaky[0]["counts"]["skipped"] == 1


def test_list_with_no_pipeline_runs_is_an_empty_table(cli: Invoke) -> None:
    out = succeeded(cli("pipelines", "list"))

    assert "Pipeline runs (0)" in out


# -- show --------------------------------------------------------------------------------


def test_show_draws_the_steps_in_graph_order_with_the_cache_decision(
    cli: Invoke, flows: str
) -> None:
    first = run_training(cli, flows)
    second = run_training(cli, flows)
    first_steps = {s["node_id"]: s["run_id"] for s in shown(cli, first)["steps"]}

    out = succeeded(cli("pipelines", "show", second))

    positions = [out.index(f"── {node}  ") for node in TRAINING_NODES]
    assert positions == sorted(positions)
    for node in TRAINING_NODES:
        assert f"cache hit (from run {first_steps[node]})" in out
    assert "FINISHED" in out


def test_show_explains_a_miss(cli: Invoke, flows: str) -> None:
    run_training(cli, flows, "-p", "n_rows=4")
    changed = run_training(cli, flows, "-p", "n_rows=5")

    steps = {s["node_id"]: s for s in shown(cli, changed)["steps"]}

    assert steps["load"]["status"] == "done"
    assert steps["load"]["cache"]["status"] == CacheStatus.MISS.value
    assert steps["load"]["cache"]["explanation"].startswith("miss: ")
    assert "n_rows" in steps["load"]["cache"]["reason"]


def test_show_of_a_failed_run_gives_the_error_and_the_skipped_steps(
    cli: Invoke, flows: str, marker: Path
) -> None:
    run_id = run_id_of(
        failed(cli("run", f"{flows}:flaky", "-x", "inline", "-p", f"marker={marker}"))
    )

    out = succeeded(cli("pipelines", "show", run_id))
    view = shown(cli, run_id)

    assert f"error: ValueError: no marker at {marker}" in out
    assert step_states(view) == {
        "load": "done",
        "check": "failed",
        "summarize": "skipped",
        "side": "done",
    }
    summarize = next(s for s in view["steps"] if s["node_id"] == "summarize")
    assert summarize["run_id"] is None
    assert summarize["upstream"] == ["check"]


def test_show_of_a_running_pipeline_calls_steps_not_yet_started_pending(
    cli: Invoke, tracking: Client
) -> None:
    store = pipeline_store(tracking)
    graph = {
        "pipeline": "manual",
        "nodes": [
            {"id": "a", "step": "a", "upstream": [], "site": "x.py:1", "map_index": None},
            {"id": "b", "step": "b", "upstream": ["a"], "site": "x.py:2", "map_index": None},
        ],
    }
    run_id = store.create_pipeline_run(
        experiment_id="0",
        run_name="manual",
        user_id="me",
        start_time=1_700_000_000_000,
        tags=[],
        params={},
        pipeline_name="manual",
        source={},
        parameters_blob=cloudpickle.dumps({}),
        parameters={},
        graph=graph,
        options={},
    )
    journal = store.open_step_journal(pipeline_run_id=run_id)
    journal.start_step(
        run_name="a",
        start_time=1_700_000_000_000,
        tags=[],
        params={},
        node_id="a",
        step_name="a",
        cache_key=None,
        cache_status=CacheStatus.OFF,
        cache_reason="caching is off for this run",
        cache_components={},
    )
    journal.close()

    assert step_states(shown(cli, run_id)) == {"a": "running", "b": "pending"}


@pytest.mark.parametrize("command", ["show", "resume"])
def test_an_unknown_pipeline_run_id_is_one_error_line(
    cli: Invoke, tracking: Client, command: str
) -> None:
    line = error_line(cli("pipelines", command, "0123456789abcdef0123456789abcdef"))

    assert line == "Error: no pipeline run with id '0123456789abcdef0123456789abcdef'"


@pytest.mark.parametrize("command", ["show", "resume"])
def test_a_step_run_id_is_one_error_line_naming_its_pipeline_run(
    cli: Invoke, flows: str, command: str
) -> None:
    pipeline_run = run_training(cli, flows)
    step_run = shown(cli, pipeline_run)["steps"][0]["run_id"]

    line = error_line(cli("pipelines", command, step_run))

    assert f"run '{step_run}' is not a pipeline run" in line
    assert pipeline_run in line


def test_an_ordinary_run_id_is_not_a_pipeline_run(cli: Invoke, tracking: Client) -> None:
    run_id = tracking.create_run("0", run_name="plain").info.run_id

    line = error_line(cli("pipelines", "show", run_id))

    assert line == f"Error: run '{run_id}' is not a pipeline run"


def test_a_malformed_run_id_is_one_error_line(cli: Invoke, tracking: Client) -> None:
    assert "not a valid run id" in error_line(cli("pipelines", "show", "../etc"))


# -- resume ------------------------------------------------------------------------------


def test_resume_reruns_only_the_steps_that_did_not_finish(
    cli: Invoke, flows: str, marker: Path
) -> None:
    run_id = run_id_of(
        failed(cli("run", f"{flows}:flaky", "-x", "inline", "-p", f"marker={marker}"))
    )
    before = {s["node_id"]: s["run_id"] for s in shown(cli, run_id)["steps"]}
    marker.write_text("go")

    out = succeeded(cli("pipelines", "resume", run_id))

    assert ended_lines(out) == {"check": "done", "summarize": "done"}
    assert f"Pipeline run {run_id} FINISHED" in out
    after = {s["node_id"]: s for s in shown(cli, run_id)["steps"]}
    assert {node: s["status"] for node, s in after.items()} == dict.fromkeys(FLAKY_NODES, "done")
    assert after["load"]["run_id"] == before["load"]
    assert after["check"]["run_id"] != before["check"]
    assert after["check"]["runs"] == 2
    assert "(latest of 2 runs)" in succeeded(cli("pipelines", "show", run_id))


def test_resume_of_a_finished_run_runs_nothing(cli: Invoke, flows: str) -> None:
    run_id = run_training(cli, flows)

    out = succeeded(cli("pipelines", "resume", run_id))

    assert "already finished" in out
    assert ended_lines(out) == {}
    assert f"Pipeline run {run_id} FINISHED" in out


def test_resume_that_fails_again_exits_1(cli: Invoke, flows: str, marker: Path) -> None:
    run_id = run_id_of(
        failed(cli("run", f"{flows}:flaky", "-x", "inline", "-p", f"marker={marker}"))
    )

    out = failed(cli("pipelines", "resume", run_id))

    assert ended_lines(out) == {"check": "failed", "summarize": "skipped"}


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-p", "n_rows"], "-p takes NAME=VALUE"),
        (["-p", "n_rows=1", "-p", "n_rows=2"], "parameter 'n_rows' is given twice"),
        (["-p", "rows=1"], "unexpected keyword argument 'rows'"),
        (["--ray-address", "ray://x:10001"], "--ray-address only applies with --executor ray"),
    ],
)
def test_bad_run_options_are_one_error_line(
    cli: Invoke, flows: str, tracking: Client, args: list[str], expected: str
) -> None:
    line = error_line(cli("run", f"{flows}:training", "-x", "inline", *args))

    assert expected in line
    assert pipeline_store(tracking).list_pipeline_runs() == []


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("missing.py:training", "no pipeline file"),
        ("{flows}:nope", "has no pipeline named 'nope'"),
        ("{flows}:not_a_pipeline", "is a int, not a @rw.pipeline function"),
        ("{flows}", "name a pipeline as path/to/file.py:pipeline_name"),
    ],
)
def test_a_bad_pipeline_reference_is_one_error_line(
    cli: Invoke, flows: str, target: str, expected: str
) -> None:
    line = error_line(cli("run", target.format(flows=flows), "-x", "inline"))

    assert expected in line
