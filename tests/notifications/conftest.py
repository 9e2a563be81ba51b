"""These tests read English sentences: their clients ask for English whatever the default."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client_a(client_a: TestClient) -> TestClient:
    client_a.headers["accept-language"] = "en"
    return client_a


@pytest.fixture
def client_b(client_b: TestClient) -> TestClient:
    client_b.headers["accept-language"] = "en"
    return client_b
