"""The serving benchmark's table: medians over rounds, ratios, and the targets."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from rich.table import Table

__all__ = ["Row", "Setup", "render_markdown", "render_table", "summarise", "verdicts"]

# Target: at 16 connections with 1-row bodies, >= 3x MLflow's requests/s, p99 no worse.
SPEEDUP_TARGET = 3.0
# Target: with 1,000-row bodies, >= 70% of the in-process limit.
LIMIT_TARGET = 0.70


@dataclass(frozen=True)
class Setup:
    rounds: int
    seconds: float
    workers: int
    mlflow_version: str
    mlflow_missing: str | None
    versions: dict[str, str]
    commit: str
    load_average: tuple[float, float]


@dataclass(frozen=True)
class Row:
    load: str
    rows: int
    connections: int
    runwright: dict[str, float] | None
    mlflow: dict[str, float] | None
    limit_model: float | None
    limit_body: float | None

    def speedup(self) -> float | None:
        if not self.runwright or not self.mlflow or not self.mlflow["rps"]:
            return None
        return self.runwright["rps"] / self.mlflow["rps"]

    def of_limit(self) -> float | None:
        if not self.runwright or not self.limit_body:
            return None
        return self.runwright["rps"] / self.limit_body


def _median(samples: list[dict[str, Any]] | None) -> dict[str, float] | None:
    if not samples:
        return None
    keys = ("rps", "p50_us", "p99_us", "errors")
    return {k: float(statistics.median(s[k] for s in samples)) for k in keys}


def summarise(
    loads: list[Any],
    measured: dict[str, dict[str, list[dict[str, Any]]]],
    limits: list[dict[str, dict[str, float]]],
) -> list[Row]:
    rows = []
    for load in loads:
        bodies = [found[load.body] for found in limits if load.body in found]
        rows.append(
            Row(
                load=load.name,
                rows=int(bodies[0]["rows"]) if bodies else 0,
                connections=load.connections,
                runwright=_median(measured.get("runwright", {}).get(load.name)),
                mlflow=_median(measured.get("mlflow", {}).get(load.name)),
                limit_model=statistics.median(b["model"] for b in bodies) if bodies else None,
                limit_body=statistics.median(b["body"] for b in bodies) if bodies else None,
            )
        )
    return rows


def verdicts(rows: list[Row]) -> list[str]:
    """One line per target: met or missed, with the figures."""
    lines = []
    for row in rows:
        if row.rows == 1 and row.connections == 16:
            speedup = row.speedup()
            if speedup is None or row.runwright is None or row.mlflow is None:
                lines.append("16 connections, 1 row: no comparison (a tool is missing)")
                continue
            p99_ok = row.runwright["p99_us"] <= row.mlflow["p99_us"]
            met = speedup >= SPEEDUP_TARGET and p99_ok
            lines.append(
                f"{'MET' if met else 'MISSED'}: 16 connections, 1-row bodies: "
                f"{speedup:.1f}x MLflow's requests/s (target >= {SPEEDUP_TARGET:g}x), p99 "
                f"{row.runwright['p99_us'] / 1000:.1f} ms vs {row.mlflow['p99_us'] / 1000:.1f} ms "
                f"({'no worse' if p99_ok else 'worse'})"
            )
        if row.rows >= 1000:
            share = row.of_limit()
            if share is None:
                lines.append(f"{row.load}: no in-process limit measured")
                continue
            lines.append(
                f"{'MET' if share >= LIMIT_TARGET else 'MISSED'}: {row.load}: "
                f"{share:.0%} of the in-process limit from the same bodies "
                f"(target >= {LIMIT_TARGET:.0%}); "
                f"{(row.runwright['rps'] if row.runwright else 0) / (row.limit_model or 1):.0%} "
                "of predict alone on ready DataFrames"
            )
    return lines


def _fmt(value: float | None, scale: float = 1.0, digits: int = 0) -> str:
    return "—" if value is None else f"{value / scale:,.{digits}f}"


def _cells(row: Row) -> list[str]:
    rw, ml = row.runwright or {}, row.mlflow or {}
    speedup = row.speedup()
    share = row.of_limit()
    return [
        row.load,
        _fmt(rw.get("rps")),
        _fmt(rw.get("p50_us"), 1000, 1),
        _fmt(rw.get("p99_us"), 1000, 1),
        _fmt(ml.get("rps")),
        _fmt(ml.get("p50_us"), 1000, 1),
        _fmt(ml.get("p99_us"), 1000, 1),
        "—" if speedup is None else f"{speedup:.1f}x",
        _fmt(row.limit_model),
        _fmt(row.limit_body),
        "—" if share is None else f"{share:.0%}",
    ]


HEADERS = [
    "load",
    "Runwright req/s",
    "p50 ms",
    "p99 ms",
    "MLflow req/s",
    "p50 ms",
    "p99 ms",
    "Runwright/MLflow",
    "in-process predict/s",
    "in-process from body/s",
    "Runwright/in-process",
]


def _title(setup: Setup) -> str:
    return (
        f"Serving: a LogisticRegression on 20 features, {setup.workers} worker(s) per server, "
        f"wrk on loopback, median of {setup.rounds} rounds of {setup.seconds:g} s"
    )


def render_table(rows: list[Row], setup: Setup) -> Table:
    table = Table(title=_title(setup))
    for header in HEADERS:
        table.add_column(header, justify="left" if header == "load" else "right")
    for row in rows:
        table.add_row(*_cells(row))
    return table


def render_markdown(rows: list[Row], setup: Setup, lines: list[str]) -> str:
    out = [f"**{_title(setup)}**", "", "| " + " | ".join(HEADERS) + " |"]
    out.append("|" + "|".join(["---"] + ["---:"] * (len(HEADERS) - 1)) + "|")
    out += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    out.append("")
    out += [f"- {line}" for line in lines]
    versions = "; ".join(f"{k}: {v}" for k, v in setup.versions.items())
    out.append(
        f"- commit {setup.commit or '?'}; {versions}; load average "
        f"{setup.load_average[0]:.1f} before, {setup.load_average[1]:.1f} after"
    )
    if setup.mlflow_missing:
        out.append(f"- MLflow missing: {setup.mlflow_missing}")
    return "\n".join(out)
