"""Options several commands share."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from runwright.entities import ViewType

__all__ = ["JsonOption", "MaxResultsOption", "View", "ViewOption"]


class View(StrEnum):
    active = "active"
    deleted = "deleted"
    all = "all"

    def view_type(self) -> ViewType:
        return {
            View.active: ViewType.ACTIVE_ONLY,
            View.deleted: ViewType.DELETED_ONLY,
            View.all: ViewType.ALL,
        }[self]


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ViewOption = Annotated[View, typer.Option("--view", help="Which lifecycle stages to list.")]
MaxResultsOption = Annotated[
    int, typer.Option("--max-results", "-n", min=1, max=50_000, help="How many to show.")
]
