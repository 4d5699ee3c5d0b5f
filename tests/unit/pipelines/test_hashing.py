"""Code fingerprints: a function's source found from its code's line positions matches
what `inspect` finds, and an edit anywhere in the function changes the fingerprint."""

from __future__ import annotations

import functools
import importlib.util
import inspect
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

from runwright.pipelines.hashing import _source, code_fingerprint


def _decorate(fn: Any) -> Any:
    return fn


@_decorate
@functools.lru_cache
def _decorated_and_spread_out(x: int) -> int:
    values = [
        1,
        2,
    ]
    return x + sum(
        values,
    )


class _Holder:
    def method(self) -> Any:
        def inner() -> tuple[int, ...]:
            return (
                1,
                2,
            )

        return inner


def test_a_function_source_spans_its_decorators_and_its_last_closing_bracket() -> None:
    fn = _decorated_and_spread_out.__wrapped__
    assert _source(fn) == inspect.getsource(fn)
    assert _source(fn).startswith("@_decorate\n")
    assert _source(fn).endswith("    )\n")


def test_a_method_with_a_nested_function_is_whole() -> None:
    assert _source(_Holder.method) == inspect.getsource(_Holder.method)


def test_a_class_is_read_with_inspect() -> None:
    assert _source(_Holder) == inspect.getsource(_Holder)


def _module(path: Path, body: str) -> ModuleType:
    path.write_text(textwrap.dedent(body))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


STEP = """
def step(x):
    total = x + 1  # {comment}
    return (
        total
        * {factor}
    )
"""


def test_an_edit_on_any_line_of_the_function_changes_its_fingerprint(tmp_path: Path) -> None:
    def fingerprint(name: str, comment: str, factor: int) -> str:
        module = _module(tmp_path / f"{name}.py", STEP.format(comment=comment, factor=factor))
        return code_fingerprint(module.step)["step"]

    base = fingerprint("hash_base", "one", 2)
    assert fingerprint("hash_same", "one", 2) == base
    assert fingerprint("hash_comment", "two", 2) != base
    assert fingerprint("hash_last_line", "one", 3) != base


def test_code_without_a_file_is_fingerprinted_by_its_bytecode() -> None:
    namespace: dict[str, Any] = {}
    exec("def made():\n    return 41 + 1\n", namespace)
    assert "made" in code_fingerprint(namespace["made"])
