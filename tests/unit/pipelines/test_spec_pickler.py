"""Packing attempts for worker processes: by name where possible, by value where not,
and each step function once."""

from __future__ import annotations

import pickle
import sys
import types
import uuid
from collections.abc import Iterator
from typing import Any

import cloudpickle
import pytest

import runwright as rw
from runwright.entities import LifecycleStage, RunInfo, RunStatus
from runwright.pipelines.graph import Const
from runwright.pipelines.outputs_spec import OutputSpec
from runwright.pipelines.task import SpecPickler, TaskSpec, unpack_spec


def plain_function(x: int) -> int:
    return x + 1


@rw.step
def decorated(x: int) -> int:
    return x * 2


def _spec(fn: Any, **arguments: Any) -> TaskSpec:
    run_id = uuid.uuid4().hex
    return TaskSpec(
        node_id="node",
        run=RunInfo(
            run_id=run_id,
            experiment_id="0",
            run_name="node",
            user_id="tester",
            status=RunStatus.RUNNING,
            start_time=0,
            end_time=None,
            lifecycle_stage=LifecycleStage.ACTIVE,
            artifact_uri=f"/tmp/artifacts/{run_id}",
        ),
        attempt=1,
        tracking_uri="/tmp/store",
        fn=fn,
        output_spec=OutputSpec("single", ("output",)),
        arguments={name: Const(value) for name, value in arguments.items()},
        upstream={},
    )


def _function_part(blob: bytes) -> bytes:
    function, _rest = pickle.loads(blob)
    assert isinstance(function, bytes)
    return function


def test_a_function_importable_by_name_travels_by_name() -> None:
    blob = SpecPickler().dumps(_spec(plain_function, x=1))
    assert _function_part(blob) == pickle.dumps(plain_function, protocol=pickle.HIGHEST_PROTOCOL)
    assert unpack_spec(blob).fn is plain_function


def test_a_decorated_step_function_travels_by_value_and_works() -> None:
    blob = SpecPickler().dumps(_spec(decorated.fn, x=4))
    unpacked = unpack_spec(blob)
    assert unpacked.fn is not decorated.fn  # rebuilt from its code, not looked up by name
    assert unpacked.fn(4) == 8


def test_a_local_function_travels_by_value() -> None:
    offset = 10

    def local(x: int) -> int:
        return x + offset

    assert unpack_spec(SpecPickler().dumps(_spec(local, x=1))).fn(1) == 11


@pytest.fixture
def unimportable_module() -> Iterator[types.ModuleType]:
    """A module registered to travel by value, as files loaded by path are."""
    module = types.ModuleType(f"runwright_test_by_value_{uuid.uuid4().hex[:8]}")
    exec("def triple(x):\n    return 3 * x\n\nclass Box:\n    pass\n", module.__dict__)
    sys.modules[module.__name__] = module
    cloudpickle.register_pickle_by_value(module)
    yield module
    cloudpickle.unregister_pickle_by_value(module)
    del sys.modules[module.__name__]


def test_a_function_of_a_module_registered_by_value_travels_by_value(
    unimportable_module: types.ModuleType,
) -> None:
    blob = SpecPickler().dumps(_spec(unimportable_module.triple, x=2))
    del sys.modules[unimportable_module.__name__]  # as in a worker that cannot import it
    try:
        assert unpack_spec(blob).fn(2) == 6
    finally:
        sys.modules[unimportable_module.__name__] = unimportable_module


def test_an_argument_of_a_class_registered_by_value_travels_by_value(
    unimportable_module: types.ModuleType,
) -> None:
    blob = SpecPickler().dumps(_spec(plain_function, x=unimportable_module.Box()))
    del sys.modules[unimportable_module.__name__]
    try:
        argument = unpack_spec(blob).arguments["x"]
        assert isinstance(argument, Const)
        assert type(argument.value).__name__ == "Box"
    finally:
        sys.modules[unimportable_module.__name__] = unimportable_module


def test_a_function_is_packed_once_and_unpacked_once() -> None:
    pickler = SpecPickler()
    first = pickler.dumps(_spec(decorated.fn, x=1))
    second = pickler.dumps(_spec(decorated.fn, x=2))
    assert _function_part(first) == _function_part(second)
    one, two = unpack_spec(first), unpack_spec(second)
    assert one.fn is two.fn
    assert one.arguments["x"] != two.arguments["x"]
