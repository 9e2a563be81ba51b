"""What a server hashes passwords with, which the rest of the suite does not use (conftest)."""

from __future__ import annotations

import os
import subprocess
import sys

from argon2 import extract_parameters, profiles

PROBE = (
    "from app.accounts.passwords import hash_password, verify_password, needs_rehash;"
    "h = hash_password('una clave larga ñ');"
    "assert verify_password(h, 'una clave larga ñ') and not verify_password(h, 'otra');"
    "print(h)"
)


def _hash_in_a_process(environment: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_a_server_hashes_with_the_rfc_9106_parameters() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "MINKA_TEST_CHEAP_PASSWORD_HASHES"}
    parameters = extract_parameters(_hash_in_a_process(environment))
    expected = profiles.RFC_9106_LOW_MEMORY
    assert (parameters.type, parameters.memory_cost, parameters.time_cost) == (
        expected.type,
        expected.memory_cost,
        expected.time_cost,
    )


def test_the_suite_uses_the_cheapest_parameters_and_a_server_rehashes_them() -> None:
    cheap = _hash_in_a_process({**os.environ, "MINKA_TEST_CHEAP_PASSWORD_HASHES": "1"})
    assert extract_parameters(cheap).memory_cost == profiles.CHEAPEST.memory_cost
    environment = {k: v for k, v in os.environ.items() if k != "MINKA_TEST_CHEAP_PASSWORD_HASHES"}
    check = f"from app.accounts.passwords import needs_rehash; assert needs_rehash({cheap!r})"
    subprocess.run([sys.executable, "-c", check], env=environment, check=True)
