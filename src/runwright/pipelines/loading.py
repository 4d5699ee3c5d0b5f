"""Finding a pipeline from the command line (``file.py:name``) or from a stored run.

A file loaded by path gets a module name of its own and is registered with cloudpickle
to travel by value, so worker processes need not be able to import it by name.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from runwright.errors import InvalidArgumentError, NotFoundError
from runwright.pipelines.pipeline import Pipeline

__all__ = ["import_pipeline", "load_pipeline"]


def _module_from_file(path: Path) -> ModuleType:
    path = path.resolve()
    if not path.is_file():
        raise NotFoundError(f"no pipeline file {str(path)!r}")
    name = f"runwright_user_{path.stem}_{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InvalidArgumentError(f"cannot load {str(path)!r} as Python code")
    module = importlib.util.module_from_spec(spec)
    # As `python file.py` would: the file's folder comes first on the import path.
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    import cloudpickle

    cloudpickle.register_pickle_by_value(module)
    return module


def _attribute(module: ModuleType, qualname: str, where: str) -> Pipeline:
    target: Any = module
    for part in qualname.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise NotFoundError(f"{where} has no pipeline named {qualname!r}")
    if not isinstance(target, Pipeline):
        raise InvalidArgumentError(
            f"{where}:{qualname} is a {type(target).__name__}, not a @rw.pipeline function"
        )
    return target


def load_pipeline(reference: str) -> Pipeline:
    """``path/to/file.py:name`` or ``package.module:name``."""
    location, separator, qualname = reference.rpartition(":")
    if not separator or not location or not qualname:
        raise InvalidArgumentError(
            f"name a pipeline as path/to/file.py:pipeline_name or module:pipeline_name, "
            f"not {reference!r}"
        )
    if location.endswith(".py") or "/" in location or "\\" in location:
        return _attribute(_module_from_file(Path(location)), qualname, location)
    try:
        module = importlib.import_module(location)
    except ImportError as exc:
        raise NotFoundError(f"cannot import module {location!r}: {exc}") from None
    return _attribute(module, qualname, location)


def import_pipeline(source: Mapping[str, str]) -> Pipeline:
    """The pipeline a stored run was made from: by module name when importable (and not
    a script's __main__), else by file."""
    module_name, file, qualname = (
        source.get("module", ""),
        source.get("file", ""),
        source.get("qualname", ""),
    )
    if module_name and module_name != "__main__" and not module_name.startswith("runwright_user_"):
        try:
            return _attribute(importlib.import_module(module_name), qualname, module_name)
        except ImportError:
            pass
    if file:
        return _attribute(_module_from_file(Path(file)), qualname, file)
    raise NotFoundError(f"cannot find the code of pipeline {qualname!r} to resume it")
