"""Turn the tracking workers' raw results into figures, checks and a report: a Rich
table for the terminal and the same table in Markdown, to paste into an issue note."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness import Measured
from rich.table import Table
from workloads.shapes import (
    PAGE_ORDER_BY,
    SEARCH_FILTER,
    SEARCH_ORDER_BY,
    SEARCH_PAGE_SIZE,
    Sizes,
)

__all__ = [
    "Figure",
    "Row",
    "Setup",
    "checks",
    "format_duration",
    "format_number",
    "format_ratio",
    "notes",
    "render_markdown",
    "render_table",
]

RW, ML = "runwright", "mlflow"
# Runwright's targets for the embedded store.
LOG_METRIC_TARGET = 200_000.0  # calls/s on the caller, i.e. <= 5 µs a call
SEARCH_P50_TARGET = 0.050  # seconds
IMPORT_TARGET = 0.150  # seconds


@dataclass(frozen=True)
class Setup:
    """How the run was made: what the figures and notes need to be read right."""

    sizes: Sizes
    quick: bool
    quick_repeat: int
    big_repeat: int
    imports: int
    mlflow_version: str
    mlflow_missing: str | None
    commit: str
    # 1-minute load averages before and after measuring (None where unknown): other
    # work on a shared machine slows both tools down, unevenly.
    load: tuple[float | None, float | None] = (None, None)


@dataclass
class Figure:
    median: float
    samples: list[float]


@dataclass
class Row:
    """One line of the report: a measure for both tools and how they compare."""

    measure: str
    better: str  # "higher" or "lower"
    kind: str  # "rate" (per second) or "time" (seconds)
    runwright: Figure | None
    mlflow: Figure | None
    target: tuple[str, float] | None = None  # (">=" or "<=", value), for Runwright
    mlflow_note: str = ""
    per_call: bool = False
    compare: bool = True

    def ratio(self) -> float | None:
        """Runwright ÷ MLflow."""
        if not self.compare or self.runwright is None or self.mlflow is None:
            return None
        if self.mlflow.median == 0:
            return None
        return self.runwright.median / self.mlflow.median

    def speedup(self) -> float | None:
        """How many times better Runwright is (below 1: worse), whichever way is better."""
        ratio = self.ratio()
        if ratio is None or ratio == 0:
            return None
        return ratio if self.better == "higher" else 1 / ratio

    def target_met(self) -> bool | None:
        if self.target is None or self.runwright is None:
            return None
        op, value = self.target
        return self.runwright.median >= value if op == ">=" else self.runwright.median <= value


# -- figures -------------------------------------------------------------------------------


def _figure(samples: list[float]) -> Figure | None:
    return Figure(statistics.median(samples), samples) if samples else None


def _rates(results: list[dict[str, Any]] | None, count: str, seconds: str) -> Figure | None:
    if not results:
        return None
    return _figure([r[count] / r[seconds] for r in results])


def _single(
    m: Measured, tool: str, key: str, pick: Callable[[dict[str, Any]], list[float]]
) -> Figure | None:
    """A figure from a workload that ran once and reports several samples itself."""
    found = m.get(tool, key)
    return _figure(pick(found[0])) if found else None


def summarise(m: Measured, setup: Setup) -> list[Row]:
    sizes = setup.sizes
    rows: list[Row] = []
    variants = [
        ("log_metric_sync", "sync", sizes.mlflow_sync_calls),
        ("log_metric_async", "async", sizes.mlflow_async_calls),
        ("log_metric_async_buffered", "async + 1 s buffer", sizes.mlflow_async_buffered_calls),
    ]
    rw_log = m.get(RW, "log_metric")
    for key, label, calls in variants:
        rows.append(
            Row(
                f"log_metric calls/s ↑ (vs MLflow {label})",
                "higher",
                "rate",
                _rates(rw_log, "calls", "call_seconds"),
                _rates(m.get(ML, key), "calls", "call_seconds"),
                target=(">=", LOG_METRIC_TARGET),
                mlflow_note=f"{calls:,} calls",
                per_call=True,
            )
        )
    for key, label, calls in variants:
        rows.append(
            Row(
                f"metrics persisted/s ↑ (vs MLflow {label})",
                "higher",
                "rate",
                _rates(rw_log, "calls", "persist_seconds"),
                _rates(m.get(ML, key), "calls", "persist_seconds"),
                mlflow_note=f"{calls:,} calls",
            )
        )
    rows.append(
        Row(
            f"runs created/s ↑ (start_run + end_run, x{sizes.runs})",
            "higher",
            "rate",
            _rates(m.get(RW, "create_runs"), "runs", "seconds"),
            _rates(m.get(ML, "create_runs"), "runs", "seconds"),
        )
    )

    def p50(r: dict[str, Any]) -> list[float]:
        return [x["p50"] for x in r["rounds"]]

    def p95(r: dict[str, Any]) -> list[float]:
        return [x["p95"] for x in r["rounds"]]

    def deep(r: dict[str, Any]) -> list[float]:
        return list(r.get("page_fetch_seconds", []))

    rows += [
        Row(
            f"search_runs p50 ↓ (filtered, ordered, 100 of {sizes.search_runs:,} runs)",
            "lower",
            "time",
            _single(m, RW, "search", p50),
            _single(m, ML, "search", p50),
            target=("<=", SEARCH_P50_TARGET),
        ),
        Row(
            "search_runs p95 ↓ (same query)",
            "lower",
            "time",
            _single(m, RW, "search", p95),
            _single(m, ML, "search", p95),
        ),
        Row(
            f"search_runs page {sizes.search_page} via page token ↓ (ordered, no filter)",
            "lower",
            "time",
            _single(m, RW, "search", deep),
            _single(m, ML, "search", deep),
        ),
    ]

    def reads(r: dict[str, Any]) -> list[float]:
        return list(r["read_seconds"])

    rows.append(
        Row(
            f"get_metric_history ↓ ({sizes.history_points:,} points)",
            "lower",
            "time",
            _single(m, RW, "metric_history", reads),
            _single(m, ML, "metric_history", reads),
        )
    )

    def imports(r: dict[str, Any]) -> list[float]:
        return list(r["import_seconds"])

    def floors(r: dict[str, Any]) -> list[float]:
        return list(r["python_seconds"])

    rows += [
        Row(
            'python -c "import runwright|mlflow" ↓',
            "lower",
            "time",
            _single(m, RW, "import", imports),
            _single(m, ML, "import", imports),
            target=("<=", IMPORT_TARGET),
        ),
        Row(
            "  (for reference: python -c pass) ↓",
            "lower",
            "time",
            _single(m, RW, "import", floors),
            _single(m, ML, "import", floors),
            compare=False,
        ),
    ]
    return [r for r in rows if r.runwright is not None or r.mlflow is not None]


def checks(m: Measured, setup: Setup) -> list[str]:
    """Sanity checks on what the workers report: everything stored, the same answers."""
    problems = []
    for tool, by_key in m.results.items():
        for key, results in by_key.items():
            for r in results:
                if key.startswith("log_metric") and r["stored"] != r["calls"]:
                    problems.append(f"{tool} {key}: stored {r['stored']} of {r['calls']} values")
                if key == "metric_history" and r["stored"] != r["points"]:
                    problems.append(f"{tool} history: read {r['stored']} of {r['points']} points")
                page = r.get("check", {"page_size": SEARCH_PAGE_SIZE, "page_runs_complete": True})
                if page["page_size"] != SEARCH_PAGE_SIZE or not page["page_runs_complete"]:
                    problems.append(f"{tool} search: incomplete first page {page}")
    both = m.get(RW, "search"), m.get(ML, "search")
    if both[0] and both[1]:
        a, b = both[0][0], both[1][0]
        if a["check"]["top_m2"] != b["check"]["top_m2"]:
            problems.append("search: the tools disagree on the best run of the filtered page")
        if a.get("page_check") != b.get("page_check"):
            problems.append(f"search: the tools disagree on page {setup.sizes.search_page}")
    return problems


def notes(m: Measured, setup: Setup, problems: list[str]) -> list[str]:
    """What a reader needs to trust the table: method, sizes, setup costs, failures."""
    sizes = setup.sizes
    lines = [
        "Medians. ↑ = higher is better for that row, ↓ = lower is better. Ratio = Runwright "
        "÷ MLflow (so > 1 is good for ↑ rows, < 1 for ↓ rows); the verdict after the arrow "
        "says how many times better or worse Runwright is. Targets apply to Runwright.",
        f"Repetitions: {setup.quick_repeat} fresh processes (fresh temp folder each) for "
        f"log_metric and runs; search: {setup.big_repeat} rounds of {sizes.search_queries} "
        "queries after 2 warm-ups (p50/p95 per round, median of rounds); history: "
        f"{setup.big_repeat} reads; import: {setup.imports} fresh processes after a warm-up.",
    ]
    if any(k.startswith("log_metric") for by_key in m.results.values() for k in by_key):
        lines.append(
            f"Runwright log_metric: {sizes.rw_log_metric_calls:,} calls via rw.log_metric, "
            "persisted = from the first call until rw.flush() returns. MLflow: sync = "
            "log_metric(synchronous=True), stored on return; async = synchronous=False with "
            "MLflow's defaults (one write per value), persisted when "
            "mlflow.flush_async_logging() returns; async + 1 s buffer = the same with "
            "MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS=1 (batched writes). MLflow call counts are "
            "in brackets."
        )
    if m.get(RW, "search") or m.get(ML, "search"):
        skip = (sizes.search_page - 1) * SEARCH_PAGE_SIZE
        lines.append(
            f"Search: filter `{SEARCH_FILTER}`, order_by {SEARCH_ORDER_BY}, max_results="
            f"{SEARCH_PAGE_SIZE}, over runs with 5 params, 5 metrics and 2 tags. Page "
            f"{sizes.search_page}: order_by {PAGE_ORDER_BY}, no filter, fetched with the page "
            f"token that follows the first {skip:,} runs (taken from one search with "
            f"max_results={skip:,}, not timed in the table)."
        )
    for tool in (RW, ML):
        found = m.get(tool, "search")
        if found:
            r = found[0]
            populate = r.get("populate_seconds")
            text = f"{populate:,.0f} s" if populate is not None else "reused from bench/.work/"
            if r.get("skip_seconds") is not None:
                skip = (r["page"] - 1) * SEARCH_PAGE_SIZE
                text += f"; the {skip:,}-run search for the token: {r['skip_seconds']:,.2f} s"
            lines.append(f"{tool} search population (not measured): {text}.")
    if setup.quick:
        lines.append("--quick sizes: smaller than the targets assume; targets are indicative.")
    if setup.mlflow_missing:
        lines.append(f"MLflow figures missing: {setup.mlflow_missing}")
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
        f"{platform.python_version()}; runwright @ {setup.commit or '?'} (+ working tree); "
        f"mlflow {setup.mlflow_version}."
    )
    return lines


# -- rendering -----------------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:,.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:,.1f} ms"
    return f"{seconds * 1e6:,.1f} µs"


def format_number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:.2f}" if value >= 1 else f"{value:.2g}"


def _value(figure: Figure | None, row: Row) -> str:
    if figure is None:
        return "—"
    if row.kind == "time":
        return format_duration(figure.median)
    text = format_number(figure.median) + "/s"
    if row.per_call and figure.median:
        text += f" ({format_duration(1 / figure.median)})"
    return text


def format_ratio(row: Row) -> str:
    """Runwright ÷ MLflow, and in words how many times better or worse that is."""
    ratio, speedup = row.ratio(), row.speedup()
    if ratio is None or speedup is None:
        return "—"
    if abs(speedup - 1) < 0.02:
        return f"{format_number(ratio)} → the same"
    if speedup >= 1:
        return f"{format_number(ratio)} → RW {format_number(speedup)}x better"
    return f"{format_number(ratio)} → RW {format_number(1 / speedup)}x worse"


def _target(row: Row) -> str:
    if row.target is None:
        return ""
    op, value = row.target
    shown = f"{value:,.0f}/s" if row.kind == "rate" else f"{value * 1000:,.0f} ms"
    met = row.target_met()
    mark = "" if met is None else (" ✓ met" if met else " ✗ MISSED")
    return f"{'≥' if op == '>=' else '≤'} {shown}{mark}"


def _cells(row: Row) -> list[str]:
    mlflow = _value(row.mlflow, row)
    if row.mlflow is not None and row.mlflow_note:
        mlflow += f" [{row.mlflow_note}]"
    return [row.measure, _value(row.runwright, row), mlflow, format_ratio(row), _target(row)]


def _title(setup: Setup) -> str:
    return f"Runwright vs MLflow {setup.mlflow_version}: embedded SQLite store"


def render_table(rows: list[Row], setup: Setup) -> Table:
    table = Table(title=_title(setup))
    table.add_column("measure", no_wrap=True)
    table.add_column("Runwright", justify="right")
    table.add_column("MLflow", justify="right")
    table.add_column("ratio RW/MLflow")
    table.add_column("target (RW)")
    for row in rows:
        cells = _cells(row)
        met = row.target_met()
        if met is not None:
            cells[4] = f"[green]{cells[4]}" if met else f"[bold red]{cells[4]}"
        table.add_row(*cells)
    return table


def render_markdown(rows: list[Row], setup: Setup, lines: list[str]) -> str:
    out = [
        f"### {_title(setup)}",
        "",
        "| measure | Runwright | MLflow | ratio RW/MLflow | target (RW) |",
        "|---|---:|---:|---|---|",
    ]
    for row in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(row)) + " |")
    out.append("")
    out += [f"- {line}" for line in lines]
    return "\n".join(out)
