"""The artifact store leaves fsspec unimported until it is used."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_artifact_store_does_not_import_fsspec() -> None:
    code = "import sys, runwright.artifacts; print('fsspec' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
