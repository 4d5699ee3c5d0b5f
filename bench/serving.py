"""Serving benchmark: Runwright's scoring server vs `mlflow models serve`, driven by wrk.

    uv run python bench/serving.py                  # 3 rounds of 10 s per load, ~10 min
    uv run python bench/serving.py --quick          # 1 round of 4 s per load
    uv run python bench/serving.py --workers 1 --json out.json

The script trains one scikit-learn LogisticRegression on 20 features and serves that
very estimator twice: logged with Runwright (registered, alias `champion`) and served
by `runwright serve models:/bench-lr@champion`, and saved as an MLflow model (in
MLflow's pinned environment bench/.venvs/mlflow-<version>, made with pip on first use)
and served by `mlflow models serve --env-manager local`, with the same number of
workers. `wrk` (Debian's package; installed with apt-get when missing) POSTs the same
`dataframe_split` bodies to both on loopback: 1-row bodies at 1 and 16 connections,
1,000-row bodies at 4 connections. Rounds alternate the tools' order.

The physical limit: in-process `predict` calls per second on the same bodies, in a
process of its own with no server running — on the body's rows ready in a DataFrame,
and from the body's bytes (JSON decoding included).

Targets: at 16 connections, >= 3x MLflow's requests/s with a p99 no worse; with
1,000-row bodies, >= 70% of the in-process limit. Exit status 1 when a server
answered with errors (a broken comparison), 0 otherwise: missed targets are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness import clean_env, console, ensure_venv, git_commit
from rich.console import Console
from workloads.server_processes import RunningServer, ServerError, ServerKind, start_server
from workloads.serving_load import Load, WrkMissingError, ensure_wrk, run_wrk
from workloads.serving_report import Setup, render_markdown, render_table, summarise, verdicts

BENCH = Path(__file__).resolve().parent
WORKLOADS = BENCH / "workloads"
MLFLOW_VERSION = "3.17.2"
MLFLOW_VENV = BENCH / ".venvs" / f"mlflow-{MLFLOW_VERSION}"
PYCACHE = BENCH / ".work" / "pycache"
MODEL_NAME = "bench-lr"
FEATURES = 20
TRAIN_ROWS = 5_000
BIG_BODY_ROWS = 1_000
WARMUP_SECONDS = 2.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 4 s per load")
    parser.add_argument("--repeat", type=int, help="rounds (default 3; --quick: 1)")
    parser.add_argument("--seconds", type=float, help="seconds per load (default 10)")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes of each server (default 1)"
    )
    parser.add_argument("--only", choices=("runwright", "mlflow"), help="one server only")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    return parser.parse_args(argv)


# -- the model and the bodies --------------------------------------------------------------


def prepare(folder: Path) -> dict[str, Path]:
    """Train the model; log it with Runwright; write it, a sample and the bodies."""
    import warnings

    import joblib
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import runwright as rw
    from runwright.models import log_model
    from runwright.registry import Registry

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(20)
    columns = [f"f{i}" for i in range(FEATURES)]
    features = pd.DataFrame(rng.normal(size=(TRAIN_ROWS, FEATURES)), columns=columns)
    weights = rng.normal(size=FEATURES)
    target = (features.to_numpy() @ weights + rng.normal(size=TRAIN_ROWS) > 0).astype(int)
    model = LogisticRegression(max_iter=1000).fit(features, target)

    paths = {
        "joblib": folder / "model.joblib",
        "sample": folder / "sample.json",
        "store": folder / "runwright-store",
        "body_1": folder / "body_1.json",
        f"body_{BIG_BODY_ROWS}": folder / f"body_{BIG_BODY_ROWS}.json",
    }
    joblib.dump(model, paths["joblib"])
    paths["sample"].write_text(json.dumps(features[:100].to_dict(orient="split")))
    for rows in (1, BIG_BODY_ROWS):
        data = rng.normal(size=(rows, FEATURES)).round(6).tolist()
        body = {"dataframe_split": {"columns": columns, "data": data}}
        paths[f"body_{rows}"].write_text(json.dumps(body))
    rw.set_tracking_uri(str(paths["store"]))
    try:
        with rw.start_run(run_name="bench-serving"):
            info = log_model(model, name="model", input_example=features[:5])
        registry = Registry()
        version = registry.register_model(info.model_uri, MODEL_NAME)
        registry.set_registered_model_alias(MODEL_NAME, "champion", version.version)
    finally:
        rw.set_tracking_uri(None)
    return paths


def save_mlflow_model(python: Path, paths: dict[str, Path], folder: Path) -> Path:
    destination = folder / "mlflow-model"
    done = subprocess.run(
        [
            str(python),
            str(WORKLOADS / "serving_mlflow_model.py"),
            str(paths["joblib"]),
            str(paths["sample"]),
            str(destination),
        ],
        capture_output=True,
        text=True,
        env=_mlflow_env(),
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"saving the MLflow model failed: {done.stderr.strip()[-800:]}")
    return destination


# -- the servers --------------------------------------------------------------------------


def _base_env() -> dict[str, str]:
    return clean_env("RUNWRIGHT_", "MLFLOW_", pycache=PYCACHE)


def _mlflow_env() -> dict[str, str]:
    env = _base_env()
    # `mlflow models serve` runs `uvicorn` by name: it must find the one of its venv.
    path = os.pathsep.join([str(MLFLOW_VENV / "bin"), env.get("PATH", "")])
    return env | {
        "PATH": path,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "GIT_PYTHON_REFRESH": "quiet",
    }


def runwright_kind(store: Path) -> ServerKind:
    script = Path(sys.executable).parent / "runwright"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "runwright"]

    def command(folder: Path, port: int, workers: int) -> list[str]:
        return [
            *launcher,
            *("--tracking-uri", str(store)),
            "serve",
            f"models:/{MODEL_NAME}@champion",
            *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        ]

    return ServerKind("runwright", Path(sys.executable), command, _base_env())


def mlflow_kind(python: Path, model: Path) -> ServerKind:
    def command(folder: Path, port: int, workers: int) -> list[str]:
        return [
            str(python.parent / "mlflow"),
            "models",
            "serve",
            *("-m", str(model), "--env-manager", "local"),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        ]

    return ServerKind("mlflow", python, command, _mlflow_env())


# -- measuring ----------------------------------------------------------------------------


def loads(seconds: float) -> list[Load]:
    big = f"body_{BIG_BODY_ROWS}"
    return [
        Load("1 row, 1 connection", "body_1", 1, seconds),
        Load("1 row, 16 connections", "body_1", 16, seconds),
        Load(f"{BIG_BODY_ROWS:,} rows, 4 connections", big, 4, seconds),
    ]


def measure_server(
    kind: ServerKind,
    wrk: str,
    shapes: list[Load],
    paths: dict[str, Path],
    workers: int,
    out: dict[str, dict[str, list[dict[str, Any]]]],
) -> None:
    with tempfile.TemporaryDirectory(prefix=f"rw-bench-serving-{kind.name}-") as folder:
        server: RunningServer = start_server(kind, Path(folder), workers, fresh=True)
        try:
            console.print(f"  {kind.name:<9} up in {server.start_seconds:.1f} s")
            for load in shapes:
                body = paths[load.body]
                warm = Load(load.name, load.body, load.connections, WARMUP_SECONDS)
                run_wrk(wrk, server.url, warm, body)
                result = run_wrk(wrk, server.url, load, body)
                server.check_alive()
                out.setdefault(kind.name, {}).setdefault(load.name, []).append(result)
                console.print(
                    f"  {kind.name:<9} {load.name:<24} {result['rps']:8,.0f} req/s  "
                    f"p50 {result['p50_us'] / 1000:6.1f} ms  p99 {result['p99_us'] / 1000:6.1f} ms"
                    + (f"  [red]{result['errors']} errors" if result["errors"] else "")
                )
        finally:
            server.stop()


def measure_limit(paths: dict[str, Path], seconds: float) -> dict[str, dict[str, float]]:
    done = subprocess.run(
        [
            sys.executable,
            str(WORKLOADS / "serving_inprocess.py"),
            f"models:/{MODEL_NAME}@champion",
            str(paths["store"]),
            str(seconds),
            str(paths["body_1"]),
            str(paths[f"body_{BIG_BODY_ROWS}"]),
        ],
        capture_output=True,
        text=True,
        env=_base_env(),
        check=False,
        timeout=600,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the in-process measure failed: {done.stderr.strip()[-800:]}")
    found: dict[str, dict[str, float]] = json.loads(lines[-1][len("RESULT ") :])
    summary = ", ".join(
        f"{name}: {v['model']:,.0f} predict/s, {v['body']:,.0f}/s from the body"
        for name, v in found.items()
    )
    console.print(f"  in-process {summary}")
    return found


def _versions(kinds: list[ServerKind]) -> dict[str, str]:
    probe = (
        "import importlib.metadata as m, sys; "
        "print(' '.join(f'{p} {m.version(p)}' for p in sys.argv[1:]))"
    )
    found = {}
    for kind in kinds:
        packages = [kind.name, "uvicorn", "fastapi", "scikit-learn", "pandas"]
        done = subprocess.run(
            [str(kind.python), "-c", probe, *packages], capture_output=True, text=True, check=False
        )
        found[kind.name] = done.stdout.strip() or done.stderr.strip()[-200:]
    return found


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rounds = args.repeat or (1 if args.quick else 3)
    seconds = args.seconds or (4.0 if args.quick else 10.0)
    try:
        wrk = ensure_wrk()
    except WrkMissingError as exc:
        console.print(f"[bold red]{exc}")
        return 2
    load_at_start = os.getloadavg()[0]
    shapes = loads(seconds)
    measured: dict[str, dict[str, list[dict[str, Any]]]] = {}
    limits: list[dict[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="rw-bench-serving-") as scratch:
        folder = Path(scratch)
        console.print("[bold]training and logging the model")
        paths = prepare(folder)
        kinds: list[ServerKind] = []
        if args.only != "mlflow":
            kinds.append(runwright_kind(paths["store"]))
        missing = "skipped (--only runwright)" if args.only == "runwright" else None
        if args.only != "runwright":
            python, missing = ensure_venv(MLFLOW_VENV, "mlflow", MLFLOW_VERSION)
            if python is not None:
                try:
                    kinds.append(mlflow_kind(python, save_mlflow_model(python, paths, folder)))
                except RuntimeError as exc:
                    missing = str(exc)
        if missing:
            console.print(f"[bold red]MLflow will be missing: {missing}")
        for index in range(rounds):
            console.print(f"[bold]round {index + 1}/{rounds}")
            limits.append(measure_limit(paths, min(seconds, 5.0)))
            order = kinds if index % 2 == 0 else kinds[::-1]
            for kind in order:
                try:
                    measure_server(kind, wrk, shapes, paths, args.workers, measured)
                except (ServerError, RuntimeError) as exc:
                    console.print(f"[red]  {kind.name} failed: {exc}")
                    if kind.name == "runwright":
                        raise
    setup = Setup(
        rounds=rounds,
        seconds=seconds,
        workers=args.workers,
        mlflow_version=MLFLOW_VERSION,
        mlflow_missing=missing,
        versions=_versions(kinds),
        commit=git_commit(BENCH),
        load_average=(load_at_start, os.getloadavg()[0]),
    )
    rows = summarise(shapes, measured, limits)
    lines = verdicts(rows)
    terminal = Console(highlight=False, width=max(Console().width, 180))
    terminal.print(render_table(rows, setup))
    for line in lines:
        terminal.print(f"• {line}")
    markdown = render_markdown(rows, setup, lines)
    print(markdown)
    if args.json:
        payload = {
            "setup": asdict(setup),
            "rows": [asdict(r) for r in rows],
            "raw": measured,
            "limits": limits,
            "verdicts": lines,
            "markdown": markdown,
        }
        args.json.write_text(json.dumps(payload, indent=2))
    broken = any(
        sample["errors"] for tool in measured.values() for runs in tool.values() for sample in runs
    )
    return 1 if broken else 0


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    console.print(f"done in {time.perf_counter() - started:,.0f} s")
    sys.exit(status)
