from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(autouse=True)
def _in_english(request: pytest.FixtureRequest) -> None:
    """Assert on the English msgids, whatever the catalogues translate them to."""
    if "client_a" in request.fixturenames:
        client: TestClient = request.getfixturevalue("client_a")
        client.headers["Accept-Language"] = "en"
