"""The physical limit: in-process ``predict`` calls per second on the benchmark's bodies,
with no HTTP; run in Runwright's environment.

    python serving_inprocess.py MODEL_URI TRACKING_URI SECONDS BODY.json...

For each body file, two figures: ``model`` — ``LoadedModel.predict`` on the body's rows
already in a DataFrame (the model alone); ``body`` — the same call starting from the
body's bytes (``json.loads``, a DataFrame, ``predict``), which is what any server has
to do per request. Prints one ``RESULT {json}`` line.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any


def rate(call: Callable[[], Any], seconds: float) -> float:
    call()
    began = time.perf_counter()
    count = 0
    while (elapsed := time.perf_counter() - began) < seconds:
        call()
        count += 1
    return count / elapsed


def main(model_uri: str, tracking_uri: str, seconds: str, *bodies: str) -> None:
    import pandas as pd

    import runwright as rw
    from runwright.models import load_model

    warnings.simplefilter("ignore")
    rw.set_tracking_uri(tracking_uri)
    model = load_model(model_uri)
    found: dict[str, dict[str, float]] = {}
    for path in bodies:
        raw = Path(path).read_bytes()
        split = json.loads(raw)["dataframe_split"]
        frame = pd.DataFrame(split["data"], columns=split["columns"])

        def from_body(raw: bytes = raw) -> Any:
            parsed = json.loads(raw)["dataframe_split"]
            return model.predict(pd.DataFrame(parsed["data"], columns=parsed["columns"]))

        found[Path(path).stem] = {
            "rows": len(frame),
            "model": rate(lambda frame=frame: model.predict(frame), float(seconds)),
            "body": rate(from_body, float(seconds)),
        }
    print("RESULT " + json.dumps(found))


if __name__ == "__main__":
    main(*sys.argv[1:])
