"""Fingerprints for cache keys: of code (a step and the project code it calls) and of values.

Code is fingerprinted by source text, so editing a comment in a step misses the cache
while re-importing the same file does not. "Project code" is code not installed in the
interpreter's prefix (site-packages or the standard library): a library upgrade is not
a code change of yours, and hashing all of pandas would be slow.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import linecache
import math
import os
import sys
import sysconfig
import types
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

__all__ = ["code_fingerprint", "digest", "value_hash"]


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@lru_cache(maxsize=1)
def _installed_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    roots.update({sys.prefix, sys.base_prefix, sys.exec_prefix})
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # runwright itself
    return tuple(os.path.abspath(r) + os.sep for r in roots)


def _is_project_file(path: str | None) -> bool:
    if not path or path.startswith("<"):
        return bool(path)  # code from exec/an interactive session is the user's too
    absolute = os.path.abspath(path)
    return not any(absolute.startswith(root) for root in _installed_roots())


def _unwrap(value: Any) -> Any:
    """The function behind a `Step` or a `functools.wraps` decorator."""
    seen = 0
    while seen < 10:
        inner = getattr(value, "fn", None) or getattr(value, "__wrapped__", None)
        if inner is None or inner is value:
            return value
        value, seen = inner, seen + 1
    return value


def _function_source(fn: types.FunctionType) -> str | None:
    """The function's lines, from its first decorator to the end of its last expression,
    found from its code's line positions: `inspect.getsource` tokenizes the file to find
    where the function ends, which costs about 0.3 ms a function. Comment lines after
    the last statement are not part of the function here."""
    code = fn.__code__
    linecache.checkcache(code.co_filename)
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    ends = [
        end
        for inner in _code_objects(code)
        for _line, end, _column, _end_column in inner.co_positions()
        if end is not None
    ]
    if not lines or not ends:
        return None
    return "".join(lines[code.co_firstlineno - 1 : max(ends)])


def _source(obj: Any) -> str:
    if isinstance(obj, types.FunctionType):
        found = _function_source(obj)
        if found:
            return found
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        code = getattr(obj, "__code__", None)
        if code is not None:
            return repr((code.co_code, code.co_consts, code.co_names))
        return repr(obj)


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _referenced(fn: Any) -> Iterator[Any]:
    """Project functions and classes a function refers to by global name or closure."""
    code = getattr(fn, "__code__", None)
    scope = getattr(fn, "__globals__", {})
    if code is None:
        return
    names: list[str] = []
    for inner in _code_objects(code):
        names.extend(inner.co_names)
    for name in names:
        value = scope.get(name)
        if isinstance(value, types.ModuleType):
            if _is_project_file(getattr(value, "__file__", None)):
                for attribute in names:
                    found = getattr(value, attribute, None)
                    if found is not None and not isinstance(found, types.ModuleType):
                        yield found
        elif value is not None:
            yield value
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            yield cell.cell_contents
        except ValueError:  # an empty cell
            continue


def _project_callable(value: Any) -> Any | None:
    value = _unwrap(value)
    if not (inspect.isfunction(value) or inspect.isclass(value)):
        return None
    module = sys.modules.get(getattr(value, "__module__", "") or "")
    path = getattr(module, "__file__", None) if module else None
    if inspect.isfunction(value):
        path = value.__code__.co_filename
    return value if _is_project_file(path) else None


_fingerprints: dict[Any, dict[str, str]] = {}


def code_fingerprint(fn: Callable[..., Any]) -> dict[str, str]:
    """{qualname: sha256 of source} for ``fn`` and the project code it reaches."""
    fn = _unwrap(fn)
    cached = _fingerprints.get(fn)
    if cached is not None:
        return cached
    found: dict[str, str] = {}
    pending: list[Any] = [fn]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        # Named without the module: a script run as __main__ and the same file imported
        # by `runwright run` or `resume` must give the same key.
        name = current.__qualname__
        if name in found:
            name = f"{current.__qualname__}@{current.__module__}"
        found[name] = digest(_source(current))
        members = [current]
        if inspect.isclass(current):
            members = [m for m in vars(current).values() if inspect.isfunction(m)]
        for member in members:
            for value in _referenced(member):
                callee = _project_callable(value)
                if callee is not None and id(callee) not in seen:
                    pending.append(callee)
    result = dict(sorted(found.items()))
    _fingerprints[fn] = result
    return result


def _canonical(value: Any) -> Any:
    """JSON-able values as themselves; anything else marks the value as not JSON."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _canonical(v) for k, v in value.items()}
    raise TypeError


def value_hash(value: Any) -> str:
    """A content hash of a constant argument: canonical JSON where possible, else its
    cloudpickle bytes (stable for the same value within a Python and library version)."""
    try:
        text = json.dumps(
            {"t": type(value).__name__, "v": _canonical(value)},
            sort_keys=True,
            separators=(",", ":"),
        )
        return digest(text)
    except TypeError:
        import cloudpickle

        return digest(cloudpickle.dumps(value))
