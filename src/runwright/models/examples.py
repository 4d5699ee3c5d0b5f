"""Input examples: stored as ``input_example.json`` in the scoring protocol's shape.

A table is written as ``{"dataframe_split": {"columns": [...], "data": [[...]]}}`` and
an array as ``{"inputs": [...]}`` (a dict of arrays as ``{"inputs": {name: [...]}}``),
so the file doubles as a ready-made request body for a scoring server. Records and
column dicts are stored as tables. Missing values become ``null``.
"""

from __future__ import annotations

import base64
import datetime
import json
import math
from pathlib import Path
from typing import Any

from runwright.errors import InvalidArgumentError
from runwright.models.enforcement import prepare_input

__all__ = ["EXAMPLE_FILE", "example_to_json", "read_example", "write_example"]

EXAMPLE_FILE = "input_example.json"


def example_to_json(example: Any) -> dict[str, Any]:
    """The scoring-protocol body for ``example`` (see the module docstring)."""
    import numpy as np
    import pandas as pd

    canonical = prepare_input(example, None)
    if isinstance(canonical, pd.DataFrame):
        split = canonical.to_dict(orient="split")
        return {
            "dataframe_split": {
                "columns": [str(c) for c in split["columns"]],
                "data": _plain(split["data"]),
            }
        }
    if isinstance(canonical, np.ndarray):
        return {"inputs": _plain(canonical.tolist())}
    if isinstance(canonical, dict):
        return {"inputs": {str(k): _plain(np.asarray(v).tolist()) for k, v in canonical.items()}}
    raise InvalidArgumentError(f"cannot store an input example of type {type(example).__name__}")


def write_example(folder: Path, example: Any) -> str:
    body = example_to_json(example)
    (folder / EXAMPLE_FILE).write_text(json.dumps(body, allow_nan=False) + "\n", encoding="utf-8")
    return EXAMPLE_FILE


def read_example(path: Path) -> Any:
    """The example as a DataFrame, an array or a dict of arrays."""
    import numpy as np
    import pandas as pd

    body = json.loads(path.read_text(encoding="utf-8"))
    if "dataframe_split" in body:
        split = body["dataframe_split"]
        return pd.DataFrame(split["data"], columns=split["columns"])
    inputs = body.get("inputs")
    if isinstance(inputs, dict):
        return {k: np.asarray(v) for k, v in inputs.items()}
    return np.asarray(inputs)


def _plain(value: Any) -> Any:
    """JSON-ready values: NumPy scalars as Python ones, NaN as None, times as ISO text."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if type(value).__name__ == "datetime64":
        return str(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
