"""The fluent API on the embedded default store (./.runwright in the test's cwd)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import runwright as rw
from runwright.entities import LifecycleStage, RunStatus


def test_the_issue_example_end_to_end(tmp_path: Path) -> None:
    Path("confusion.png").write_bytes(b"\x89PNG not really")
    rw.set_experiment("churn")
    with rw.start_run(run_name="baseline") as run:
        rw.log_params({"C": 1.0, "penalty": "l2"})
        for step in range(100):
            rw.log_metric("loss", 1 / (step + 1), step=step)
        rw.log_metrics({"acc": 0.91, "f1": 0.88})
        rw.set_tags({"team": "growth"})
        rw.log_artifact("confusion.png")
        rw.log_dict({"classes": ["a", "b"]}, "meta/classes.json")
    runs = rw.search_runs(
        experiment_names=["churn"],
        filter_string="metrics.acc > 0.9 and params.C = '1.0'",
        order_by=["metrics.acc DESC"],
    )
    assert [r.run_id for r in runs] == [run.run_id]
    stored = runs[0]
    assert stored.info.status is RunStatus.FINISHED
    assert stored.data.metrics == {"loss": 0.01, "acc": 0.91, "f1": 0.88}
    assert stored.data.params == {"C": "1.0", "penalty": "l2"}
    assert stored.data.tags["team"] == "growth"
    assert len(rw.Client().get_metric_history(run.run_id, "loss")) == 100
    artifacts = Path(stored.info.artifact_uri)
    assert (artifacts / "confusion.png").read_bytes() == b"\x89PNG not really"
    assert json.loads((artifacts / "meta/classes.json").read_text()) == {"classes": ["a", "b"]}


def test_the_default_store_is_dot_runwright_in_the_cwd() -> None:
    with rw.start_run():
        rw.log_param("p", 1)
    assert Path(".runwright/runwright.db").is_file()
    assert rw.get_tracking_uri() == str(Path(".runwright").absolute())


def test_set_tracking_uri_moves_the_store(tmp_path: Path) -> None:
    rw.set_tracking_uri(tmp_path / "elsewhere")
    with rw.start_run():
        rw.log_param("p", 1)
    assert (tmp_path / "elsewhere" / "runwright.db").is_file()
    assert not Path(".runwright").exists()


def test_sqlite_uri_is_accepted(tmp_path: Path) -> None:
    rw.set_tracking_uri(f"sqlite:///{tmp_path}/db/track.db")
    with rw.start_run():
        rw.log_param("p", 1)
    assert (tmp_path / "db" / "track.db").is_file()


def test_env_var_picks_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWRIGHT_TRACKING_URI", str(tmp_path / "from-env"))
    assert rw.get_tracking_uri() == str(tmp_path / "from-env")


def test_unknown_scheme_is_a_clear_error() -> None:
    rw.set_tracking_uri("ftp://somewhere")
    with pytest.raises(rw.InvalidArgumentError, match="ftp"):
        rw.start_run()


def test_a_run_that_raises_ends_failed() -> None:
    with pytest.raises(ZeroDivisionError), rw.start_run() as run:
        rw.log_metric("m", 1.0)
        _ = 1 / 0
    stored = rw.get_run(run.run_id)
    assert (stored.info.status, stored.data.metrics) == (RunStatus.FAILED, {"m": 1.0})


def test_ctrl_c_ends_the_run_killed() -> None:
    with pytest.raises(KeyboardInterrupt), rw.start_run() as run:
        raise KeyboardInterrupt
    assert rw.get_run(run.run_id).info.status is RunStatus.KILLED


def test_end_run_with_a_status() -> None:
    run = rw.start_run()
    rw.end_run("KILLED")
    assert rw.get_run(run.run_id).info.status is RunStatus.KILLED
    assert rw.active_run() is None


def test_nested_runs_record_their_parent() -> None:
    with rw.start_run() as parent:
        with rw.start_run(nested=True) as child:
            assert rw.active_run() is child
        assert rw.active_run() is parent
    assert rw.get_run(child.run_id).parent_run_id == parent.run_id


def test_a_second_run_without_nested_is_refused() -> None:
    with rw.start_run(), pytest.raises(rw.InvalidArgumentError, match="nested=True"):
        rw.start_run()


def test_resuming_a_run_by_id_logs_into_it() -> None:
    with rw.start_run() as first:
        rw.log_metric("m", 1.0, step=0)
    with rw.start_run(run_id=first.run_id):
        rw.log_metric("m", 2.0, step=1)
    stored = rw.get_run(first.run_id)
    assert (stored.info.status, stored.data.metrics["m"]) == (RunStatus.FINISHED, 2.0)


def test_logging_without_a_run_starts_one() -> None:
    rw.log_metric("m", 1.0)
    active = rw.active_run()
    assert active is not None
    rw.end_run()
    assert rw.get_run(active.run_id).data.metrics == {"m": 1.0}


def test_metrics_take_step_and_timestamp() -> None:
    with rw.start_run() as run:
        rw.log_metric("m", 1.0, step=7, timestamp=123)
        rw.log_metrics({"a": 1, "b": 2.5}, step=3)
    client = rw.Client()
    (point,) = client.get_metric_history(run.run_id, "m")
    assert (point.step, point.timestamp) == (7, 123)
    assert client.get_metric_history(run.run_id, "b")[0].step == 3


def test_set_tag_and_delete_tag() -> None:
    with rw.start_run() as run:
        rw.set_tag("a", 1)
        rw.set_tag("b", "x")
        rw.delete_tag("b")
    tags = rw.get_run(run.run_id).data.tags
    assert (tags["a"], "b" in tags) == ("1", False)


def test_log_text_and_artifacts_folder(tmp_path: Path) -> None:
    source = tmp_path / "out"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "x.txt").write_text("x")
    with rw.start_run() as run:
        rw.log_text("hello", "notes/hello.txt")
        rw.log_artifacts(source, "outputs")
    client = rw.Client()
    assert [f.path for f in client.list_artifacts(run.run_id)] == ["notes", "outputs"]
    assert [f.path for f in client.list_artifacts(run.run_id, "outputs/sub")] == [
        "outputs/sub/x.txt"
    ]
    downloaded = client.download_artifacts(run.run_id, "notes/hello.txt", tmp_path / "dl")
    assert Path(downloaded).read_text() == "hello"


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/evil.txt", "a/../../b.txt"])
def test_artifact_paths_that_escape_are_refused(tmp_path: Path, path: str) -> None:
    with rw.start_run() as run, pytest.raises(rw.ArtifactPathError):
        rw.log_text("x", path)
    assert rw.Client().list_artifacts(run.run_id) == []


def test_logging_a_missing_file_is_an_error() -> None:
    with rw.start_run(), pytest.raises(rw.NotFoundError, match=r"nope\.png"):
        rw.log_artifact("nope.png")


def test_log_figure_saves_a_png() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([1, 2, 3])
    with rw.start_run() as run:
        rw.log_figure(figure, "plots/curve.png")
    path = Path(rw.get_run(run.run_id).info.artifact_uri) / "plots/curve.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_log_figure_refuses_what_is_not_a_figure() -> None:
    with rw.start_run(), pytest.raises(rw.InvalidArgumentError, match="matplotlib"):
        rw.log_figure("not a figure", "x.png")


def test_log_input_records_the_dataset() -> None:
    dataset = rw.Dataset(
        name="iris", digest="d1g3st", source_type="local", source="sklearn", schema="{}"
    )
    with rw.start_run() as run:
        rw.log_input(dataset, context="training")
    (item,) = rw.get_run(run.run_id).inputs
    assert (item.dataset.name, item.context) == ("iris", "training")


def test_set_experiment_by_id_and_deleted_experiment() -> None:
    experiment = rw.set_experiment("e")
    assert rw.set_experiment(experiment_id=experiment.experiment_id).name == "e"
    rw.Client().delete_experiment(experiment.experiment_id)
    with pytest.raises(rw.InvalidArgumentError, match="deleted"):
        rw.set_experiment("e")


def test_runs_land_in_the_active_experiment() -> None:
    experiment = rw.set_experiment("target")
    with rw.start_run() as run:
        pass
    assert rw.get_run(run.run_id).info.experiment_id == experiment.experiment_id


def test_search_runs_as_a_dataframe() -> None:
    rw.set_experiment("frames")
    for c in (0.1, 1.0):
        with rw.start_run():
            rw.log_param("C", c)
            rw.log_metric("acc", c)
    frame = rw.search_runs(experiment_names=["frames"], output_format="pandas")
    assert sorted(frame["params.C"]) == ["0.1", "1.0"]
    assert {"run_id", "status", "metrics.acc", "start_time"} <= set(frame.columns)


def test_search_runs_of_an_unknown_experiment_name_is_an_error() -> None:
    with pytest.raises(rw.NotFoundError, match="nope"):
        rw.search_runs(experiment_names=["nope"])


def test_search_all_experiments() -> None:
    for name in ("x", "y"):
        rw.set_experiment(name)
        with rw.start_run():
            pass
    assert len(rw.search_runs(search_all_experiments=True)) == 2


def test_search_experiments_lists_them() -> None:
    rw.set_experiment("listed")
    assert {e.name for e in rw.search_experiments()} == {"Default", "listed"}


def test_deleted_run_listing_is_opt_in() -> None:
    with rw.start_run() as run:
        pass
    rw.Client().delete_run(run.run_id)
    assert rw.search_runs() == []
    deleted = rw.search_runs(run_view_type="DELETED_ONLY")
    assert [r.info.lifecycle_stage for r in deleted] == [LifecycleStage.DELETED]


def test_get_artifact_uri_points_into_the_run() -> None:
    with rw.start_run() as run:
        uri = rw.get_artifact_uri("model")
    assert uri == rw.get_run(run.run_id).info.artifact_uri + "/model"
