"""Settings come from RUNWRIGHT_* variables, typed, in one place."""

from __future__ import annotations

import pytest

from runwright import InvalidArgumentError
from runwright.settings import Settings


def test_variables_are_read_and_typed() -> None:
    settings = Settings.from_env(
        {"RUNWRIGHT_TRACKING_URI": "/x", "RUNWRIGHT_LOG_BATCH_SIZE": "7", "OTHER": "1"}
    )
    assert (settings.tracking_uri, settings.log_batch_size) == ("/x", 7)


def test_defaults_apply_without_variables() -> None:
    assert Settings.from_env({}) == Settings()


def test_a_malformed_number_is_a_clear_error() -> None:
    with pytest.raises(InvalidArgumentError, match="RUNWRIGHT_STALE_AFTER"):
        Settings.from_env({"RUNWRIGHT_STALE_AFTER": "soon"})
