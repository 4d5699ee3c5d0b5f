"""The installed `runwright` console script, run as a real process.

`python -m runwright.cli` is not a supported entry point (the package has no
`__main__`), so the tests use the script installed next to the interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / ("runwright.exe" if os.name == "nt" else "runwright")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment with only our tracking folder as Runwright setting."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RUNWRIGHT_")}
    clean["RUNWRIGHT_TRACKING_URI"] = str(tmp_path / "rw")
    return clean


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_console_script_is_installed() -> None:
    assert SCRIPT.is_file(), f"no console script at {SCRIPT}"


def test_runs_list_shows_a_run_a_training_script_logged(
    env: dict[str, str], tmp_path: Path
) -> None:
    training = textwrap.dedent(
        """
        import runwright as rw

        rw.set_experiment("churn")
        with rw.start_run(run_name="first-try") as run:
            rw.log_param("lr", "0.01")
            rw.log_metric("acc", 0.93)
        print(run.info.run_id)
        """
    )
    logged = run([sys.executable, "-c", training], env, tmp_path)
    assert logged.returncode == 0, logged.stderr
    run_id = logged.stdout.strip()

    listed = run([str(SCRIPT), "runs", "list", "--experiment", "churn"], env, tmp_path)

    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == ""
    row = next(line for line in listed.stdout.splitlines() if run_id in line)
    assert "first-try" in row
    assert "FINISHED" in row
    assert "0.93" in row
    assert "0.01" in row


def test_a_failing_command_prints_one_error_line_and_exits_non_zero(
    env: dict[str, str], tmp_path: Path
) -> None:
    failed = run([str(SCRIPT), "runs", "list", "--experiment", "nope"], env, tmp_path)

    assert failed.returncode != 0
    assert failed.stdout == ""
    assert "Traceback" not in failed.stderr
    assert failed.stderr.splitlines() == ["Error: no experiment with id or name 'nope'"]


def test_a_bad_filter_prints_one_error_line_and_exits_non_zero(
    env: dict[str, str], tmp_path: Path
) -> None:
    failed = run([str(SCRIPT), "runs", "list", "--filter", "metrics.acc >> 1"], env, tmp_path)

    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr
    lines = failed.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: ")
    assert "at character 14" in lines[0]
