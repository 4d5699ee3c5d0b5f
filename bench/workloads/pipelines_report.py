"""Turn the pipeline workers' raw results into figures, checks and a report: Rich tables
for the terminal and the same tables in Markdown, to paste into an issue note.

Wall = the worker's own clock from just before the pipeline's run call to just after it
returns, on a fresh store (cold) or, in a new process, on the store a cold run just
filled (cached); interpreter startup and imports are outside it, for both tools.
Overhead per step = (wall - plain Python) / steps; marginal per step = the same less the
overhead of a 1-step pipeline run the same way, over the remaining steps: what one more
step costs, without the costs every run pays once (opening or starting the store).
"""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass
from typing import Any

from harness import Measured
from rich.table import Table
from tracking_report import Figure, Row, format_duration, format_number, format_ratio
from workloads.pipelines_shapes import WORKLOADS, Sizes, expected_output, step_count

__all__ = [
    "CachedRow",
    "Line",
    "Setup",
    "StartupRow",
    "checks",
    "notes",
    "render_markdown",
    "render_tables",
    "summarise",
]

RW, PF = "runwright", "prefect"
EXECUTORS = ("inline", "local")
PHASES = ("cold", "cached")
# Runwright's targets for pipelines, from the issue.
PER_STEP_TARGET = 0.002  # seconds of overhead per step, tracking on, inline executor
VS_PREFECT_TARGET = 20.0  # times less overhead per step than Prefect
CACHED_TARGET = 0.10  # a fully cached rerun of the scikit-learn pipeline, as part of its cold run

LABELS = {
    "single": "1-step pipeline",
    "chain": "chain of no-op steps",
    "fan": "fan-out/fan-in of no-op steps",
    "sklearn": "scikit-learn: load→split→train→evaluate",
}


@dataclass(frozen=True)
class Setup:
    """How the run was made: what the figures and notes need to be read right."""

    sizes: Sizes
    quick: bool
    repeat: int
    imports: int
    workloads: tuple[str, ...]
    executors: tuple[str, ...]
    prefect_version: str
    prefect_pins: dict[str, str]
    prefect_missing: str | None
    commit: str
    load: tuple[float | None, float | None] = (None, None)

    def size(self, workload: str) -> int:
        return self.sizes.fan_items if workload == "fan" else self.sizes.chain_steps

    def steps(self, workload: str) -> int:
        return step_count(workload, self.size(workload))


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _walls(m: Measured, tool: str, key: str) -> list[float]:
    return [r["wall_seconds"] for r in m.get(tool, key) or []]


@dataclass
class Line:
    """One row of the main table: a workload run one way by both tools."""

    workload: str
    executor: str
    phase: str
    steps: int
    plain: dict[str, float | None]
    wall: dict[str, float | None]
    per_step: dict[str, float | None]
    marginal: dict[str, float | None]

    def comparison(self) -> Row:
        """Runwright's and Prefect's overhead per step as a `tracking_report.Row`, for
        its ratio."""

        def figure(tool: str) -> Figure | None:
            value = self.per_step[tool]
            # A ratio of overheads means nothing once one of them is lost in the noise.
            return Figure(value, [value]) if value is not None and value > 0 else None

        return Row("overhead per step", "lower", "time", figure(RW), figure(PF))

    def targets(self) -> list[tuple[str, bool]]:
        """(what, met) for each target of the issue that applies to this row."""
        found = []
        if self.workload in ("chain", "fan") and self.executor == "inline":
            value = self.per_step[RW]
            if value is not None:
                found.append((f"≤ {PER_STEP_TARGET * 1000:g} ms", value <= PER_STEP_TARGET))
        speedup = self.comparison().speedup()
        # The 1-step pipeline is there for the fixed costs, not as a workload of the issue.
        if speedup is not None and self.workload != "single":
            what = f"≥ {VS_PREFECT_TARGET:g}x"
            found.append((what, speedup >= VS_PREFECT_TARGET))
        return found


def _lines(m: Measured, setup: Setup) -> list[Line]:
    plain = {
        (tool, w): _median(_walls(m, tool, f"{w}/plain")) for tool in (RW, PF) for w in WORKLOADS
    }
    wall = {
        (tool, w, ex, phase): _median(_walls(m, tool, f"{w}/{ex}/{phase}"))
        for tool in (RW, PF)
        for w in WORKLOADS
        for ex in EXECUTORS
        for phase in PHASES
    }

    def overhead(tool: str, w: str, ex: str, phase: str) -> float | None:
        took, base = wall[tool, w, ex, phase], plain[tool, w]
        return None if took is None or base is None else took - base

    lines = []
    for w in ("single", *setup.workloads):
        steps = setup.steps(w)
        for ex in setup.executors:
            for phase in PHASES:
                per_step: dict[str, float | None] = {}
                marginal: dict[str, float | None] = {}
                for tool in (RW, PF):
                    spent = overhead(tool, w, ex, phase)
                    fixed = overhead(tool, "single", ex, phase)
                    per_step[tool] = None if spent is None else spent / steps
                    marginal[tool] = (
                        (spent - fixed) / (steps - 1)
                        if spent is not None and fixed is not None and steps > 1
                        else None
                    )
                lines.append(
                    Line(
                        w,
                        ex,
                        phase,
                        steps,
                        {tool: plain[tool, w] for tool in (RW, PF)},
                        {tool: wall[tool, w, ex, phase] for tool in (RW, PF)},
                        per_step,
                        marginal,
                    )
                )
    return [ln for ln in lines if ln.wall[RW] is not None or ln.wall[PF] is not None]


@dataclass
class CachedRow:
    """A fully cached rerun as a part of the cold run, per tool, for one executor."""

    workload: str
    executor: str
    part: dict[str, float | None]
    cached_steps: dict[str, str]

    def target_met(self) -> bool | None:
        value = self.part[RW]
        return None if value is None else value <= CACHED_TARGET


def _cached_rows(m: Measured, setup: Setup) -> list[CachedRow]:
    rows = []
    for w in setup.workloads:
        if w != "sklearn":
            continue
        for ex in setup.executors:
            part: dict[str, float | None] = {}
            cached: dict[str, str] = {}
            for tool in (RW, PF):
                cold = _median(_walls(m, tool, f"{w}/{ex}/cold"))
                again = _median(_walls(m, tool, f"{w}/{ex}/cached"))
                part[tool] = again / cold if cold and again is not None else None
                runs = m.get(tool, f"{w}/{ex}/cached") or []
                hits = sorted({r["cached"] for r in runs})
                cached[tool] = "/".join(map(str, hits)) + f" of {setup.steps(w)}" if runs else ""
            rows.append(CachedRow(w, ex, part, cached))
    return [r for r in rows if r.part[RW] is not None or r.part[PF] is not None]


@dataclass
class StartupRow:
    """Costs outside the wall times, per tool: fresh interpreters and worker processes."""

    measure: str
    runwright: float | None
    prefect: float | None


def _startup_rows(m: Measured) -> list[StartupRow]:
    def every(tool: str, pick: str) -> list[float]:
        found = []
        for key, results in m.results.get(tool, {}).items():
            for r in results if key.endswith(("/cold", "/cached")) else []:
                startup = r.get("startup_seconds")
                if startup is None:
                    continue
                exit_ = r["process_seconds"] - startup - r["wall_seconds"]
                found.append(startup if pick == "startup" else exit_)
        return found

    def imported(tool: str, field: str) -> float | None:
        found = m.get(tool, "import")
        return _median(found[0][field]) if found else None

    rows = [
        StartupRow(
            "python -c pass", imported(RW, "python_seconds"), imported(PF, "python_seconds")
        ),
        StartupRow(
            'python -c "import runwright (+ its storage layer) | prefect"',
            imported(RW, "import_seconds"),
            imported(PF, "import_seconds"),
        ),
        StartupRow(
            "worker: launch → run call (interpreter, imports, defining the pipeline)",
            _median(every(RW, "startup")),
            _median(every(PF, "startup")),
        ),
        StartupRow(
            "worker: run call returned → process gone (shutdown, flushing)",
            _median(every(RW, "exit")),
            _median(every(PF, "exit")),
        ),
    ]
    return [r for r in rows if r.runwright is not None or r.prefect is not None]


@dataclass
class Summary:
    lines: list[Line]
    cached: list[CachedRow]
    startup: list[StartupRow]


def summarise(m: Measured, setup: Setup) -> Summary:
    return Summary(_lines(m, setup), _cached_rows(m, setup), _startup_rows(m))


# -- checks and notes ----------------------------------------------------------------------


def checks(m: Measured, setup: Setup) -> tuple[list[str], list[str]]:
    """Sanity checks on what the workers report: every run finished with the right
    answer, a cold run ran every step, Runwright's rerun found every step cached.

    Returns (problems, remarks): problems fail the benchmark; remarks are what Prefect
    did not cache, which is its behaviour and not the benchmark's fault.
    """
    problems: list[str] = []
    remarks: list[str] = []
    answers: dict[str, Any] = {}
    for tool in (RW, PF):
        for w in WORKLOADS:
            for r in m.get(tool, f"{w}/plain") or []:
                answers.setdefault(w, r["output"])
                if r["output"] != answers[w]:
                    problems.append(f"{tool} plain {w}: {r['output']!r}, not {answers[w]!r}")
    for tool, by_key in m.results.items():
        for key, results in by_key.items():
            if key.endswith("/plain") or key == "import":
                continue
            w, _executor, phase = key.split("/")
            steps = setup.steps(w)
            want = expected_output(w, setup.size(w))
            want = answers.get(w) if want is None else want
            for r in results:
                where = f"{tool} {key}"
                if r["status"] != "FINISHED":
                    problems.append(f"{where}: status {r['status']}")
                elif want is not None and r["output"] != want:
                    problems.append(f"{where}: output {r['output']!r}, not {want!r}")
                if r["steps"] != steps:
                    problems.append(f"{where}: {r['steps']} steps, not {steps}")
                if phase == "cold" and r["ran"] != steps:
                    problems.append(f"{where}: ran {r['ran']} of {steps} steps")
                if phase == "cached" and r["cached"] != steps:
                    text = f"{where}: the rerun found {r['cached']} of {steps} steps cached"
                    (problems if tool == RW else remarks).append(text)
    return problems, sorted(set(remarks))


def notes(m: Measured, setup: Setup, problems: list[str], remarks: list[str]) -> list[str]:
    """What a reader needs to trust the tables: method, setup, failures."""
    sizes = setup.sizes
    pins = ", ".join(f"{k} {v}" for k, v in setup.prefect_pins.items())
    lines = [
        "Wall = inside the worker, from just before the run call to just after it returns "
        "(interpreter startup and imports excluded, for both tools; the last table shows "
        "them). Each measurement is a fresh process with a fresh temp folder holding the "
        "store: cold = the first run on it; cached = a second run on the same store, in "
        f"a new process. Medians of {setup.repeat} measurement(s), all jobs round-robin.",
        "Overhead/step = (wall - plain Python) / steps, plain Python = the same functions "
        "called directly in a loop, timed the same way in each tool's environment. "
        "Marginal/step = overhead less that of the 1-step pipeline run the same way (its "
        "rows show those fixed costs), over the remaining steps: the cost of one more step "
        "without the per-run fixed costs. Where a tool's fixed cost is large and noisy "
        f"(Prefect's, seconds) only the {sizes.fan_items + 1:,}-step fan gives a marginal "
        "above the noise; negative marginals are that noise.",
        "Ratio = Runwright ÷ Prefect overhead per step (< 1: Runwright cheaper); the arrow "
        "says how many times. Targets apply to Runwright (✓ met, ✗ missed): "
        f"≤ {PER_STEP_TARGET * 1000:g} ms = overhead/step with tracking on (inline; checked "
        f"on the no-op workloads); ≥ {VS_PREFECT_TARGET:g}x = {VS_PREFECT_TARGET:g} times "
        "less overhead/step than Prefect; fully cached rerun of the scikit-learn pipeline "
        f"≤ {CACHED_TARGET:.0%} of its cold run (second table).",
        f"Workloads: chain = {sizes.chain_steps} steps x -> x + 1 in sequence; fan = one "
        f".map over {sizes.fan_items:,} items (x -> x + 1) and one step summing them "
        f"({sizes.fan_items + 1:,} steps); sklearn = 4 steps on the breast-cancer data "
        "(StandardScaler + LogisticRegression). No-op steps add one so that no two steps "
        "share inputs (either tool would serve a repeat from its cache).",
        "Runwright: tracking on, embedded SQLite + artifact folder in the temp folder "
        "(RUNWRIGHT_TRACKING_URI), cache on (its default). Executors: inline = this "
        "process, in order; local = worker processes from a forkserver (one per CPU), "
        "started when the first step must run (a fully cached rerun starts none).",
        f"Prefect {setup.prefect_version} (its own virtual environment; {pins}): the default "
        "ephemeral local server on SQLite in a fresh PREFECT_HOME (it starts on the first "
        "run call, so cold and cached walls include starting it). Tasks have "
        "cache_policy=INPUTS + TASK_SOURCE and persisted results in PREFECT_HOME. "
        "inline = tasks called directly in the flow (flow's thread); local = .submit/.map "
        "on ThreadPoolTaskRunner, Prefect's default task runner: threads in this process "
        "(as many as tasks ready: Prefect sets no limit by default), not processes — "
        "unlike Runwright's local executor.",
        "Runwright's walls exclude importing its SQL store (SQLAlchemy, the schema, "
        "sqlite3), which `import runwright` defers to first use: the worker imports it "
        "before the clock, as "
        "`import prefect` is for Prefect, and the import row of the last table includes it. "
        "Every step's records are committed as the step moves (a killed driver loses "
        "nothing); they and the outputs are flushed to disk together every second and "
        "durably before the run call returns. Prefect's walls include starting its "
        "temporary server (a subprocess) on every run; Prefect 3 reports task-run states as "
        "events sent in the background, so some of its tracking may land after the run "
        "call returns (see the exit row of the last table).",
    ]
    if setup.quick:
        lines.append("--quick sizes: smaller than the targets assume; figures are indicative.")
    if setup.prefect_missing:
        lines.append(f"Prefect figures missing: {setup.prefect_missing}")
    lines += [f"Prefect cache: {r}" for r in remarks]
    for tool, by_key in m.errors.items():
        for key, error in by_key.items():
            first, *rest = error.strip().splitlines()
            lines.append(f"{tool} {key} {first} {rest[-1].strip() if rest else ''}".rstrip())
    lines += [f"CHECK FAILED: {p}" for p in problems]
    before, after = setup.load
    load = f"{before:.1f} before, {after:.1f} after" if before is not None else "unknown"
    lines.append(
        f"Load average (1 min): {load}; on {os.cpu_count()} CPUs, anything above ~1 means "
        "other work competed with the measurements."
    )
    lines.append(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; runwright @ {setup.commit or '?'} (+ working tree)."
    )
    return lines


# -- rendering -----------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "—" if value is None else format_duration(value)


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:,.2f} ms" if abs(value) < 0.01 else f"{value * 1000:,.1f} ms"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _main_cells(line: Line) -> list[str]:
    targets = line.targets()
    shown = "; ".join(f"{what} {'✓' if met else '✗'}" for what, met in targets)
    return [
        f"{line.workload} ({line.steps:,})",
        line.executor,
        line.phase,
        _seconds(line.plain[RW]),
        _seconds(line.wall[RW]),
        _seconds(line.wall[PF]),
        _ms(line.per_step[RW]),
        _ms(line.per_step[PF]),
        format_ratio(line.comparison()),
        _ms(line.marginal[RW]),
        _ms(line.marginal[PF]),
        shown,
    ]


MAIN_COLUMNS = [
    "workload (steps)",
    "executor",
    "run",
    "plain Python",
    "Runwright wall",
    "Prefect wall",
    "RW overhead/step",
    "Prefect overhead/step",
    "ratio RW/Prefect (overhead)",
    "RW marginal/step",
    "Prefect marginal/step",
    "targets (RW)",
]


def _cached_cells(row: CachedRow) -> list[str]:
    met = row.target_met()
    mark = "" if met is None else (" ✓" if met else " ✗ MISSED")
    return [
        f"{LABELS[row.workload]}, {row.executor}",
        _percent(row.part[RW]),
        row.cached_steps[RW],
        _percent(row.part[PF]),
        row.cached_steps[PF],
        f"≤ {CACHED_TARGET:.0%}{mark}",
    ]


CACHED_COLUMNS = [
    "cached rerun ÷ cold run",
    "Runwright",
    "RW steps cached",
    "Prefect",
    "Prefect tasks cached",
    "target (RW)",
]


def _startup_cells(row: StartupRow) -> list[str]:
    ratio = format_number(row.runwright / row.prefect) if row.runwright and row.prefect else "—"
    return [row.measure, _seconds(row.runwright), _seconds(row.prefect), ratio]


STARTUP_COLUMNS = ["not in the wall times", "Runwright", "Prefect", "ratio RW/Prefect"]


def _title(setup: Setup) -> str:
    return f"Runwright vs Prefect {setup.prefect_version}: pipelines with tracking on"


def render_tables(summary: Summary, setup: Setup) -> list[Table]:
    main = Table(title=_title(setup))
    for index, name in enumerate(MAIN_COLUMNS):
        main.add_column(name, justify="right" if 3 <= index <= 10 else "left")
    for line in summary.lines:
        cells = _main_cells(line)
        if "✗" in cells[-1]:
            cells[-1] = f"[bold red]{cells[-1]}"
        elif cells[-1]:
            cells[-1] = f"[green]{cells[-1]}"
        main.add_row(*cells)
    cached = Table(title="Fully cached rerun, as a part of the cold run (medians)")
    for index, name in enumerate(CACHED_COLUMNS):
        cached.add_column(name, justify="left" if index in (0, 5) else "right")
    for row in summary.cached:
        cached.add_row(*_cached_cells(row))
    startup = Table(title="Process costs outside the wall times (medians)")
    for index, name in enumerate(STARTUP_COLUMNS):
        startup.add_column(name, justify="left" if index == 0 else "right")
    for srow in summary.startup:
        startup.add_row(*_startup_cells(srow))
    return [t for t in (main, cached, startup) if t.row_count]


def _markdown_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return [*out, ""]


def render_markdown(summary: Summary, setup: Setup, lines: list[str]) -> str:
    out = [f"### {_title(setup)}", ""]
    out += _markdown_table(MAIN_COLUMNS, [_main_cells(ln) for ln in summary.lines])
    if summary.cached:
        out += _markdown_table(CACHED_COLUMNS, [_cached_cells(r) for r in summary.cached])
    if summary.startup:
        out += _markdown_table(STARTUP_COLUMNS, [_startup_cells(r) for r in summary.startup])
    out += [f"- {line}" for line in lines]
    return "\n".join(out)
