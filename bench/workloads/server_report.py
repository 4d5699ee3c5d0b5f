"""Turn the server benchmark's raw results into figures, checks and a report: a Rich
table for the terminal and the same table in Markdown, to paste into an issue note.

Rows are tracking_report's `Row`s, so a ratio means the same in both reports.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness import Measured
from rich.table import Table
from tracking_report import Figure, Row, format_duration, format_number, format_ratio
from workloads.server_clients import HISTORY_PAGE, Sizes
from workloads.server_processes import SETTLE_SECONDS
from workloads.shapes import SEARCH_FILTER, SEARCH_ORDER_BY, SEARCH_PAGE_SIZE

__all__ = ["Setup", "checks", "notes", "render_markdown", "render_table", "summarise"]

RW, ML = "runwright", "mlflow"


@dataclass(frozen=True)
class Setup:
    """How the run was made: what the figures and notes need to be read right."""

    sizes: Sizes
    quick: bool
    rounds: int
    workers: int
    mlflow_version: str
    mlflow_missing: str | None
    versions: dict[str, str]
    commit: str
    load_average: tuple[float, float]  # 1-minute load at the start and at the end


# -- figures -------------------------------------------------------------------------------


def _figure(samples: list[float]) -> Figure | None:
    return Figure(statistics.median(samples), samples) if samples else None


def _per_round(
    m: Measured, tool: str, key: str, pick: Callable[[dict[str, Any]], float]
) -> Figure | None:
    """The median over rounds of one number per round."""
    return _figure([pick(r) for r in m.get(tool, key) or []])


def _pooled(m: Measured, tool: str, key: str, field: str) -> Figure | None:
    """The median of every sample of every round."""
    return _figure([s for r in m.get(tool, key) or [] for s in r[field]])


def summarise(m: Measured, setup: Setup) -> list[Row]:
    sizes = setup.sizes

    def both(
        key: str, pick: Callable[[dict[str, Any]], float]
    ) -> tuple[Figure | None, Figure | None]:
        return _per_round(m, RW, key, pick), _per_round(m, ML, key, pick)

    def rate(count: str) -> Callable[[dict[str, Any]], float]:
        return lambda r: float(r[count]) / float(r["seconds"])

    rows = [
        Row(
            "GET /health round trip, keep-alive, p50 ↓ (transport floor)",
            "lower",
            "time",
            *both("ping", lambda r: float(r["p50"])),
        ),
        Row(
            f"runs/create, sequential x{sizes.runs} — runs/s ↑",
            "higher",
            "rate",
            *both("create_runs", rate("runs")),
        ),
        Row(
            f"runs/log-batch, {sizes.batches} x {sizes.batch:,} metrics — metrics/s ↑",
            "higher",
            "rate",
            *both("ingest", rate("metrics")),
        ),
        Row(
            f"mix, {sizes.clients} clients x {sizes.mix_seconds:.0f} s — requests/s ↑",
            "higher",
            "rate",
            *both("mix", rate("requests")),
        ),
        Row("  mix latency p50 ↓", "lower", "time", *both("mix", lambda r: float(r["p50"]))),
        Row("  mix latency p95 ↓", "lower", "time", *both("mix", lambda r: float(r["p95"]))),
    ]
    errors = _errors(m, RW), _errors(m, ML)
    rows.append(
        Row("  mix errors, all rounds (must be 0)", "lower", "count", *errors, compare=False)
    )
    rows += [
        Row(
            f"runs/search p50, 100 of {sizes.search_runs:,} runs ↓",
            "lower",
            "time",
            *both("search", lambda r: float(r["p50"])),
        ),
        Row("runs/search p95 ↓", "lower", "time", *both("search", lambda r: float(r["p95"]))),
        Row(
            f"metrics/get-history, {sizes.batches * sizes.batch:,} points, 1 request ↓",
            "lower",
            "time",
            _pooled(m, RW, "history_whole", "seconds"),
            _pooled(m, ML, "history_whole", "seconds"),
        ),
        Row(
            f"  same, pages of {HISTORY_PAGE:,} (as MLflow's client reads) ↓",
            "lower",
            "time",
            _pooled(m, RW, "history_paged", "seconds"),
            _pooled(m, ML, "history_paged", "seconds"),
        ),
        Row(
            "server start → /health 200, fresh folder ↓",
            "lower",
            "time",
            *both("start_fresh", lambda r: float(r["seconds"])),
        ),
        Row(
            "server start → /health 200, existing store ↓",
            "lower",
            "time",
            *both("start_existing", lambda r: float(r["seconds"])),
        ),
    ]
    starts = _start_failures(m, RW), _start_failures(m, ML)
    if any(f is not None and f.median for f in starts):
        label = "  server died while starting or in use (step redone)"
        rows.append(Row(label, "lower", "count", *starts, compare=False))
    return [r for r in rows if r.runwright is not None or r.mlflow is not None]


def _start_failures(m: Measured, tool: str) -> Figure | None:
    if not m.get(tool, "start_fresh"):
        return None
    failed = len(m.get(tool, "start_failures") or [])
    return Figure(float(failed), [float(failed)])


def _errors(m: Measured, tool: str) -> Figure | None:
    found = m.get(tool, "mix")
    if not found:
        return None
    counts = [float(r["error_count"]) for r in found]
    return Figure(sum(counts), counts)


def checks(m: Measured, setup: Setup) -> list[str]:
    """Sanity checks: Runwright without errors, histories whole, the same search page."""
    sizes = setup.sizes
    problems = []
    for r in m.get(RW, "mix") or []:
        if r["error_count"]:
            problems.append(f"runwright answered {r['error_count']} mix requests with errors")
    failed = m.get(RW, "start_failures") or []
    if failed:
        reasons = Counter(f["reason"] for f in failed)
        problems.append(
            f"runwright server died {len(failed)} time(s) while starting or in use: "
            + "; ".join(f"{n} x {reason}" for reason, n in reasons.most_common(2))
        )
    points = sizes.batches * sizes.batch
    for tool in (RW, ML):
        for key in ("history_whole", "history_paged"):
            for r in m.get(tool, key) or []:
                if r["points"] != points:
                    problems.append(f"{tool} {key}: read {r['points']:,} of {points:,} points")
        for r in m.get(tool, "search") or []:
            check = r["check"]
            if check["page_size"] != SEARCH_PAGE_SIZE or not check["complete"]:
                problems.append(f"{tool} search: incomplete first page ({check['page_size']} runs)")
    rw, ml = m.get(RW, "search"), m.get(ML, "search")
    if rw and ml and rw[0]["check"]["m2"] != ml[0]["check"]["m2"]:
        problems.append("search: the servers disagree on the first page (m2 values differ)")
    return problems


def notes(m: Measured, setup: Setup, problems: list[str]) -> list[str]:
    """What a reader needs to trust the table: method, sizes, setup, failures."""
    sizes = setup.sizes
    lines = [
        "Medians over rounds. ↑ = higher is better, ↓ = lower is better. Ratio = Runwright "
        "÷ MLflow; the verdict after the arrow says how many times better or worse "
        "Runwright is.",
        f"Both servers: --workers {setup.workers} (uvicorn), SQLite in a fresh temp folder "
        "on the same disk, 127.0.0.1, driven by the same httpx code (one keep-alive "
        f"connection per client). {setup.rounds} rounds; in each, Runwright and MLflow take "
        "turns on every measure, the order flipping each round. Each server is started "
        "once, untimed, before the rounds; both read compiled bytecode from one cache "
        "(PYTHONPYCACHEPREFIX under bench/.work/). MLflow runs with "
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false (no huey job runner).",
        f"runs/create: {sizes.runs} requests one after another (experiment_id, run_name, "
        "start_time and the 3 tags MLflow's client sends), after 10 untimed. log-batch: "
        f"{sizes.batches} requests of {sizes.batch:,} metrics (one key, increasing steps) "
        "into one run, bodies encoded before timing, after one untimed batch to another run. "
        "Both on the round's first fresh server, which also gives the fresh-folder start "
        "time; the existing-store start is that server's folder started again. A start "
        f"counts once /health answers 200; the server must then stay up {SETTLE_SECONDS:.0f} s "
        "more (not timed), else it is started again on a cleared folder; a server that dies "
        "in use has the whole step redone on a fresh one (up to 3 tries). Deaths are counted.",
        f"get-history: the {sizes.batches * sizes.batch:,}-point history just ingested, read "
        f"{sizes.history_reads} times per round in one request (no max_results) and page by "
        f"page with max_results={HISTORY_PAGE:,}; timed until the last byte arrives.",
        f"mix: {sizes.clients} client processes on a fresh server, each on its own run (a new "
        "one every 25 rounds, created inside the timed span) repeating log-batch (100 metrics: "
        "10 keys x 10 steps), log-parameter (a new key), set-tag (one of 5 keys) and "
        f"runs/get, for {sizes.mix_seconds:.0f} s; requests/s = requests answered 200 ÷ the "
        "span from the common start to the last client's end. Latency per request, all "
        "kinds pooled. The clients share the two cores with the server.",
        f"search: filter `{SEARCH_FILTER}`, order_by {SEARCH_ORDER_BY}, max_results="
        f"{SEARCH_PAGE_SIZE}, over {sizes.search_runs:,} runs with 5 params, 5 metrics and "
        f"2 tags, stored through the API (runs/create + log-batch); {sizes.search_queries} "
        "queries per round (2 untimed first), p50 and p95 per round.",
    ]
    floors = [_per_round(m, tool, "ping", lambda r: float(r["p50"])) for tool in (RW, ML)]
    if setup.workers > 1 and any(f is not None and f.median > 0.030 for f in floors):
        lines.append(
            "Transport floor: with --workers above 1, uvicorn (both servers run 0.54.0) binds "
            "the listening socket itself without IPPROTO_TCP, so asyncio never sets "
            "TCP_NODELAY on accepted connections (Kludex/uvicorn#3149, open): on Linux every "
            "request after the first on a keep-alive connection waits ~40 ms for the "
            "client's delayed ACK. Both servers pay it (the /health row); it caps "
            "sequential and per-client rates. --workers 1 does not have it."
        )
    for tool in (RW, ML):
        for r in m.get(tool, "search_populate") or []:
            took = r["seconds"]
            text = f"{took:,.0f} s" if took is not None else "reused from bench/.work/"
            lines.append(f"{tool} search population (not measured): {text}.")
        failed = m.get(tool, "start_failures") or []
        if failed and tool != RW:
            reasons = Counter(f["reason"] for f in failed)
            shown = "; ".join(f"{n} x {reason}" for reason, n in reasons.most_common(2))
            lines.append(f"{tool} server died {len(failed)} time(s): {shown}.")
        mix_errors: Counter[str] = Counter()
        for r in m.get(tool, "mix") or []:
            mix_errors.update(r["errors"])
        if mix_errors:
            shown = "; ".join(f"{n} x {what}" for what, n in mix_errors.most_common(4))
            lines.append(f"{tool} mix errors: {shown}.")
    if setup.quick:
        lines.append("--quick sizes: a smoke run, not figures to quote.")
    if setup.mlflow_missing:
        lines.append(f"MLflow figures missing: {setup.mlflow_missing}")
    for tool, by_key in m.errors.items():
        for key, error in by_key.items():
            lines.append(f"{tool} {key} failed: {error.splitlines()[0]}")
    lines += [f"CHECK FAILED: {p}" for p in problems]
    versions = "; ".join(f"{tool}: {text}" for tool, text in setup.versions.items())
    start, end = setup.load_average
    lines.append(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, 1-minute load {start:.1f} at the start and {end:.1f} "
        f"at the end; runwright @ {setup.commit or '?'} (+ working tree). {versions}."
    )
    return lines


# -- rendering -----------------------------------------------------------------------------


def _value(figure: Figure | None, row: Row) -> str:
    if figure is None:
        return "—"
    if row.kind == "time":
        return format_duration(figure.median)
    if row.kind == "count":
        return f"{figure.median:,.0f}"
    return format_number(figure.median) + "/s"


def _cells(row: Row) -> list[str]:
    return [row.measure, _value(row.runwright, row), _value(row.mlflow, row), format_ratio(row)]


def _title(setup: Setup) -> str:
    return (
        f"Runwright vs MLflow {setup.mlflow_version}: tracking server over HTTP "
        f"(--workers {setup.workers}, SQLite)"
    )


def render_table(rows: list[Row], setup: Setup) -> Table:
    table = Table(title=_title(setup))
    table.add_column("measure", no_wrap=True)
    table.add_column("Runwright", justify="right")
    table.add_column("MLflow", justify="right")
    table.add_column("ratio RW/MLflow")
    for row in rows:
        cells = _cells(row)
        if row.kind == "count" and row.runwright is not None and row.runwright.median:
            cells[1] = f"[bold red]{cells[1]}"
        speedup = row.speedup()
        if speedup is not None and abs(speedup - 1) >= 0.02:
            cells[3] = f"[green]{cells[3]}" if speedup >= 1 else f"[red]{cells[3]}"
        table.add_row(*cells)
    return table


def render_markdown(rows: list[Row], setup: Setup, lines: list[str]) -> str:
    out = [
        f"### {_title(setup)}",
        "",
        "| measure | Runwright | MLflow | ratio RW/MLflow |",
        "|---|---:|---:|---|",
    ]
    for row in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(row)) + " |")
    out.append("")
    out += [f"- {line}" for line in lines]
    return "\n".join(out)
