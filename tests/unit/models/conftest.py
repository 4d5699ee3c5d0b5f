from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.unit.models.defs import iris


@pytest.fixture(scope="session")
def iris_data() -> tuple[pd.DataFrame, np.ndarray]:
    return iris()
