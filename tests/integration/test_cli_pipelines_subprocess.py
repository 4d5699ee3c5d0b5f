"""`python -m runwright run file.py:name` as a real process, twice: the second run reuses
every step of the first."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

PIPELINE = textwrap.dedent(
    """
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
    def training(n_rows: int = 10, Cs: list = [1.0], name: str = "baseline"):
        rows = load(n_rows)
        return best(fit.map(rw.unmapped(rows), Cs))
    """
)


def runwright(*args: str, cwd: Path, tracking: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNWRIGHT_")}
    env["RUNWRIGHT_TRACKING_URI"] = str(tracking)
    return subprocess.run(
        [sys.executable, "-m", "runwright", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_second_identical_run_shows_every_step_cached(tmp_path: Path) -> None:
    (tmp_path / "flows.py").write_text(PIPELINE)
    tracking = tmp_path / "rw"
    args = ("run", "flows.py:training", "-x", "inline")
    params = ("-p", "n_rows=50", "-p", "Cs=[0.1,1]", "-p", "name=abc")

    first = runwright(*args, *params, cwd=tmp_path, tracking=tracking)
    second = runwright(*args, *params, cwd=tmp_path, tracking=tracking)

    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    match = re.search(r"^Pipeline run ([0-9a-f]{32}) FINISHED", second.stdout, re.MULTILINE)
    assert match is not None, second.stdout
    shown = runwright(
        "pipelines", "show", match.group(1), "--json", cwd=tmp_path, tracking=tracking
    )
    assert shown.returncode == 0, shown.stderr
    steps = json.loads(shown.stdout)["steps"]
    assert [s["node_id"] for s in steps] == ["load", "fit[0]", "fit[1]", "best"]
    assert {s["status"] for s in steps} == {"cached"}
    assert all(s["cache"]["explanation"].startswith("hit (from run ") for s in steps)
