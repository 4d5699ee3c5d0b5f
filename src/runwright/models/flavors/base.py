"""What a flavor is: one kind of model, saved in its library's own format and loaded
back behind one call.

A flavor detects its models (without importing a library the model could not come
from), saves one into a package folder (returning the options it needs to load it,
which go into the manifest), loads it back as a :class:`Predictor`, and names the
modules the model needs, which become pinned requirements.
"""

from __future__ import annotations

import importlib
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from runwright.errors import InvalidArgumentError

if TYPE_CHECKING:
    from runwright.models.signature import ModelSignature

__all__ = [
    "Flavor",
    "InputFormat",
    "Predictor",
    "SaveOptions",
    "import_object",
    "loaded_class",
    "reference_of",
]

#: What a predictor wants: a DataFrame, a NumPy array (or dict of arrays), or either.
InputFormat = Literal["pandas", "numpy", "any"]


@dataclass(frozen=True, slots=True)
class Predictor:
    """A loaded model behind one call: ``predict(data, params)``."""

    model: Any
    predict: Callable[[Any, Mapping[str, Any] | None], Any]
    input_format: InputFormat = "any"
    #: Predictions are row-wise: rows of several requests may be scored in one call.
    batchable: bool = True
    #: ``predict`` uses ``params``; the others refuse them instead of ignoring them.
    accepts_params: bool = False


@dataclass(frozen=True, slots=True)
class SaveOptions:
    """What a caller may tell a flavor beyond the model itself."""

    #: Files or folders a generic Python model reads in ``load_context``, by name.
    artifacts: Mapping[str, Path] = field(default_factory=dict)
    #: ``"pkg.module:Name"``: the class (or zero-argument factory) of a PyTorch module
    #: saved as a state dict.
    model_class: str | None = None


class Flavor(ABC):
    """One kind of model; see the module docstring."""

    #: The name in manifests and in ``log_model(flavor=...)``.
    name: str

    @abstractmethod
    def detect(self, model: Any) -> bool:
        """True when ``model`` is of this flavor."""

    @abstractmethod
    def save(self, model: Any, folder: Path, options: SaveOptions) -> dict[str, Any]:
        """Write the model into ``folder``; returns the options :meth:`load` needs."""

    @abstractmethod
    def load(self, folder: Path, options: Mapping[str, Any]) -> Predictor:
        """The model saved in ``folder``, ready to predict."""

    @abstractmethod
    def modules(self, model: Any) -> set[str]:
        """The modules the model needs at load time (mapped to pinned distributions)."""

    def batchable(self, model: Any) -> bool:
        """Whether predictions are row-wise (written to the manifest)."""
        return True

    def default_signature(self, model: Any) -> ModelSignature | None:
        """A signature the model itself declares (an ONNX graph does), if any."""
        return None

    def __repr__(self) -> str:
        return f"<flavor {self.name}>"


def loaded_class(module: str, qualified_name: str) -> type | None:
    """A class from a module only if that module is already imported: a model of a
    library that was never imported cannot be an instance of it."""
    loaded = sys.modules.get(module)
    if loaded is None:
        return None
    found: Any = loaded
    for part in qualified_name.split("."):
        found = getattr(found, part, None)
        if found is None:
            return None
    return found if isinstance(found, type) else None


def import_object(reference: str) -> Any:
    """The object named ``"pkg.module:Name"`` (or ``"pkg.module:Outer.Inner"``)."""
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise InvalidArgumentError(f"{reference!r} is not of the form 'package.module:Name'")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidArgumentError(
            f"cannot import {module_name!r} for {reference!r}: {exc}"
        ) from None
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise InvalidArgumentError(f"{module_name!r} has no {attribute!r}") from None
    return found


def reference_of(cls: type) -> str | None:
    """``"pkg.module:Name"`` for an importable class, None for one defined in a script or
    inside a function."""
    module = cls.__module__
    if module in ("__main__", "builtins") or "<locals>" in cls.__qualname__:
        return None
    return f"{module}:{cls.__qualname__}"
