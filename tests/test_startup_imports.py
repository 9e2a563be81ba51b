"""A web worker does not load at start the big libraries only a rare task needs.

Every web process pays for what it imports, and an idle worker's memory has a budget (120 MB,
``python -m bench memory``): the exact rationals of a budget count (gmpy2) and its arrays, image
re-encoding (Pillow), the holiday calendar and PostgreSQL's driver on SQLite are loaded by the
first request that needs them. A fresh interpreter is used: this test process has them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LOADED_ON_DEMAND = ("gmpy2", "numpy", "PIL", "holidays", "psycopg")

PROBE = """
import json, sys
from app.main import create_app
create_app()
print(json.dumps(sorted(sys.modules)))
"""


def test_creating_the_app_does_not_import_what_a_rare_task_needs(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MINKA_")},
        "MINKA_DATABASE_URL": f"sqlite:///{tmp_path / 'start.db'}",
        "MINKA_VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    modules = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "app.budgets.routes" in modules  # the probe did load the application
    loaded = sorted(name for name in modules if name.split(".")[0] in LOADED_ON_DEMAND)
    assert loaded == []
