"""The pinned requirements of a model package (``requirements.txt``).

Versions come from the installed distributions (importlib.metadata), so the package
says exactly what the model was saved with: each flavor names the distributions it
needs, and for pickled models the modules of every pickled object are looked up too
(a scikit-learn pipeline with a LightGBM step needs lightgbm).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import io
import pickle
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from runwright.errors import InvalidArgumentError

__all__ = [
    "REQUIREMENTS_FILE",
    "distributions_of_modules",
    "modules_of",
    "pinned",
    "read_requirements",
    "requirements_from_argument",
]

REQUIREMENTS_FILE = "requirements.txt"
_SEPARATORS = re.compile(r"[-_.]+")


def _canonical(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()


def pinned(distributions: Iterable[str]) -> list[str]:
    """``name==version`` for each installed distribution, sorted, once each; the ones not
    installed are left out (a flavor may name an optional one, such as pandas)."""
    found: dict[str, str] = {}
    for name in distributions:
        key = _canonical(name)
        if key in found:
            continue
        try:
            found[key] = f"{name}=={importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return [found[key] for key in sorted(found)]


@functools.cache
def _packages_distributions() -> Mapping[str, list[str]]:
    # Scanning every installed distribution takes a quarter of a second; once will do.
    return importlib.metadata.packages_distributions()


def distributions_of_modules(modules: Iterable[str]) -> set[str]:
    """The installed distributions that provide these modules; the standard library, the
    script's own modules and anything not installed as a distribution give nothing."""
    by_package = _packages_distributions()
    out: set[str] = set()
    for module in modules:
        top = module.split(".", 1)[0]
        if not top or top in sys.stdlib_module_names or top in ("__main__", "builtins"):
            continue
        out.update(by_package.get(top, ()))
    return out


def modules_of(obj: Any) -> set[str]:
    """The modules of the classes and functions ``obj`` is made of, as (cloud)pickle sees
    them; an object pickle refuses gives what was seen before the refusal."""
    import cloudpickle

    modules: set[str] = set()

    class ModuleRecorder(cloudpickle.Pickler):  # type: ignore[misc]
        def persistent_id(self, item: Any) -> None:
            modules.add(type(item).__module__)
            if isinstance(item, type) or callable(item):
                module = getattr(item, "__module__", None)
                if isinstance(module, str):
                    modules.add(module)

    # A best effort: saving the model reports what cannot be pickled.
    with contextlib.suppress(Exception):
        ModuleRecorder(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return modules


def requirements_from_argument(value: str | Path | Sequence[str]) -> list[str]:
    """``pip_requirements=``: a list of requirement lines, or the path of a requirements file."""
    if isinstance(value, str | Path) and Path(value).is_file():
        return read_requirements(Path(value))
    if isinstance(value, str | Path):
        raise InvalidArgumentError(
            f"pip_requirements must be a list of requirements or a requirements file; "
            f"no file at {str(value)!r}"
        )
    lines = [str(line).strip() for line in value]
    bad = [line for line in lines if not line or "\n" in line]
    if bad:
        raise InvalidArgumentError(f"pip_requirements holds empty or multi-line entries: {bad!r}")
    return lines


def read_requirements(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [s for line in lines if (s := line.strip()) and not s.startswith("#")]
