"""Generic Python models: any object with ``predict(self, data)``.

Subclassing :class:`PythonModel` is optional; it documents the hooks:

- ``predict(self, data)`` or ``predict(self, data, params=None)``;
- ``load_context(self, context)``, called once after loading, where
  ``context.artifacts`` maps each name given to ``log_model(artifacts=...)`` to the
  local path of that file or folder inside the loaded package;
- ``batchable = True`` when predictions are row-wise, so a server may score rows of
  several requests in one call (off by default: a generic model may look at the batch
  as a whole).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = ["PythonModel", "PythonModelContext"]


@dataclass(frozen=True, slots=True)
class PythonModelContext:
    """What a generic Python model gets in ``load_context``."""

    #: Local paths of the files and folders logged with the model, by name.
    artifacts: Mapping[str, str] = field(default_factory=dict)


class PythonModel(ABC):
    """Base class for generic Python models; see the module docstring. A subclass
    must define ``predict``."""

    batchable: ClassVar[bool] = False

    def load_context(self, context: PythonModelContext) -> None:  # noqa: B027 - optional hook
        """Read what the model needs from ``context.artifacts``; called once after loading."""

    @abstractmethod
    def predict(self, data: Any, params: Mapping[str, Any] | None = None) -> Any:
        """Predictions for ``data`` (a DataFrame, after the signature was enforced)."""
