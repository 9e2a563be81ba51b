"""Where the real Pabulib elections and the reference outcomes live (``../shared/pabulib``)."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from app.budgets.tally.election import Election
from app.budgets.tally.pabulib import read_pabulib

REPO = Path(__file__).resolve().parents[2]


def pabulib_dir() -> Path:
    return Path(os.environ.get("MINKA_PABULIB_DIR") or REPO.parent / "shared" / "pabulib")


def require_pabulib() -> Path:
    """The data directory; without it the module is skipped, except in CI where it must exist."""
    directory = pabulib_dir()
    if not (directory / "expected.json").is_file():
        reason = f"no Pabulib reference data at {directory} (set MINKA_PABULIB_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)
    return directory


@cache
def expected() -> dict[str, Any]:
    return json.loads((pabulib_dir() / "expected.json").read_text())  # type: ignore[no-any-return]


@cache
def election(file_name: str) -> Election:
    return read_pabulib(pabulib_dir() / "data" / file_name).election()
